"""The one access gate: "give me this object, if this user may see it".

Case access is per object only, read straight from guardian's direct foreign-key
permission tables (user grants and team-group grants). Model-wide permissions and
superuser status are never consulted, so a mistaken global grant, or an IT account,
opens nothing. Anything not permitted answers 404, the same as what does not exist.

A grant counts only while its holder still fits it (defence in depth, AC-13): a
caseworker's own grant while they hold the caseworker role and belong to the case's
team, the oversight group's grant while they hold the supervisor role. Holding the data
admin or system admin role, or a staff or superuser account, opens no case at all: a
role or team changed in the admin never leaves a side door to the cases of before.
"""

import datetime
import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from casework.audit.services import log_access
from casework.core import roles
from casework.models import AccessAction
from children.models import Child, ChildGroupObjectPermission, ChildUserObjectPermission

VIEW = "children.view_child"
CHANGE = "children.change_child"


def _codename(perm: str) -> str:
    app_label, _, codename = perm.rpartition(".")
    if app_label not in ("", "children") or codename not in ("view_child", "change_child"):
        raise ValueError(f"not a case permission: {perm!r}")
    return codename


def _granted(
    user: User, perm: str, child_pk: uuid.UUID | None = None
) -> QuerySet[ChildUserObjectPermission, uuid.UUID]:
    """Child ids the user holds `perm` on, directly or through a group, as one UNION query
    (narrowed to one child when `child_pk` is given).

    `ChildUserObjectPermission.objects` holds only the grants in force today: a temporary
    assignment stops counting here on its end date, the same day guardian's
    get_objects_for_user stops returning the case."""
    codename = _codename(perm)
    permission: dict[str, object] = {
        "permission__codename": codename,
        "permission__content_type__app_label": "children",
        "permission__content_type__model": "child",
    }
    if child_pk is not None:
        permission["content_object_id"] = child_pk
    memberships = User.groups.through.objects.filter(user_id=user.pk)

    def holds(role: str) -> Exists:
        return Exists(memberships.filter(group__name=roles.role_group_name(role)))

    direct = ChildUserObjectPermission.objects.filter(
        Q(user_id=user.pk, **permission),
        holds(roles.CASEWORKER),
        Exists(memberships.filter(group_id=OuterRef("content_object__team__group_id"))),
    )
    through_groups = ChildGroupObjectPermission.objects.filter(
        Q(group__user=user.pk, **permission),
        # Only the case's own team's oversight group counts, and only for a supervisor.
        Q(group_id=F("content_object__team__oversight_group_id")),
        holds(roles.SUPERVISOR),
    )
    return direct.values_list("content_object_id", flat=True).union(
        through_groups.values_list("content_object_id", flat=True)
    )


# Building _granted's query with the ORM costs about 2.5 ms of Python on every call (a
# union of two joins with three EXISTS), thirty times what the database spends answering
# it, and a case page asks twice. Its SQL depends only on the permission, on whether one
# case is asked about, and on the database: it is built once per process, from stand-in
# values, and each call puts its own user, date and case in their places. _granted stays
# the one definition of who may see what; tests/children/test_access_statement.py checks
# that both give the same answers.
_STAND_IN_USER = -2_147_000_001  # no account has a negative id
_STAND_IN_CHILD = uuid.UUID("5a17d000-0000-4000-8000-00000000a11e")


@dataclass(frozen=True)
class _StandInUser:
    pk: int = _STAND_IN_USER


@dataclass(frozen=True)
class _Statement:
    sql: str
    params: tuple[object, ...]
    # Where each call's own values go: (index in params, "user" | "today" | "child").
    slots: tuple[tuple[int, str], ...]

    def bind(self, user_pk: int, today: datetime.date, child_pk: object) -> list[Any]:
        params: list[Any] = list(self.params)
        for index, what in self.slots:
            if what == "user":
                params[index] = user_pk
            elif what == "child":
                params[index] = child_pk
            else:  # the date as the backend was given it: a date, or its ISO text on SQLite
                params[index] = today if isinstance(params[index], datetime.date) else today.isoformat()
        return params


@cache
def _statement(alias: str, perm: str, one_child: bool) -> _Statement:
    while True:
        today = timezone.localdate()
        queryset = _granted(_StandInUser(), perm, _STAND_IN_CHILD if one_child else None)  # type: ignore[arg-type]
        sql, params = queryset.query.get_compiler(using=alias).as_sql()
        if timezone.localdate() == today:  # not built across midnight
            break
    child_forms = {_STAND_IN_CHILD, _STAND_IN_CHILD.hex, str(_STAND_IN_CHILD)}
    slots = []
    for index, value in enumerate(params):
        if isinstance(value, int) and value == _STAND_IN_USER:
            slots.append((index, "user"))
        elif (isinstance(value, datetime.date) and value == today) or value == today.isoformat():
            slots.append((index, "today"))
        elif isinstance(value, (str, uuid.UUID)) and value in child_forms:
            slots.append((index, "child"))
    kinds = [what for _, what in slots]
    # Every stand-in must have been found, or a call would run with one left in place.
    if "user" not in kinds or "today" not in kinds or (("child" in kinds) != one_child):
        raise RuntimeError(f"the access gate's statement for {perm} did not take its stand-ins: {kinds}")
    return _Statement(sql, tuple(params), tuple(slots))


def _granted_ids(user: User, perm: str, child_pk: uuid.UUID | None = None) -> list[uuid.UUID]:
    """What _granted returns, through the statement built once (see above)."""
    connection = connections[DEFAULT_DB_ALIAS]
    pk_field = Child._meta.pk
    assert pk_field is not None
    statement = _statement(connection.alias, perm, child_pk is not None)
    child_value = pk_field.get_db_prep_value(child_pk, connection) if child_pk is not None else None
    # history-safe: the gate's SELECT, built by the ORM from _granted; it writes nothing
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, statement.bind(user.pk, timezone.localdate(), child_value))
        return [pk_field.to_python(row[0]) for row in cursor.fetchall()]


def visible_child_ids(user: User | AnonymousUser, perm: str = VIEW) -> list[uuid.UUID]:
    """Ids of the cases the user may see, fetched first so that lists look children up
    by primary key instead of joining the permission tables against the whole table."""
    if not roles.may_hold_cases(user):
        return []
    return _granted_ids(user, perm)


def children_visible_to(user: User | AnonymousUser, perm: str = VIEW) -> QuerySet[Child]:
    return Child.objects.filter(pk__in=visible_child_ids(user, perm))


def may_access(user: User | AnonymousUser, child_pk: uuid.UUID, perm: str = VIEW) -> bool:
    if not roles.may_hold_cases(user):
        return False
    return bool(_granted_ids(user, perm, child_pk))


def _parse(pk: object) -> uuid.UUID | None:
    if isinstance(pk, uuid.UUID):
        return pk
    try:
        return uuid.UUID(str(pk))
    except (TypeError, ValueError, AttributeError):
        return None


def child_for(
    user: User | AnonymousUser,
    pk: object,
    perm: str = VIEW,
    *,
    request: HttpRequest | None = None,
    log_as: str | None = AccessAction.VIEW,
) -> Child:
    """The child `pk` if `user` holds `perm` on it; otherwise Http404, logged as denied.

    Permitted access is logged as `log_as` (None for writes: history records those)."""
    child_pk = _parse(pk)
    child = None
    if child_pk is not None and may_access(user, child_pk, perm):
        child = (
            Child.objects.select_related("family", "family__mother", "family__father", "team")
            .filter(pk=child_pk)
            .first()
        )
    if child is None:
        log_access(
            user=user,
            action=AccessAction.DENIED,
            object_type="child",
            object_id=str(pk)[:64],
            request=request,
            detail={"perm": perm},
        )
        raise Http404
    if log_as:
        log_access(user=user, action=log_as, object_type="child", object_id=child.pk, request=request)
    return child
