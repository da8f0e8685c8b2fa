"""Test data for the aggregates: whole caseloads written in a few bulk inserts.

The aggregates read only grouped counts, so these tests need many children and none of the
per-case grants. Rows go in through simple-history's bulk_create_with_history (one history
row each, with the acting user), never through a bare bulk_create. Names, case numbers and
villages carry markers that the exports must never contain.
"""

import datetime
import itertools
from dataclasses import dataclass, field

from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from casework.models import ConsentMethod, Interview, LocationType, Partner, Referral, Service
from children.models import (
    AccessStatus,
    CaseStatus,
    Child,
    DocumentAccess,
    DocumentKind,
    HukouStatus,
    LivingArrangement,
    Sex,
)
from families.models import Family, Mother, MotherStatus, Province

SECRET_NAME = "Zzsecretname"
SECRET_VILLAGE = "Qqhiddenvillage"
# Within the 12 months before the tests' reference dates (2026-11-26 and today).
OPENED_AT = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)
_serial = itertools.count(1)


@dataclass
class ChildSpec:
    province: str = Province.JILIN
    mother_status: str | None = MotherStatus.PRESENT  # None: no mother recorded
    living_arrangement: str = LivingArrangement.FATHER_ONLY
    hukou_status: str = HukouStatus.UNREGISTERED
    date_of_birth: datetime.date | None = datetime.date(2016, 3, 14)
    case_status: str = CaseStatus.OPEN
    doors: dict[str, str] = field(default_factory=dict)  # kind -> status (default no_access)
    interviews: tuple[datetime.date, ...] = ()
    # Kinds whose door went from no_access to has_access at `opened_at` (a second history
    # row); the door then reads has_access whatever `doors` says.
    opened: tuple[str, ...] = ()
    opened_at: datetime.datetime = OPENED_AT
    services: tuple[str, ...] = ()  # kinds of services given
    referrals: tuple[str, ...] = ()  # statuses of referrals


def build_caseload(specs: list[ChildSpec], *, team, by) -> list[Child]:
    """One family (and mother, where given) per child, the four doors, the interviews."""
    mothers, families, children = [], [], []
    for spec in specs:
        n = next(_serial)
        mother = None
        if spec.mother_status is not None:
            mother = Mother(given_name=f"{SECRET_NAME}m{n}", family_name="Kim", status=spec.mother_status)
            mothers.append(mother)
        families.append(Family(mother=mother, province=spec.province, county="Longjing", village=SECRET_VILLAGE))
    bulk_create_with_history(mothers, Mother, default_user=by)
    bulk_create_with_history(families, Family, default_user=by)
    for spec, family in zip(specs, families, strict=True):
        n = next(_serial)
        children.append(
            Child(
                case_number=f"T-{n:07d}",
                given_name=f"{SECRET_NAME}{n}",
                family_name="Kim",
                date_of_birth=spec.date_of_birth,
                sex=Sex.FEMALE,
                family=family,
                team=team,
                living_arrangement=spec.living_arrangement,
                hukou_status=spec.hukou_status,
                case_status=spec.case_status,
            )
        )
    bulk_create_with_history(children, Child, default_user=by)
    doors, interviews = [], []
    for spec, child in zip(specs, children, strict=True):
        for kind in DocumentKind.values:
            doors.append(DocumentAccess(child=child, kind=kind, status=spec.doors.get(kind, AccessStatus.NO_ACCESS)))
        for held_on in spec.interviews:
            interviews.append(
                Interview(child=child, caseworker=by, held_on=held_on, location_type=LocationType.HOME, notes="x")
            )
    bulk_create_with_history(doors, DocumentAccess, default_user=by)
    bulk_create_with_history(interviews, Interview, default_user=by)
    by_child = {(door.child_id, door.kind): door for door in doors}
    for spec, child in zip(specs, children, strict=True):
        opening = []
        for kind in spec.opened:
            door = by_child[(child.pk, kind)]
            door.status = AccessStatus.HAS_ACCESS
            opening.append(door)
        if opening:
            bulk_update_with_history(opening, DocumentAccess, ["status"], default_user=by, default_date=spec.opened_at)
    given, referred = [], []
    partner = None
    for spec, child in zip(specs, children, strict=True):
        given += [Service(child=child, kind=kind, given_on=datetime.date(2026, 3, 10)) for kind in spec.services]
        if spec.referrals and partner is None:
            partner = Partner(team=team, name=f"{SECRET_NAME} school", kind="school", province="jilin")
            bulk_create_with_history([partner], Partner, default_user=by)
        referred += [
            Referral(
                child=child,
                partner=partner,
                area="education",
                status=status,
                consent_given_on=datetime.date(2026, 3, 1),
                consent_method=ConsentMethod.SPOKEN,
            )
            for status in spec.referrals
        ]
    bulk_create_with_history(given, Service, default_user=by)
    bulk_create_with_history(referred, Referral, default_user=by)
    return children


def survey_specs() -> list[ChildSpec]:
    """100 children like the national survey: 15 live with both parents; 36 mothers were
    repatriated, 31 ran away; ages, provinces and doors spread over large enough groups."""
    statuses = (
        [MotherStatus.REPATRIATED] * 36
        + [MotherStatus.RAN_AWAY] * 31
        + [MotherStatus.PRESENT] * 25
        + [MotherStatus.UNKNOWN] * 8
    )
    living = (
        [LivingArrangement.BOTH_PARENTS] * 15
        + [LivingArrangement.FATHER_ONLY] * 40
        + [LivingArrangement.GRANDPARENTS] * 30
        + [LivingArrangement.RELATIVES] * 15
    )
    provinces = [Province.JILIN] * 60 + [Province.LIAONING] * 20 + [Province.HEILONGJIANG] * 20
    births = [datetime.date(2022, 1, 1)] * 20 + [datetime.date(2016, 1, 1)] * 40 + [datetime.date(2011, 1, 1)] * 40
    specs = []
    for i in range(100):
        specs.append(
            ChildSpec(
                province=provinces[i],
                mother_status=statuses[i],
                living_arrangement=living[(i * 7) % 100],
                hukou_status=HukouStatus.UNREGISTERED if i % 2 else HukouStatus.IN_PROGRESS,
                date_of_birth=births[(i * 3) % 100],
                doors={
                    DocumentKind.EDUCATION: AccessStatus.HAS_ACCESS if i % 2 else AccessStatus.NO_ACCESS,
                    DocumentKind.MEDICAL: AccessStatus.HAS_ACCESS if i % 4 == 0 else AccessStatus.NO_ACCESS,
                    DocumentKind.MARRIAGE: AccessStatus.NOT_APPLICABLE,
                },
                interviews=(datetime.date(2026, 3, 10),) if i < 30 else (),
                services=("school_fees", "medical_visit")[: i % 3],
                referrals=("sent",) if i % 4 == 1 else (("done",) if i % 4 == 2 else ()),
            )
        )
    return specs
