"""Case plans, partners, services and referrals: every change, one verb per function.

Keyword-only, `by=` the acting user, one transaction each, saved through
`casework.core.tracked.save_tracked` so that history names the author and the reason.
Callers have checked the user's permission on the child (children.access) or that the
user leads the partner's team (the supervisor's gate); the services check what the data
itself requires: a partner of the case's own team, a responsible person who has a role on
the case, consent (or a supervisor's override) before a referral is sent.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.core import roles
from casework.core.tracked import save_tracked, set_fields
from casework.models import (
    Interview,
    Partner,
    PlanGoal,
    Referral,
    ReferralStatus,
    Service,
    ServiceKind,
    Team,
)
from casework.plans.queries import responsible_people
from children.models import Child
from families.models import Province

# Services where money changes hands: only these carry an amount.
PAID_KINDS = frozenset({ServiceKind.SCHOOL_FEES, ServiceKind.MEDICINE, ServiceKind.EMERGENCY_CASH, ServiceKind.OTHER})
# No single service of this organisation costs more; a larger figure is a typing slip.
MAX_AMOUNT = Decimal("100000")

# The statuses a referral may move to from each status.
NEXT_STATUSES: dict[str, tuple[str, ...]] = {
    ReferralStatus.PREPARED: (ReferralStatus.SENT, ReferralStatus.WITHDRAWN),
    ReferralStatus.SENT: (ReferralStatus.ACCEPTED, ReferralStatus.REFUSED, ReferralStatus.WITHDRAWN),
    ReferralStatus.ACCEPTED: (ReferralStatus.DONE, ReferralStatus.WITHDRAWN),
    ReferralStatus.REFUSED: (),
    ReferralStatus.DONE: (),
    ReferralStatus.WITHDRAWN: (),
}


# --- Partners ----------------------------------------------------------------------------


def _check_province(values: dict[str, Any]) -> None:
    if values.get("province") not in Province.values:
        raise ValidationError({"province": _("Choose a province.")})


@transaction.atomic
def add_partner(*, team: Team, by: User, values: dict[str, Any], reason: str = "") -> Partner:
    _check_province(values)
    return save_tracked(set_fields(Partner(team=team), values), by=by, reason=reason)


@transaction.atomic
def update_partner(
    *, partner: Partner, by: User, values: dict[str, Any], expected_version: int, reason: str = ""
) -> Partner:
    _check_province(values)
    return save_tracked(set_fields(partner, values), by=by, reason=reason, expected_version=expected_version)


def _check_partner(child: Child, partner: Partner | None) -> None:
    if partner is not None and partner.team_id != child.team_id:
        raise ValidationError({"partner": _("Choose a partner of this case's team.")})


# --- Plan goals --------------------------------------------------------------------------


def _check_responsible(child: Child, responsible: User) -> None:
    if not responsible_people(child).filter(pk=responsible.pk).exists():
        raise ValidationError({"responsible": _("Choose someone who works on this case.")})


@transaction.atomic
def add_goal(*, child: Child, by: User, values: dict[str, Any], reason: str = "") -> PlanGoal:
    _check_responsible(child, values["responsible"])
    goal = PlanGoal(child=child, responsible=values["responsible"])
    set_fields(goal, {k: v for k, v in values.items() if k != "responsible"})
    return save_tracked(goal, by=by, reason=reason)


@transaction.atomic
def update_goal(
    *, goal: PlanGoal, by: User, values: dict[str, Any], expected_version: int, reason: str = ""
) -> PlanGoal:
    _check_responsible(goal.child, values["responsible"])
    goal.responsible = values["responsible"]
    set_fields(goal, {k: v for k, v in values.items() if k != "responsible"})
    return save_tracked(goal, by=by, reason=reason, expected_version=expected_version)


# --- Services ----------------------------------------------------------------------------


@dataclass
class ServiceEntry:
    """A service as a form gives it, before it is saved."""

    kind: str
    given_on: datetime.date
    partner: Partner | None = None
    amount_yuan: Decimal | None = None
    note: str = ""


def check_amount(kind: str, amount: Decimal | None) -> None:
    """The one rule for a service's amount: only where money was paid, above nothing,
    below MAX_AMOUNT, to the fen."""
    if amount is None:
        return
    if kind not in PAID_KINDS:
        raise ValidationError({"amount_yuan": _("No money is paid for this service: leave the amount empty.")})
    if amount <= 0 or amount > MAX_AMOUNT:
        raise ValidationError(
            {"amount_yuan": _("Enter an amount between 0.01 and %(max)s yuan.") % {"max": f"{MAX_AMOUNT:,.0f}"}}
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({"amount_yuan": _("Enter the amount to the fen (two decimals at most).")})


@transaction.atomic
def record_service(
    *, child: Child, by: User, entry: ServiceEntry, interview: Interview | None = None, reason: str = ""
) -> Service:
    """Record a service given on the case; inside record_interview's transaction when it
    is logged with an interview, so a refused service refuses the interview too."""
    if entry.given_on > timezone.localdate():
        raise ValidationError({"given_on": _("A service cannot be in the future.")})
    _check_partner(child, entry.partner)
    check_amount(entry.kind, entry.amount_yuan)
    service = Service(
        child=child,
        kind=entry.kind,
        given_on=entry.given_on,
        partner=entry.partner,
        amount_yuan=entry.amount_yuan,
        note=entry.note,
        interview=interview,
    )
    return save_tracked(service, by=by, reason=reason)


# --- Referrals ---------------------------------------------------------------------------


def _check_consent(referral: Referral) -> None:
    if referral.share_medical and not referral.medical_details.strip():
        raise ValidationError({"medical_details": _("Write the medical details the guardian agreed to disclose.")})
    if not referral.share_medical:
        referral.medical_details = ""  # never kept where it may not be printed
    if (referral.consent_given_on is None) != (not referral.consent_method):
        raise ValidationError(_("Record both when and how the guardian gave consent, or neither."))
    if referral.consent_given_on and referral.consent_given_on > timezone.localdate():
        raise ValidationError({"consent_given_on": _("Consent cannot be given in the future.")})


@transaction.atomic
def add_referral(*, child: Child, by: User, values: dict[str, Any], send: bool = False, reason: str = "") -> Referral:
    """Prepare a referral with what the guardian consented to; `send` sends it at once,
    which needs consent recorded."""
    partner = values["partner"]
    _check_partner(child, partner)
    referral = Referral(child=child, partner=partner)
    set_fields(referral, {k: v for k, v in values.items() if k != "partner"})
    _check_consent(referral)
    if send:
        if not referral.may_be_sent:
            raise ValidationError(_("A referral cannot be sent before the guardian's consent is recorded."))
        referral.status = ReferralStatus.SENT
    return save_tracked(referral, by=by, reason=reason)


@transaction.atomic
def change_referral_status(
    *, referral: Referral, by: User, status: str, expected_version: int, reason: str = ""
) -> Referral:
    """Move a referral on (sent, accepted, refused, done, withdrawn); each step is a
    history row. Sending needs consent or a supervisor's override."""
    if status not in NEXT_STATUSES.get(referral.status, ()):
        raise ValidationError({"status": _("A referral cannot go from this status to that one.")})
    if status == ReferralStatus.SENT and not referral.may_be_sent:
        raise ValidationError(_("A referral cannot be sent before the guardian's consent is recorded."))
    referral.status = status
    referral.status_changed_on = timezone.localdate()
    return save_tracked(referral, by=by, reason=reason, expected_version=expected_version)


@transaction.atomic
def override_consent(*, referral: Referral, by: User, reason: str, expected_version: int) -> Referral:
    """A supervisor of the case's team allows the referral to be sent without recorded
    consent. The reason is kept on the referral and in its history."""
    if not (roles.may_hold_cases(by) and roles.has_role(by, roles.SUPERVISOR)):
        raise ValidationError(_("Only a supervisor can send a referral without consent."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why.")})
    if referral.status != ReferralStatus.PREPARED:
        raise ValidationError(_("Only a referral not yet sent can be given an override."))
    referral.override_reason = reason.strip()
    referral.override_by = by
    return save_tracked(referral, by=by, reason=reason, expected_version=expected_version)
