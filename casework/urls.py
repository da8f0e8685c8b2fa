from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from casework.views import cases

urlpatterns = [
    path("", cases.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("cases/", include("children.urls")),
    path("", include("casework.urls_cases")),
    path("team/", include("casework.urls_supervision")),
    path("audit/", include("casework.urls_audit")),
    path("aggregates/", include("casework.urls_aggregates")),
    path("admin/", admin.site.urls),
]
