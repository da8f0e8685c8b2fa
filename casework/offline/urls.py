from django.urls import path

from casework.offline import views

app_name = "offline"
urlpatterns = [
    # At the root: the service worker's scope is the folder it is served from.
    path("sw.js", views.service_worker, name="service-worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("offline/", views.home, name="home"),
    path("offline/take/", views.take, name="take"),
    path("offline/register/", views.register, name="register"),
    path("offline/sync/", views.sync, name="sync"),
    path("offline/wiped/", views.wiped, name="wiped"),
    path("offline/devices/", views.devices, name="devices"),
    path("offline/devices/<uuid:pk>/revoke/", views.revoke, name="revoke"),
    path("offline/limits/", views.limits, name="limits"),
]
