"""Reads of transfers for a supervisor's pages.

What the receiving team reads of a pending transfer is built here and nowhere else
(`Proposal`): the reason, the proposing team, when, the child's age in whole years and
province. The queries select exactly those columns, so the child's name, case number,
id, date of birth or anything else of the case never reaches the page, its context or
a template's mistake.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import F, Q
from django.utils import timezone

from casework.models import Team, Transfer, TransferStatus
from children.models import age_in_years
from families.models import Province

# The only columns a receiving team's reads select.
_PROPOSAL_COLUMNS = {
    "from_team_name": F("from_team__name"),
    "province": F("child__family__province"),
    "born": F("child__date_of_birth"),
}


@dataclass(frozen=True)
class Proposal:
    """A pending transfer as the receiving team sees it before accepting."""

    id: uuid.UUID
    from_team_name: str
    reason: str
    proposed_at: datetime
    status: str
    age: int | None
    province: str

    @property
    def status_label(self) -> str:
        return str(TransferStatus(self.status).label)

    @property
    def province_label(self) -> str:
        return str(Province(self.province).label) if self.province in Province.values else self.province


def _proposal(row: Mapping[str, Any], today: date) -> Proposal:
    return Proposal(
        id=row["id"],
        from_team_name=row["from_team_name"],
        reason=row["reason"],
        proposed_at=row["proposed_at"],
        status=row["status"],
        age=age_in_years(row["born"], today),
        province=row["province"] or "",
    )


def incoming(team: Team) -> list[Proposal]:
    """Pending transfers to `team`, oldest first: one query."""
    today = timezone.localdate()
    rows = (
        Transfer.objects.filter(to_team=team, status=TransferStatus.PENDING)
        .order_by("proposed_at")
        .values("id", "reason", "proposed_at", "status", **_PROPOSAL_COLUMNS)
    )
    return [_proposal(row, today) for row in rows]


def proposal(transfer_pk: uuid.UUID) -> Proposal:
    """One transfer as the receiving team may see it (the view has checked the team)."""
    row = (
        Transfer.objects.filter(pk=transfer_pk)
        .values("id", "reason", "proposed_at", "status", **_PROPOSAL_COLUMNS)
        .get()
    )
    return _proposal(row, timezone.localdate())


def outgoing(team: Team) -> list[Transfer]:
    """Pending transfers of `team`'s own cases, oldest first, with the case and the
    receiving team: one query."""
    return list(
        Transfer.objects.filter(from_team=team, status=TransferStatus.PENDING)
        .select_related("child", "to_team", "proposed_by")
        .defer("child__record_key")  # see children.models.ChildManager
        .order_by("proposed_at")
    )


def transfer_of(team: Team, pk: object) -> Transfer | None:
    """The transfer `pk` if `team` proposed or receives it; None otherwise (a 404)."""
    try:
        pk = uuid.UUID(str(pk))
    except ValueError:
        return None
    return (
        Transfer.objects.filter(Q(from_team=team) | Q(to_team=team), pk=pk)
        .select_related("child", "from_team", "to_team", "proposed_by", "answered_by")
        .defer("child__record_key")  # see children.models.ChildManager
        .first()
    )


def other_teams(team: Team):
    return Team.objects.exclude(pk=team.pk).order_by("name")
