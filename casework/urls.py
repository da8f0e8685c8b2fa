"""The root URLs: each feature's own urls.py under one prefix. Paths are stable: a
caseworker's bookmark must keep working whatever moves in the code."""

from django.contrib import admin
from django.urls import include, path

from casework.accounts import views as accounts
from casework.web.gates import no_view_on_site

urlpatterns = [
    path("", accounts.home, name="home"),
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("logout/", accounts.sign_out, name="logout"),
    path("cases/", include("children.urls")),
    path("", include("casework.interviews.urls")),
    path("", include("casework.plans.urls")),
    path("", include("casework.accounts.urls")),
    path("", include("casework.offline.urls")),
    path("team/", include("casework.supervision.urls")),
    path("team/", include("casework.transfers.urls")),
    path("audit/", include("casework.audit.urls")),
    path("aggregates/", include("casework.aggregates.urls")),
    # Before the admin's own URLs, so that its "view on site" shortcut is never reached.
    path("admin/r/<str:content_type_id>/<path:object_id>/", no_view_on_site, name="admin-view-on-site"),
    path("admin/", admin.site.urls),
]
