"""Transfers of a case between teams: propose, accept, refuse, withdraw.

Each step is a tracked save of the Transfer row (its history says who, when and why);
the views write the step to the access log. Accepting moves the case through
casework.access.services.move_case, in the same transaction as the answer: the case,
its grants and its team change together or not at all.

Who may:
- propose: the supervisor who leads the case's team, to any other team, one pending
  transfer per case;
- accept or refuse (refusing needs a reason): the supervisor who leads the receiving team;
- withdraw: the supervisor who leads the proposing team, while the transfer is pending.
"""

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.access.services import leads, move_case
from casework.core.history import serialise_history_writers
from casework.core.tracked import save_tracked
from casework.models import Team, Transfer, TransferStatus
from children.models import CaseStatus, Child


@transaction.atomic
def propose_transfer(*, child: Child, to_team: Team, by: User, reason: str) -> Transfer:
    serialise_history_writers(connection)  # before the row locks (see there)
    child = Child.objects.select_for_update().select_related("team").get(pk=child.pk)
    if not leads(by, child.team):
        raise PermissionDenied("only the supervisor of the case's team proposes its transfer")
    if to_team.pk == child.team_id:
        raise ValidationError({"to_team": _("Choose another team than the case's own.")})
    if child.case_status != CaseStatus.OPEN:
        raise ValidationError(_("A closed case is not transferred: reopen it first."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why.")})
    if Transfer.objects.filter(child=child, status=TransferStatus.PENDING).exists():
        raise ValidationError(_("A transfer of this case is already proposed."))
    transfer = Transfer(child=child, from_team=child.team, to_team=to_team, reason=reason, proposed_by=by)
    return save_tracked(transfer, by=by, reason=reason)


def _pending(transfer: Transfer, *, by: User, team: str, what: str) -> Transfer:
    """The transfer, locked (two supervisors answering at once are served in turn), if
    `by` leads its `team` ("from_team" or "to_team") and it is still pending."""
    serialise_history_writers(connection)  # before the row locks (see there)
    transfer = Transfer.objects.select_for_update().select_related("from_team", "to_team").get(pk=transfer.pk)
    if not leads(by, getattr(transfer, team)):
        raise PermissionDenied(f"only the supervisor of the transfer's {team} may {what} it")
    if transfer.status != TransferStatus.PENDING:
        raise ValidationError(_("This transfer has already been answered."))
    return transfer


def _answer(transfer: Transfer, *, status: str, by: User, reason: str) -> Transfer:
    transfer.status = status
    transfer.answered_by = by
    transfer.answered_at = timezone.now()
    transfer.answer_reason = reason
    return save_tracked(transfer, by=by, reason=reason, expected_version=transfer.version)


@transaction.atomic
def accept_transfer(*, transfer: Transfer, by: User, reason: str = "") -> Transfer:
    """The receiving supervisor takes the case: it moves to her team, unassigned, and
    every grant of the old team on it is revoked (move_case)."""
    transfer = _pending(transfer, by=by, team="to_team", what="accept")
    child = Child.objects.get(pk=transfer.child_id)
    if child.team_id != transfer.from_team_id:
        raise ValidationError(_("The case has changed team since the transfer was proposed."))
    why = reason or _("Transfer from %(team)s accepted") % {"team": transfer.from_team.name}
    move_case(child=child, to_team=transfer.to_team, by=by, reason=why)
    return _answer(transfer, status=TransferStatus.ACCEPTED, by=by, reason=reason)


@transaction.atomic
def refuse_transfer(*, transfer: Transfer, by: User, reason: str) -> Transfer:
    transfer = _pending(transfer, by=by, team="to_team", what="refuse")
    if not reason.strip():
        raise ValidationError({"reason": _("Say why.")})
    return _answer(transfer, status=TransferStatus.REFUSED, by=by, reason=reason)


@transaction.atomic
def withdraw_transfer(*, transfer: Transfer, by: User, reason: str = "") -> Transfer:
    transfer = _pending(transfer, by=by, team="from_team", what="withdraw")
    return _answer(transfer, status=TransferStatus.WITHDRAWN, by=by, reason=reason)
