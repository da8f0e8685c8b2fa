from casework.core import roles


def navigation(request):
    """The user's roles, for the navigation (one query, cached on the user for the request)."""
    user = getattr(request, "user", None)
    found = roles.roles_of(user) if user is not None else frozenset()
    return {
        "is_caseworker": roles.CASEWORKER in found,
        "is_supervisor": roles.SUPERVISOR in found,
        "is_data_admin": roles.DATA_ADMIN in found,
    }
