"""The root URLs: each feature's own urls.py under one prefix. Paths are stable: a
caseworker's bookmark must keep working whatever moves in the code."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from casework.accounts import views as accounts

urlpatterns = [
    path("", accounts.home, name="home"),
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("cases/", include("children.urls")),
    path("", include("casework.interviews.urls")),
    path("", include("casework.accounts.urls")),
    path("team/", include("casework.supervision.urls")),
    path("audit/", include("casework.audit.urls")),
    path("aggregates/", include("casework.aggregates.urls")),
    path("admin/", admin.site.urls),
]
