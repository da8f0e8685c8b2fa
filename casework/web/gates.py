"""The page gates: who may open a page at all, before any record is looked at.

Every view that is not open to everyone signed in starts with one of these. A signed-out
visitor goes to the login page; a signed-in user without the role gets the same 404 as a
page that does not exist (so the page's existence does not leak), and the refusal is
written to the access log as `denied`, whichever gate refused. Records on a page are then
checked by the access gate (children.access), which logs its own refusals.
"""

import functools
from collections.abc import Callable
from typing import NoReturn

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponseBase

from casework.access.queries import supervised_team
from casework.audit.services import log_access
from casework.core import roles
from casework.models import AccessAction

# A view function; what the gates take and give back (a supervisor's view also takes `team`).
View = Callable[..., HttpResponseBase]


def refuse(request, what: str, object_id="") -> NoReturn:
    """Log the refusal as `denied` and answer 404. A case URL's id is kept, so that the
    case's own access review shows the attempt."""
    log_access(
        user=request.user,
        action=AccessAction.DENIED,
        object_type=what,
        object_id=str(object_id)[:64],
        request=request,
        detail={"page": request.resolver_match.view_name if request.resolver_match else ""},
    )
    raise Http404


def _gate(allowed, what: str, *, pass_team: bool = False):
    def decorator(view):
        @login_required
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if pass_team:
                team = supervised_team(request.user)
                if team is None:
                    refuse(request, what, kwargs.get("pk", ""))
                return view(request, *args, team=team, **kwargs)
            if not allowed(request.user):
                refuse(request, what, kwargs.get("pk", ""))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def may_work_on_cases(user) -> bool:
    """Caseworkers and supervisors; a data admin or an IT account holds no case."""
    return roles.may_hold_cases(user) and (
        roles.has_role(user, roles.CASEWORKER) or roles.has_role(user, roles.SUPERVISOR)
    )


def case_role_required(what: str) -> Callable[[View], View]:
    """Pages about cases: caseworkers and supervisors only."""
    return _gate(may_work_on_cases, what)


def supervisor_required(what: str) -> Callable[[View], View]:
    """A team's pages: only the supervisor who leads the team, who is passed in as `team`."""
    return _gate(None, what, pass_team=True)


def data_admin_required(what: str) -> Callable[[View], View]:
    """The anonymised aggregates: the data admin only."""
    return _gate(lambda user: roles.has_role(user, roles.DATA_ADMIN), what)


def audit_reader_required(what: str) -> Callable[[View], View]:
    """The audit trail's integrity: supervisors, who answer for every change."""
    return _gate(lambda user: roles.may_hold_cases(user) and roles.has_role(user, roles.SUPERVISOR), what)


def no_view_on_site(request: HttpRequest, content_type_id: str, object_id: str) -> NoReturn:
    """Shadows the Django admin's "view on site" shortcut (/admin/r/<content type>/<id>/),
    which redirected for an existing child and answered 404 otherwise, to anyone, signed in
    or not: an oracle for which case ids exist. No model in the admin has a page on the site,
    so every such URL is a logged 404."""
    refuse(request, "view_on_site", object_id)
