"""The Django admin asks for the second factor too (SE-7).

SignInCompleteMiddleware already sends a session that has not passed the second factor to
the code page before any admin page; this site checks it again in the admin's own
permission test, so the admin stays shut if the middleware is ever taken out. Its login
page is the application's: a password typed into the admin's own form would skip the code.
"""

from django.contrib.admin import AdminSite
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import resolve_url

from casework.core.redirects import path_only


class VerifiedAdminSite(AdminSite):
    def has_permission(self, request) -> bool:
        return super().has_permission(request) and request.user.is_verified()

    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            # Signed in without the admin's rights: the admin's own answer.
            return super().login(request, extra_context)
        next_path = path_only(request.GET.get("next", "")) or resolve_url("admin:index")
        return redirect_to_login(next_path)
