"""Role and team groups change only inside casework.access.services (AC-14).

A receiver of User.groups' m2m_changed refuses to add anyone to, or remove anyone from, a
role group (`role:…`) or a team group (`team:…`, its oversight group too) unless the
change is made by the services, which record it. `user.groups.add(...)` in a shell, a
script or a form that forgot the rule raises PermissionDenied instead of leaving a change
without a record. A raw SQL write is not seen here: the database check
`casework.E002` and the gate (children/access.py) are the layers behind this one.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet

from casework.core import roles

PRIVILEGE_GROUP_PREFIXES = (roles.ROLE_GROUP_PREFIX, roles.TEAM_GROUP_PREFIX)

_changing: ContextVar[bool] = ContextVar("casework_privilege_groups_changing", default=False)


@contextmanager
def privilege_groups_changing() -> Iterator[None]:
    """For casework.access.services only: the block changes role and team groups and
    records the change."""
    token = _changing.set(True)
    try:
        yield
    finally:
        _changing.reset(token)


def _privilege_groups(groups: QuerySet[Group]) -> bool:
    return groups.filter(
        Q(name__startswith=roles.ROLE_GROUP_PREFIX) | Q(name__startswith=roles.TEAM_GROUP_PREFIX)
    ).exists()


def refuse_unaudited_group_change(
    sender: type[Model],
    instance: Model,
    action: str,
    reverse: bool,
    model: type[Model],
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    """m2m_changed receiver for User.groups (either side of the relation)."""
    if _changing.get() or action not in ("pre_add", "pre_remove", "pre_clear"):
        return
    if isinstance(instance, User):  # user.groups.add/remove/clear/set
        if action == "pre_clear":
            touched = _privilege_groups(instance.groups.all())
        else:
            touched = _privilege_groups(Group.objects.filter(pk__in=pk_set or ()))
    else:  # group.user_set.add/remove/clear: `instance` is the group
        touched = isinstance(instance, Group) and instance.name.startswith(PRIVILEGE_GROUP_PREFIXES)
        if action != "pre_clear" and not pk_set:
            touched = False
    if touched:
        raise PermissionDenied(
            "roles and teams change only through casework.access.services (join_team, leave_team, "
            "grant_role, revoke_role), which record who, when and why"
        )
