from django.urls import path

from casework.accounts import views

app_name = "accounts"
urlpatterns = [
    path("preferences/", views.preferences, name="preferences"),
    path("exit/", views.quick_exit, name="quick-exit"),
    path("language/", views.switch_language, name="language"),
    path("calendar/", views.neutral, name="neutral"),
]
