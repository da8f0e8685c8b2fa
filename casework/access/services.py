"""Who may see which case: teams, their members, roles, and the assignment of cases.

Object permissions, roles and team memberships are granted and revoked only here, so
every change of access is in one place and in the record: Assignment rows with history,
and the append-only PrivilegeChange record for roles and teams (who, when, why).

Privileges (see "Roles and teams" below):

- a removal (leaving a team, losing a role) takes effect at once and, in the same
  transaction, ends every assignment it no longer fits: a caseworker who leaves a team
  loses its cases, someone who loses the caseworker role holds no case, someone who
  loses the supervisor role oversees no team;
- a grant (joining a team, gaining a role) made by a system admin takes effect only when
  a second system admin approves it (`approve_change`), unless settings.SINGLE_SYSTEM_ADMIN;
  the console (`by=None`: seed_demo, manage.py shell) is not a person and changes at once;
- separation of duties: an account with a role that holds no case (system admin, data
  admin), or a staff account, never joins a team or gains a case role, and an account in
  a team or with a case role never gains one of those roles; no one grants themselves
  anything. A refused attempt is recorded too.
"""

import datetime

from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from casework.access.guard import privilege_groups_changing
from casework.audit.chain import insert_linked
from casework.core import roles
from casework.core.history import serialise_history_writers
from casework.core.tracked import save_tracked
from casework.models import Assignment, PrivilegeChange, PrivilegeKind, PrivilegeOutcome, Team
from children.models import Child, ChildUserObjectPermission

CASE_PERMS = ("children.view_child", "children.change_child")


@transaction.atomic
def create_team(*, name: str) -> Team:
    """A team with its two groups: members, and the supervisors who oversee every case."""
    team, _created = Team.objects.get_or_create(
        name=name,
        defaults={
            "group": Group.objects.get_or_create(name=roles.TEAM_GROUP_PREFIX + name)[0],
            "oversight_group": Group.objects.get_or_create(
                name=roles.TEAM_GROUP_PREFIX + name + roles.OVERSIGHT_GROUP_SUFFIX
            )[0],
        },
    )
    return team


def grant_team_oversight(*, child: Child) -> None:
    """The team's supervisors (its oversight group) may see and change every case of the
    team from the moment it is opened."""
    for perm in CASE_PERMS:
        assign_perm(perm, child.team.oversight_group, child)


def _is_member(user: User, team: Team) -> bool:
    return team.group.user_set.filter(pk=user.pk, is_active=True).exists()


def _may_assign(by: User, child: Child) -> bool:
    # Only the supervisor who leads the case's team (a member of its oversight group)
    # assigns, reassigns and revokes: membership of the team alone is not enough.
    return (
        roles.has_role(by, roles.SUPERVISOR)
        and child.team.oversight_group.user_set.filter(pk=by.pk, is_active=True).exists()
    )


def _sync_grants(*, child: Child, caseworker: User) -> None:
    """Make `caseworker`'s object permissions on `child` match their open assignments.

    The grant runs until the latest end date of the open assignments, or without end if
    one of them has none; with no open assignment the rows are deleted. Lapsed rows stay
    in the table (invisible to ChildUserObjectPermission.objects) until the next sync."""
    open_ends = list(
        Assignment.objects.filter(child=child, caseworker=caseworker, revoked_at__isnull=True).values_list(
            "ends_on", flat=True
        )
    )
    grants = ChildUserObjectPermission.all_grants.filter(user=caseworker, content_object=child)
    if not open_ends:
        grants.delete()
        return
    ends_on = None if None in open_ends else max(end for end in open_ends if end is not None)
    codenames = [perm.rpartition(".")[2] for perm in CASE_PERMS]
    for permission in Permission.objects.filter(content_type__app_label="children", codename__in=codenames):
        ChildUserObjectPermission.all_grants.update_or_create(
            user=caseworker, permission=permission, content_object=child, defaults={"ends_on": ends_on}
        )


@transaction.atomic
def assign_case(
    *, child: Child, to: User, by: User, ends_on: datetime.date | None = None, reason: str = ""
) -> Assignment:
    """Give caseworker `to` the case. `by` is the team's supervisor, or `to` itself when
    a caseworker opens a case. The grant and its record are written together.

    With `ends_on` the assignment is temporary (cover during leave): from that day on it
    grants nothing, with no job to run (see children.models.GrantsInForceManager)."""
    if not (_is_member(to, child.team) and roles.has_role(to, roles.CASEWORKER)):
        raise PermissionDenied("cases are assigned only to caseworkers of the case's team")
    if not (_may_assign(by, child) or (by.pk == to.pk and not child.assignments.exists())):
        raise PermissionDenied("only the team's supervisor assigns its cases")
    if ends_on is not None and ends_on <= timezone.localdate():
        raise ValidationError({"ends_on": _("A temporary assignment must end after today.")})
    assignment = save_tracked(
        Assignment(child=child, caseworker=to, granted_by=by, ends_on=ends_on, reason=reason), by=by, reason=reason
    )
    _sync_grants(child=child, caseworker=to)
    return assignment


@transaction.atomic
def revoke_assignment(*, assignment: Assignment, by: User, reason: str = "") -> Assignment:
    if not _may_assign(by, assignment.child):
        raise PermissionDenied("only the team's supervisor revokes its assignments")
    return _end_assignment(assignment=assignment, by=by, reason=reason)


def _end_assignment(*, assignment: Assignment, by: User | None, reason: str) -> Assignment:
    """Revoke one assignment and its grant; the caller has checked who may."""
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.revoked_at is not None:
        return assignment
    assignment.revoked_at = timezone.now()
    assignment.revoked_by = by
    save_tracked(assignment, by=by, reason=reason)  # type: ignore[arg-type]  # None: the console
    _sync_grants(child=assignment.child, caseworker=assignment.caseworker)
    return assignment


@transaction.atomic
def reassign_case(
    *, child: Child, to: User, by: User, reason: str = "", ends_on: datetime.date | None = None
) -> Assignment:
    """Move the case to `to`: every current holder loses it, in the same transaction."""
    if not _may_assign(by, child):
        raise PermissionDenied("only the team's supervisor reassigns its cases")
    for current in Assignment.objects.filter(child=child, revoked_at__isnull=True).exclude(caseworker=to):
        revoke_assignment(assignment=current, by=by, reason=reason)
    return assign_case(child=child, to=to, by=by, reason=reason, ends_on=ends_on)


def leads(user: User, team: Team) -> bool:
    """Whether `user` is an active supervisor who leads `team` (its oversight group)."""
    return (
        roles.has_role(user, roles.SUPERVISOR)
        and team.oversight_group.user_set.filter(pk=user.pk, is_active=True).exists()
    )


@transaction.atomic
def move_case(*, child: Child, to_team: Team, by: User, reason: str) -> Child:
    """Move a case to another team (an accepted transfer, casework.transfers): every
    assignment of the case is revoked with its grant, the old team's oversight grant is
    removed and the new team's given, and the child's team changes, all in one
    transaction. `by` is the supervisor who leads the receiving team. Everything that
    hangs off the case (family, doors, interviews, history) follows the child's team
    field. The case is left with nobody holding it: the new supervisor assigns it."""
    if not leads(by, to_team):
        raise PermissionDenied("only the receiving team's supervisor moves a case into it")
    serialise_history_writers(connection)  # before the row locks (see there)
    child = Child.objects.select_for_update().select_related("team").get(pk=child.pk)
    if child.team_id == to_team.pk:
        raise ValidationError(_("The case already belongs to this team."))
    old_team = child.team
    for held in Assignment.objects.filter(child=child, revoked_at__isnull=True).select_related("child"):
        _end_assignment(assignment=held, by=by, reason=reason)
    for perm in CASE_PERMS:
        remove_perm(perm, old_team.oversight_group, child)
    child.team = to_team
    save_tracked(child, by=by, reason=reason, expected_version=child.version)
    grant_team_oversight(child=child)
    return child


# --- Roles and teams ------------------------------------------------------------------

GRANTS = (PrivilegeKind.TEAM_JOINED, PrivilegeKind.ROLE_GRANTED)


def _fresh(user: User) -> User:
    """The account as the database holds it now, locked, its roles not cached."""
    return User.objects.select_for_update().get(pk=user.pk)


def is_system_admin(user: User | None) -> bool:
    """Whether `user` is an active system admin (the role, read from the database)."""
    if user is None or not user.is_active:
        return False
    return user.groups.filter(name=roles.role_group_name(roles.SYSTEM_ADMIN)).exists()


def _role_names(user: User) -> set[str]:
    names = user.groups.filter(name__startswith=roles.ROLE_GROUP_PREFIX).values_list("name", flat=True)
    return {name.removeprefix(roles.ROLE_GROUP_PREFIX) for name in names}


def _in_a_team(user: User) -> bool:
    return Team.objects.filter(group__user=user).exists() or Team.objects.filter(oversight_group__user=user).exists()


def _refusal(*, kind: str, user: User, team: Team | None, role: str, by: User | None) -> str | None:
    """Why the rules refuse this change, or None. Checked when it is asked for and again
    when a second admin approves it (the account may have changed in between)."""
    if kind not in GRANTS:
        return None
    if by is not None and by.pk == user.pk:
        return _("No one grants themselves a role or a team: another system admin does it.")
    held = _role_names(user)
    office = bool(held & set(roles.NO_CASE_ROLES)) or user.is_staff or user.is_superuser
    gives_cases = kind == PrivilegeKind.TEAM_JOINED or role in roles.CASE_ROLES
    if gives_cases and office:
        return _(
            "A system admin, a data admin or a staff account never holds a case role or belongs to a team "
            "(separation of duties)."
        )
    if (
        kind == PrivilegeKind.ROLE_GRANTED
        and role in roles.NO_CASE_ROLES
        and (held & set(roles.CASE_ROLES) or _in_a_team(user))
    ):
        return _("This person holds a case role or belongs to a team: remove those first (separation of duties).")
    if (
        kind == PrivilegeKind.TEAM_JOINED
        and role == roles.SUPERVISOR
        and team is not None
        and Team.objects.filter(oversight_group__user=user).exclude(pk=team.pk).exists()
    ):
        return _("A supervisor leads one team only.")
    return None


def _record(
    *,
    kind: str,
    outcome: str,
    user: User,
    by: User | None,
    team: Team | None = None,
    role: str = "",
    reason: str = "",
    answers: PrivilegeChange | None = None,
) -> PrivilegeChange:
    """Append one row to the record of privilege changes, linked into its keyed chain in
    the caller's transaction (the change and its record are one)."""
    row = PrivilegeChange(
        kind=kind,
        outcome=outcome,
        subject_id=user.pk,
        subject_username=user.get_username(),
        actor_id=by.pk if by is not None else None,
        actor_username=by.get_username() if by is not None else "",
        team=team,
        role=role,
        reason=reason,
        answers=answers,
    )
    insert_linked(row)
    return row


def _end_assignments(*, user: User, by: User | None, reason: str, team: Team | None = None) -> None:
    held = Assignment.objects.filter(caseworker=user, revoked_at__isnull=True)
    if team is not None:
        held = held.filter(child__team=team)
    for assignment in held.select_related("child"):
        _end_assignment(assignment=assignment, by=by, reason=reason)


def _apply(*, kind: str, user: User, team: Team | None, role: str, by: User | None, reason: str) -> None:
    """Make the change and end whatever it no longer allows, in the caller's transaction."""
    with privilege_groups_changing():
        _change_groups(kind=kind, user=user, team=team, role=role, by=by, reason=reason)
    user.__dict__.pop("_casework_roles", None)


def _change_groups(*, kind: str, user: User, team: Team | None, role: str, by: User | None, reason: str) -> None:
    if kind == PrivilegeKind.TEAM_JOINED:
        assert team is not None
        user.groups.add(roles.role_group(role), team.group)
        if role == roles.SUPERVISOR:
            user.groups.add(team.oversight_group)
    elif kind == PrivilegeKind.TEAM_LEFT:
        assert team is not None
        user.groups.remove(team.group, team.oversight_group)
        _end_assignments(user=user, by=by, reason=reason, team=team)
    elif kind == PrivilegeKind.ROLE_GRANTED:
        user.groups.add(roles.role_group(role))
        if role == roles.SYSTEM_ADMIN:
            user.is_staff = user.is_superuser = True  # the Django admin, for accounts only
            user.save(update_fields=["is_staff", "is_superuser"])
    elif kind == PrivilegeKind.ROLE_REVOKED:
        user.groups.remove(roles.role_group(role))
        if role == roles.CASEWORKER:
            _end_assignments(user=user, by=by, reason=reason)
        elif role == roles.SUPERVISOR:
            user.groups.remove(*Group.objects.filter(overseen_team__isnull=False))
        elif role == roles.SYSTEM_ADMIN:
            user.is_staff = user.is_superuser = False
            user.save(update_fields=["is_staff", "is_superuser"])


def _change(
    *, kind: str, user: User, by: User | None, team: Team | None = None, role: str = "", reason: str = ""
) -> PrivilegeChange:
    if by is not None and not is_system_admin(by):
        raise PermissionDenied("only a system admin changes roles and teams")
    with transaction.atomic():
        subject = _fresh(user)
        problem = _refusal(kind=kind, user=subject, team=team, role=role, by=by)
        if problem is None:
            if kind in GRANTS and by is not None and not settings.SINGLE_SYSTEM_ADMIN:
                # The two-person rule: nothing changes until a second system admin approves.
                return _record(
                    kind=kind,
                    outcome=PrivilegeOutcome.REQUESTED,
                    user=subject,
                    by=by,
                    team=team,
                    role=role,
                    reason=reason,
                )
            _apply(kind=kind, user=subject, team=team, role=role, by=by, reason=reason)
            # The caller's instance reads as the database now does.
            user.is_staff, user.is_superuser = subject.is_staff, subject.is_superuser
            user.__dict__.pop("_casework_roles", None)
            return _record(
                kind=kind, outcome=PrivilegeOutcome.APPLIED, user=subject, by=by, team=team, role=role, reason=reason
            )
        # The refused attempt stays in the record (the caller's transaction permitting).
        _record(kind=kind, outcome=PrivilegeOutcome.REFUSED, user=subject, by=by, team=team, role=role, reason=reason)
    raise ValidationError(problem)


def join_team(*, user: User, team: Team, role: str, by: User | None = None, reason: str = "") -> PrivilegeChange:
    """Make `user` a caseworker or the supervisor of `team` (the role, the team, and for a
    supervisor the team's oversight group). A supervisor leads one team."""
    if role not in roles.CASE_ROLES:
        raise ValueError(f"teams have caseworkers and supervisors, not {role!r}")
    return _change(kind=PrivilegeKind.TEAM_JOINED, user=user, team=team, role=role, by=by, reason=reason)


def leave_team(*, user: User, team: Team, by: User | None = None, reason: str = "") -> PrivilegeChange:
    """Take `user` out of `team` (and its oversight): every case of the team they hold is
    revoked in the same transaction."""
    return _change(kind=PrivilegeKind.TEAM_LEFT, user=user, team=team, by=by, reason=reason)


def grant_role(*, user: User, role: str, by: User | None = None, reason: str = "") -> PrivilegeChange:
    if role not in roles.ROLES:
        raise ValueError(f"not a role: {role!r}")
    return _change(kind=PrivilegeKind.ROLE_GRANTED, user=user, role=role, by=by, reason=reason)


def revoke_role(*, user: User, role: str, by: User | None = None, reason: str = "") -> PrivilegeChange:
    """Take a role away. Losing the caseworker role ends every assignment; losing the
    supervisor role ends every oversight; losing the system admin role ends admin access."""
    if role not in roles.ROLES:
        raise ValueError(f"not a role: {role!r}")
    return _change(kind=PrivilegeKind.ROLE_REVOKED, user=user, role=role, by=by, reason=reason)


def _pending(request: PrivilegeChange) -> PrivilegeChange:
    # The subject's account row is locked first (the application may not lock audit rows:
    # it holds no UPDATE on them), so two admins answering at once are served one after
    # the other and the second finds the request answered.
    request = PrivilegeChange.objects.select_related("team").get(pk=request.pk)
    User.objects.select_for_update().filter(pk=request.subject_id).first()
    if request.outcome != PrivilegeOutcome.REQUESTED or PrivilegeChange.objects.filter(answers=request).exists():
        raise ValidationError(_("This change has already been answered."))
    return request


@transaction.atomic
def approve_change(*, request: PrivilegeChange, by: User, reason: str = "") -> PrivilegeChange:
    """A second system admin approves a requested grant: it takes effect now, if the
    rules still allow it. The admin who asked for it cannot approve it."""
    if not is_system_admin(by):
        raise PermissionDenied("only a system admin approves a privilege change")
    request = _pending(request)
    if by.pk == request.actor_id:
        raise PermissionDenied(_("A second system admin approves the change, not the one who asked for it."))
    subject = User.objects.select_for_update().filter(pk=request.subject_id).first()
    if subject is None:
        raise ValidationError(_("The account no longer exists."))
    problem = _refusal(kind=request.kind, user=subject, team=request.team, role=request.role, by=by)
    if problem is not None:
        raise ValidationError(problem)
    _apply(kind=request.kind, user=subject, team=request.team, role=request.role, by=by, reason=request.reason)
    # The answer's unique link to the request: two admins approving at once write one row.
    return _record(
        kind=request.kind,
        outcome=PrivilegeOutcome.APPROVED,
        user=subject,
        by=by,
        team=request.team,
        role=request.role,
        reason=reason or request.reason,
        answers=request,
    )


@transaction.atomic
def decline_change(*, request: PrivilegeChange, by: User, reason: str = "") -> PrivilegeChange:
    """Close a requested grant without effect (any system admin, the one who asked too)."""
    if not is_system_admin(by):
        raise PermissionDenied("only a system admin declines a privilege change")
    request = _pending(request)
    subject = User(pk=request.subject_id, username=request.subject_username)
    return _record(
        kind=request.kind,
        outcome=PrivilegeOutcome.DECLINED,
        user=subject,
        by=by,
        team=request.team,
        role=request.role,
        reason=reason,
        answers=request,
    )


def record_devices_reset(*, user: User, by: User | None, reason: str = "") -> PrivilegeChange:
    """For the sign-in work: a system admin reset `user`'s two-factor devices. Recorded
    beside the privilege changes, so the team's supervisor sees it in the access review."""
    if by is not None and not is_system_admin(by):
        raise PermissionDenied("only a system admin resets sign-in devices")
    return _record(kind=PrivilegeKind.DEVICES_RESET, outcome=PrivilegeOutcome.APPLIED, user=user, by=by, reason=reason)
