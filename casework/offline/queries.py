"""Reads for field work without a connection: a team's limits, the devices, the cases a
caseworker may take, and exactly what a device receives for each case.

What a case carries offline is decided here and nowhere else (`offline_case`): what an
interview needs, never the village or earlier notes unless the team allows them."""

import datetime
import uuid

from django.db.models import QuerySet
from django.utils import timezone

from casework.access.queries import supervised_team
from casework.models import Interview, OfflineDevice, OfflineSettings, Team
from children.access import CHANGE, visible_child_ids
from children.models import CaseStatus, Child, DocumentAccess
from children.queries import with_follow_up

# How many earlier interviews travel (their dates; their notes only if the team allows).
EARLIER_INTERVIEWS = 3
# "All my open cases with a follow-up due in the next two weeks".
DUE_WITHIN_DAYS = 14


def settings_for(team: Team | None) -> OfflineSettings:
    """The team's limits; a team that never set them has the defaults (an unsaved row)."""
    if team is None:
        return OfflineSettings()
    found = OfflineSettings.objects.filter(team=team).first()
    return found if found is not None else OfflineSettings(team=team)


def team_of(user) -> Team | None:
    """The team whose limits apply to this person: the one she works in (a caseworker
    belongs to one team; a supervisor leads one)."""
    led = supervised_team(user)
    if led is not None:
        return led
    return Team.objects.filter(group__user=user).order_by("pk").first()


def devices_of(user) -> QuerySet[OfflineDevice]:
    return OfflineDevice.objects.filter(user=user).order_by("-registered_at")


def devices_of_team(team: Team) -> QuerySet[OfflineDevice]:
    """The devices of the team's members, for its supervisor."""
    return OfflineDevice.objects.filter(user__groups=team.group).select_related("user").order_by("-registered_at")


def device_of(user, device_id: object) -> OfflineDevice | None:
    """The user's own device, or None (a device id from someone else is no device)."""
    try:
        pk = uuid.UUID(str(device_id))
    except (TypeError, ValueError, AttributeError):
        return None
    return OfflineDevice.objects.filter(pk=pk, user=user).first()


def cases_to_take(user) -> QuerySet[Child]:
    """The open cases the user may change (an interview changes the case), with their
    follow-up: what the "take offline" page offers."""
    return with_follow_up(
        Child.objects.filter(pk__in=visible_child_ids(user, CHANGE), case_status=CaseStatus.OPEN)
    ).order_by("case_number")


def due_soon(cases, today: datetime.date | None = None) -> list[uuid.UUID]:
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=DUE_WITHIN_DAYS)
    return [child.pk for child in cases if child.next_follow_up is not None and child.next_follow_up <= horizon]


def offline_case(child: Child, *, settings: OfflineSettings, discreet: bool) -> dict:
    """What a device holds for one case, and nothing more."""
    mother = child.family.mother
    doors = DocumentAccess.objects.filter(child=child)
    earlier = Interview.objects.filter(child=child).order_by("-held_on", "-created_at")[:EARLIER_INTERVIEWS]
    case: dict = {
        "id": str(child.pk),
        "case_number": child.case_number,
        "name": "" if discreet else f"{child.family_name} {child.given_name}".strip(),
        "mother": None
        if mother is None
        else {"status": mother.status, "whereabouts": mother.whereabouts, "version": mother.version},
        "doors": {
            door.kind: {"status": door.status, "barrier": door.barrier, "note": door.note, "version": door.version}
            for door in doors
        },
        "interviews": [
            {"held_on": interview.held_on.isoformat(), **({"notes": interview.notes} if settings.include_notes else {})}
            for interview in earlier
        ],
    }
    if settings.include_village and not discreet:
        case["village"] = child.family.village
    return case
