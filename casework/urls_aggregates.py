from django.urls import path

from casework.views import aggregates

app_name = "aggregates"
urlpatterns = [
    path("", aggregates.dashboard, name="dashboard"),
    path("export.<str:fmt>", aggregates.download, name="download"),
]
