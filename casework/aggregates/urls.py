from django.urls import path

from casework.aggregates import views as aggregates

app_name = "aggregates"
urlpatterns = [
    path("", aggregates.dashboard, name="dashboard"),
    path("export.<str:fmt>", aggregates.download, name="download"),
    path("releases/", aggregates.releases, name="releases"),
]
