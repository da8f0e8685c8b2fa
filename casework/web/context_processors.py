from casework.core import roles
from casework.web.middleware import session_seconds_left


def navigation(request):
    """The user's roles, for the navigation (one query, cached on the user for the request)."""
    user = getattr(request, "user", None)
    found = roles.roles_of(user) if user is not None else frozenset()
    signed_in = user is not None and user.is_authenticated
    return {
        # For the warning before the session ends (static/js/casework.js).
        "session_seconds_left": session_seconds_left(request) if signed_in else None,
        "is_caseworker": roles.CASEWORKER in found,
        "is_supervisor": roles.SUPERVISOR in found,
        "is_data_admin": roles.DATA_ADMIN in found,
    }
