from django.urls import path

from children import views

app_name = "children"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("<uuid:pk>/", views.case_detail, name="detail"),
]
