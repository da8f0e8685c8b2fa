from django.urls import path

from children import views

app_name = "children"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_new, name="new"),
    path("<uuid:pk>/", views.case_detail, name="detail"),
    path("<uuid:pk>/edit/<slug:section>/", views.edit_section, name="edit"),
    path("<uuid:pk>/doors/<slug:kind>/", views.edit_door, name="edit-door"),
    path("<uuid:pk>/names/", views.other_names, name="other-names"),
    path("<uuid:pk>/close/", views.close_case, name="close"),
    path("<uuid:pk>/reopen/", views.reopen_case, name="reopen"),
]
