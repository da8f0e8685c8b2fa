from django.urls import path

from casework.accounts import views

app_name = "accounts"
urlpatterns = [
    path("preferences/", views.preferences, name="preferences"),
    path("exit/", views.quick_exit, name="quick-exit"),
    path("language/", views.switch_language, name="language"),
    path("calendar/", views.neutral, name="neutral"),
    path("session/", views.session_status, name="session"),
    path("login/code/", views.two_factor, name="two-factor"),
    path("login/enrol/", views.enrol, name="enrol"),
    path("password/", views.password_change, name="password"),
]
