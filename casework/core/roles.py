"""Roles and teams are Django groups: a role group per role, a group per team.

Role groups carry no model-wide permission on case data (tests/casework/access/test_teams.py): a single
model-wide grant would open every case. Case access is per object only.
"""

from typing import TypeGuard

from django.contrib.auth.models import AnonymousUser, Group, User
from django.utils.translation import gettext_lazy as _

CASEWORKER = "caseworker"
SUPERVISOR = "supervisor"
DATA_ADMIN = "data_admin"
SYSTEM_ADMIN = "system_admin"
ROLES = (CASEWORKER, SUPERVISOR, DATA_ADMIN, SYSTEM_ADMIN)
# Roles that hold no case, whatever else the account is: head office sees counts only,
# IT staff manage accounts (the gate in children/access.py refuses them every case).
CASE_ROLES = (CASEWORKER, SUPERVISOR)
NO_CASE_ROLES = (DATA_ADMIN, SYSTEM_ADMIN)
ROLE_LABELS = {
    CASEWORKER: _("Caseworker"),
    SUPERVISOR: _("Supervisor"),
    DATA_ADMIN: _("Data admin"),
    SYSTEM_ADMIN: _("System admin"),
}

ROLE_GROUP_PREFIX = "role:"
TEAM_GROUP_PREFIX = "team:"
OVERSIGHT_GROUP_SUFFIX = ":supervisors"


def role_group_name(role: str) -> str:
    return ROLE_GROUP_PREFIX + role


def role_group(role: str) -> Group:
    group, _ = Group.objects.get_or_create(name=role_group_name(role))
    return group


def roles_of(user: User | AnonymousUser) -> frozenset[str]:
    """The user's roles, read once per request object (cached on the user instance)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_casework_roles", None)
    if cached is None:
        names = user.groups.filter(name__startswith=ROLE_GROUP_PREFIX).values_list("name", flat=True)
        cached = frozenset(name.removeprefix(ROLE_GROUP_PREFIX) for name in names)
        user._casework_roles = cached  # type: ignore[attr-defined]  # a per-request cache on the instance
    return cached


def has_role(user: User | AnonymousUser, role: str) -> TypeGuard[User]:
    # A user with a role is signed in: an anonymous user has none.
    return role in roles_of(user)


def may_hold_cases(user: User | AnonymousUser) -> TypeGuard[User]:
    """Whether the account may hold any case at all (separation of duties): signed in and
    active, not a staff or superuser account (those run the admin), and holding neither the
    data admin nor the system admin role, whatever other groups it was put in."""
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return False
    if user.is_staff or user.is_superuser:
        return False
    return not roles_of(user) & set(NO_CASE_ROLES)
