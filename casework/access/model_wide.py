"""No model-wide permission on case data, ever (AC-9).

Case access is per object. A single model-wide `children.view_child` given to a user or a
group by mistake would make guardian's `get_objects_for_user(user, "children.view_child")`,
which outside tooling is told to rely on, return every case. The grant is refused where it
is made (`user.user_permissions.add`, `group.permissions.add`, the admin's forms, either
side of the relation), and a system check stops `migrate`, which every deployment start
runs, while such a grant exists in the database, whichever path wrote it.
"""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.contrib.auth.models import Group, Permission, User
from django.core import checks
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.db.models import Model, Q, QuerySet

# Whole apps of case data, and the case models of the project app (its Team and
# Preferences are not case data: the system admin manages teams).
CASE_DATA_APPS = ("children", "families")
CASE_DATA_MODELS = (
    "interview",
    "historicalinterview",
    "assignment",
    "historicalassignment",
    "accesslog",
    "auditchainhead",
    "aggregatesrelease",
)


def case_data_permissions() -> QuerySet[Permission]:
    return Permission.objects.filter(
        Q(content_type__app_label__in=CASE_DATA_APPS)
        | Q(content_type__app_label="casework", content_type__model__in=CASE_DATA_MODELS)
    )


def refuse_model_wide_case_permission(
    sender: type[Model],
    instance: Model,
    action: str,
    reverse: bool,
    model: type[Model],
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    """m2m_changed receiver for User.user_permissions and Group.permissions."""
    if action != "pre_add" or not pk_set:
        return
    if model is Permission:
        granted = set(pk_set)
    else:  # permission.user_set.add(...) / permission.group_set.add(...): `instance` is the permission
        granted = {instance.pk}
    if case_data_permissions().filter(pk__in=granted).exists():
        raise PermissionDenied("case data is granted per case only, never model-wide")


def model_wide_case_grants() -> list[str]:
    """'who: permission' for every model-wide case permission held by a user or a group."""
    perms = case_data_permissions()
    users = User.user_permissions.through.objects.filter(permission__in=perms).values_list(
        "user__username", "permission__codename"
    )
    groups = Group.permissions.through.objects.filter(permission__in=perms).values_list(
        "group__name", "permission__codename"
    )
    return [f"user {who}: {perm}" for who, perm in users] + [f"group {who}: {perm}" for who, perm in groups]


@checks.register(checks.Tags.security, checks.Tags.database)
def check_no_model_wide_case_grant(
    *, app_configs: Sequence[AppConfig] | None = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> Sequence[checks.CheckMessage]:
    if not databases or "default" not in databases:
        return []
    try:
        grants = model_wide_case_grants()
    except DatabaseError:  # before the first migration there are no tables to look in
        return []
    return [
        checks.Error(
            f"Model-wide permission on case data: {grant}.",
            hint="Remove it: case data is granted per case only (casework.access.services).",
            id="casework.E001",
        )
        for grant in grants
    ]
