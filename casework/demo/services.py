"""Synthetic demo data shaped like the survey the README's introduction quotes.

Two halves. `plan_children` is pure: from a seed and a reference day it describes the
demo children (names, family, mother, father, doors, visits) without touching the
database, the same every time. `seed_demo` writes such a plan through the real services
(open_case, record_interview, update_child, close_case), so demo cases carry what real
cases carry: permissions, the four document-access rows and history with a user.

Children are planned in blocks of one hundred, each block a small replica of the survey
(15 living with both parents, 36 with a repatriated mother, 31 whose mother ran away).
A block does not depend on how many children were asked for, so a larger --children
later adds children to the same families and never rewrites the first ones.

Each case's plan, services and referral (to the team's demo partners) come from a random
stream of the case's own (`_work_on_the_plan`), so they leave the cases as they were.

Determinism holds for one version of Faker (its name lists change between releases).

Idempotency: every demo case is opened with the reason "Demo data: synthetic case <n> of
seed <s>", which stays in the child's history. `existing_demo_children` reads those
markers back; a run opens only the numbers that are missing.
"""

import base64
import datetime
import random
import re
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from faker import Faker
from simple_history.signals import pre_create_historical_record

from casework.access.services import create_team, grant_role, join_team
from casework.core import roles
from casework.demo.users import (
    CASEWORKERS,
    DEFAULT_CHILDREN,
    DEFAULT_SEED,
    DEMO_TEAMS,
    DEMO_TOTP_KEY_BASE32,
    DEMO_USERS,
)
from casework.interviews.services import record_interview
from casework.models import (
    ConsentMethod,
    GoalArea,
    GoalStatus,
    Partner,
    PartnerKind,
    ReferralStatus,
    ServiceKind,
    Team,
    Transfer,
)
from casework.plans import services as plan_services
from casework.plans.services import ServiceEntry
from casework.transfers.services import propose_transfer
from children.models import AccessStatus, Barrier, Child, DocumentKind, HukouStatus, LivingArrangement, Sex
from children.queries import current_versions
from children.services import DoorUpdate, close_case, open_case, update_child
from families.models import Family, MotherStatus, Province, Whereabouts

BLOCK = 100  # children per replica of the survey
HISTORY_YEARS = 2

MARKER = "Demo data: synthetic case {number} of seed {seed}"
MARKER_PREFIX = "Demo data: synthetic case "
_MARKER_RE = re.compile(r"^Demo data: synthetic case (\d+) of seed (-?\d+)")


# --- Places -------------------------------------------------------------------------
# County (or city) -> townships and villages. Yanbian first: most of the children live there.
YANBIAN = {
    "Yanji": ("Yilan", "Sandaowan", "Xiaoying", "Chaoyangchuan"),
    "Longjing": ("Sanhe", "Zhixin", "Kaishantun", "Laotougou", "Dongshengyong", "Baijin"),
    "Helong": ("Toudao", "Bajiazi", "Xicheng", "Nanping", "Chongshan", "Longcheng"),
    "Hunchun": ("Jingxin", "Banshi", "Yingan", "Chunhua", "Mijiang", "Hadamen"),
    "Tumen": ("Yueqing", "Liangshui", "Changan", "Shixian"),
    "Antu": ("Songjianghe", "Erdaobaihe", "Liangbing", "Wanbao", "Shimen"),
    "Wangqing": ("Baicaogou", "Tianqiaoling", "Luozigou", "Dongguang", "Chunyang"),
    "Dunhua": ("Dashitou", "Huangnihe", "Emu", "Guandi", "Xianru"),
}
OTHER_JILIN = {
    "Changbai": ("Shisandaogou", "Badaogou", "Majiazi"),
    "Linjiang": ("Huashan", "Liudaogou"),
    "Ji'an": ("Qingshi", "Yangcha"),
    "Jiaohe": ("Tianbei", "Lafa"),
}
LIAONING = {
    "Kuandian": ("Changdian", "Qingshangou", "Yongdian"),
    "Dandong": ("Loufang", "Tangchi", "Jiuliancheng"),
    "Fengcheng": ("Saima", "Aiyang"),
    "Huanren": ("Yahe", "Sihedian"),
    "Shenyang": ("Xita", "Yuhong"),
}
HEILONGJIANG = {
    "Dongning": ("Sanchakou", "Daduchuan"),
    "Ning'an": ("Bohai", "Wenchun", "Sanling"),
    "Hailin": ("Changting", "Chaihe"),
    "Mudanjiang": ("Tielin", "Wenchun"),
    "Mishan": ("Xingkai", "Dangbi"),
    "Shangzhi": ("Hedong", "Yuquan"),
}
OTHER_PROVINCES = {"Qingdao": ("Chengyang", "Jimo"), "Weihai": ("Rongcheng",), "Tianjin": ("Xiqing",)}

# North Korean provinces of origin, weighted: most women crossed from the border provinces.
NK_PROVINCES = (
    ("North Hamgyong", 48),
    ("Ryanggang", 16),
    ("South Hamgyong", 14),
    ("North Pyongan", 6),
    ("Chagang", 5),
    ("South Pyongan", 4),
    ("Kangwon", 3),
    ("South Hwanghae", 2),
    ("North Hwanghae", 1),
    ("Pyongyang", 1),
)

# --- The survey's shape, per hundred children -----------------------------------------
# (mother's status, living arrangement or None for "not with the mother") -> children
SHAPE = {
    "both_parents": 15,  # mother present, both parents at home
    "mother_only": 7,  # mother present, father away or dead
    MotherStatus.REPATRIATED: 36,
    MotherStatus.RAN_AWAY: 31,
    MotherStatus.UNKNOWN: 11,
}
WITHOUT_MOTHER = (
    (LivingArrangement.FATHER_ONLY, 45),
    (LivingArrangement.GRANDPARENTS, 38),
    (LivingArrangement.RELATIVES, 12),
    (LivingArrangement.OTHER, 5),
)
RAN_AWAY_TO = (
    (Whereabouts.SOUTH_KOREA, 62),
    (Whereabouts.CHINA, 18),
    (Whereabouts.UNKNOWN, 15),
    (Whereabouts.THIRD_COUNTRY, 5),
)
HUKOU = ((HukouStatus.UNREGISTERED, 80), (HukouStatus.IN_PROGRESS, 12), (HukouStatus.REGISTERED, 8))
FAMILY_SIZES = ((1, 70), (2, 23), (3, 7))

CARERS = {
    LivingArrangement.BOTH_PARENTS: ("the parents", "child, mother, father"),
    LivingArrangement.MOTHER_ONLY: ("the mother", "child, mother"),
    LivingArrangement.FATHER_ONLY: ("the father", "child, father"),
    LivingArrangement.GRANDPARENTS: ("the paternal grandparents", "child, grandmother"),
    LivingArrangement.RELATIVES: ("an aunt", "child, aunt"),
    LivingArrangement.OTHER: ("a neighbour", "child, neighbour"),
}
SITUATION: dict[str, tuple[str, str]] = {
    MotherStatus.PRESENT: (
        "The mother lives with the child but avoids leaving the house for fear of identity checks.",
        "The mother works on the family's fields; she has not gone to the township since the last raids.",
    ),
    MotherStatus.REPATRIATED: (
        "The mother was arrested and forcibly repatriated; the child is in the care of {carer}.",
        "No news of the mother since her repatriation; the child is in the care of {carer}.",
    ),
    MotherStatus.RAN_AWAY: (
        "The mother left the family; the family believes she went on to South Korea. "
        "The child is in the care of {carer}.",
        "The mother left during the night some years ago; the child is in the care of {carer}.",
    ),
    MotherStatus.UNKNOWN: (
        "The family does not know where the mother is; the child is in the care of {carer}.",
        "The family will not talk about the mother; the child is in the care of {carer}.",
    ),
}
CHANGE: dict[str, str] = {
    MotherStatus.REPATRIATED: "The mother was arrested in a raid last month and forcibly repatriated; "
    "the child is now in the care of {carer}.",
    MotherStatus.RAN_AWAY: "The mother has left the family; the child is now in the care of {carer}.",
}
PROGRESS = (
    "The child looked healthy and was playing outside when we arrived.",
    "The child has had a cough for weeks; {carer} could not afford the clinic.",
    "The child is shy but talked about friends in the village.",
    "The house needs repairs before winter; the family is short of money this season.",
    "The child has grown since the last visit and is eating well.",
    "The child is often alone during the day while the adults work in the fields.",
)
MISSING_MOTHER = (
    "The child asked again whether the mother will come back.",
    "Neighbours tease the child about the mother; {carer} asked for advice.",
)
DOOR_NOTES = {
    "school_shut": "Not enrolled: the village school asks for the household registration booklet.",
    "school_open": "Attends the village school as an unregistered auditing student.",
    "school_moving": "The father has asked the school to admit the child while registration is pending.",
    "clinic_shut": "No health insurance without a hukou; the family pays the clinic in cash when it can.",
    "clinic_open": "Treated at the township clinic; the doctor knows the family.",
}
ACTIONS = (
    "Explained the registration procedure through the father, including the DNA test.",
    "Brought school supplies and winter clothing.",
    "Referred the child to the partner clinic for a check-up.",
    "Agreed to visit again after the harvest.",
    "Discussed a hearing with the local police station about registration; the father hesitates.",
    "Paid the school fees for this term from the emergency fund.",
    "Went through the child's health record with the carer.",
    "The child is doing well at school and asked for books.",
)
CLOSE_REASONS = (
    "The family moved to another province; the case was handed over to a partner organisation.",
    "Contact lost: the family no longer lives at the address and does not answer the phone.",
)


@dataclass(frozen=True)
class VisitPlan:
    """One field interview, with whatever it found that changed since the last one."""

    held_on: datetime.date
    location_type: str
    participants: str
    notes: str
    risk_level: str
    follow_up_on: datetime.date | None
    mother_status: str | None = None
    mother_whereabouts: str | None = None
    doors: dict = field(default_factory=dict)  # kind -> DoorUpdate
    child_values: dict = field(default_factory=dict)  # Child fields changed at this visit


@dataclass(frozen=True)
class ChildPlan:
    number: int  # 1-based position in the demo set: the idempotency key
    family_number: int  # number of the family's first child (siblings share the family)
    caseworker: str
    opened_on: datetime.date
    child: dict
    family: dict
    mother: dict | None
    father: dict | None
    doors: dict  # kind -> DoorUpdate, as at opening
    visits: tuple[VisitPlan, ...]
    closed_on: datetime.date | None = None
    close_reason: str = ""


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def _date_between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    if end <= start:
        return start
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


def _assign_shape(rng: random.Random, sizes: list[int]) -> list[str]:
    """Give each family a category so that the children (not the families) follow SHAPE:
    the largest families first, each into a category with room left, chosen at random
    weighted by that room."""
    total = sum(sizes)
    room = {category: round(share * total / 100) for category, share in SHAPE.items()}
    categories = [""] * len(sizes)  # every slot is filled below
    for index in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
        fitting = [(c, r) for c, r in room.items() if r >= sizes[index]] or [(c, max(r, 1)) for c, r in room.items()]
        category = _weighted(rng, fitting)
        categories[index] = category
        room[category] -= sizes[index]
    return categories


def _place(rng: random.Random) -> tuple[str, str, str]:
    roll = rng.random()
    if roll < 0.64:
        province, counties = Province.JILIN, YANBIAN
    elif roll < 0.75:
        province, counties = Province.JILIN, OTHER_JILIN
    elif roll < 0.87:
        province, counties = Province.LIAONING, LIAONING
    elif roll < 0.97:
        province, counties = Province.HEILONGJIANG, HEILONGJIANG
    else:
        province, counties = Province.OTHER, OTHER_PROVINCES
    county = rng.choice(sorted(counties))
    return province, county, rng.choice(counties[county])


def _age_on(born: datetime.date, day: datetime.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _final_doors(rng: random.Random, age: int, hukou: str) -> dict[str, DoorUpdate]:
    """The four doors as they stand now, shaped by age and registration."""
    shut, na = AccessStatus.NO_ACCESS, AccessStatus.NOT_APPLICABLE
    has, moving = AccessStatus.HAS_ACCESS, AccessStatus.IN_PROGRESS
    no_hukou = Barrier.NO_HUKOU
    registered = hukou == HukouStatus.REGISTERED
    if age < 3:
        school = DoorUpdate(na)
    elif registered:
        school = DoorUpdate(has)
    elif hukou == HukouStatus.IN_PROGRESS:
        school = rng.choice((DoorUpdate(moving, no_hukou, DOOR_NOTES["school_moving"]), DoorUpdate(has)))
    elif age >= 18:
        school = rng.choice((DoorUpdate(na), DoorUpdate(shut, no_hukou)))
    else:
        school = _weighted(
            rng,
            (
                (DoorUpdate(shut, no_hukou, DOOR_NOTES["school_shut"]), 40),
                (DoorUpdate(shut, no_hukou), 26),
                (DoorUpdate(has, "", DOOR_NOTES["school_open"]), 17),
                (DoorUpdate(moving, no_hukou), 7),
                (DoorUpdate(shut, Barrier.COST), 4),
                (DoorUpdate(shut, Barrier.DISTANCE), 3),
                (DoorUpdate(shut, Barrier.DISCRIMINATION), 3),
            ),
        )
    if registered:
        clinic = DoorUpdate(has)
    else:
        clinic = _weighted(
            rng,
            (
                (DoorUpdate(shut, no_hukou, DOOR_NOTES["clinic_shut"]), 35),
                (DoorUpdate(shut, no_hukou), 33),
                (DoorUpdate(has, "", DOOR_NOTES["clinic_open"]), 12),
                (DoorUpdate(shut, Barrier.COST), 10),
                (DoorUpdate(moving, no_hukou), 10),
            ),
        )
    # China's legal age for marriage is 20 for women and 22 for men: children are not there yet.
    marriage = DoorUpdate(na) if age < 20 else (DoorUpdate(has) if registered else DoorUpdate(shut, no_hukou))
    if age < 16:
        bank = _weighted(rng, ((DoorUpdate(na), 90), (DoorUpdate(shut, no_hukou), 10)))
    elif registered:
        bank = DoorUpdate(has)
    else:
        bank = DoorUpdate(shut, rng.choice((Barrier.NO_HUKOU, Barrier.NO_ID)))
    return {
        DocumentKind.EDUCATION: school,
        DocumentKind.MEDICAL: clinic,
        DocumentKind.MARRIAGE: marriage,
        DocumentKind.BANK: bank,
    }


def _visit_days(rng: random.Random, opened_on: datetime.date, today: datetime.date, closed: bool) -> list:
    """The intake on the opening day, then roughly one visit a season up to today, and the
    follow-up each set: met by the next visit, and for the last one of an open case
    sometimes overdue, sometimes due within two weeks, mostly later."""
    open_days = (today - opened_on).days
    count = max(1, min(6, 1 + open_days // 100 + rng.choice((-1, 0, 0, 1))))
    days = [opened_on]
    if count > 1 and open_days >= 2:
        # An open case was seen lately; a closed one stopped wherever it stopped.
        last = (
            _date_between(rng, opened_on + datetime.timedelta(days=1), today)
            if closed
            else today - datetime.timedelta(days=rng.randint(0, min(open_days - 1, 100)))
        )
        middle = {_date_between(rng, opened_on, last) for _ in range(count - 2)}
        days = sorted({opened_on, last} | middle)
    follow_ups: list[datetime.date | None] = [
        max(day, following - datetime.timedelta(days=rng.randint(0, 7)))
        for day, following in zip(days, days[1:], strict=False)
    ]
    last = days[-1]
    if closed:
        follow_ups.append(None)
    else:
        roll = rng.random()
        if roll < 0.25 and (today - last).days > 8:
            follow_ups.append(_date_between(rng, last + datetime.timedelta(days=7), today - datetime.timedelta(days=1)))
        elif roll < 0.45:
            follow_ups.append(max(last, today + datetime.timedelta(days=rng.randint(0, 14))))
        elif roll < 0.92:
            follow_ups.append(max(last, today + datetime.timedelta(days=rng.randint(15, 90))))
        else:
            follow_ups.append(None)
    return list(zip(days, follow_ups, strict=True))


def _risk(rng: random.Random, category: str) -> str:
    if category in ("both_parents", "mother_only"):
        return _weighted(rng, (("low", 70), ("medium", 25), ("high", 5)))
    return _weighted(rng, (("low", 45), ("medium", 38), ("high", 17)))


def _plan_block(block: int, *, seed: int, today: datetime.date, ko: Faker, zh: Faker) -> list[ChildPlan]:
    rng = random.Random(f"casework-demo:{seed}:{block}")
    ko.seed_instance(rng.getrandbits(32))
    zh.seed_instance(rng.getrandbits(32))

    sizes: list[int] = []
    while sum(sizes) < BLOCK:
        sizes.append(min(_weighted(rng, FAMILY_SIZES), BLOCK - sum(sizes)))
    categories = _assign_shape(rng, sizes)

    plans: list[ChildPlan] = []
    number = block * BLOCK
    earliest_opening = today - datetime.timedelta(days=365 * HISTORY_YEARS)
    for size, category in zip(sizes, categories, strict=True):
        family_number = number + 1
        caseworker = rng.choice(CASEWORKERS)
        province, county, village = _place(rng)

        # The children, eldest first, two to four years apart.
        eldest_age = _weighted(rng, ((rng.randint(1, 5), 25), (rng.randint(6, 11), 38), (rng.randint(12, 17), 32)))
        eldest_age = eldest_age if rng.random() > 0.04 else rng.randint(18, 19)
        births = []
        born = today - datetime.timedelta(days=365 * eldest_age + rng.randint(0, 364))
        for _ in range(size):
            births.append(min(born, today - datetime.timedelta(days=rng.randint(30, 200))))
            born += datetime.timedelta(days=rng.randint(2 * 365, 4 * 365))
        births.sort()
        youngest = births[-1]

        # Mother: a North Korean woman who crossed the Tumen or Yalu before her first child.
        mother_born = births[0].year - rng.randint(19, 32)
        arrived = rng.randint(max(1995, mother_born + 16), max(1995, mother_born + 16, births[0].year - 1))
        status = MotherStatus.PRESENT if category in ("both_parents", "mother_only") else category
        if category == "both_parents":
            arrangement = LivingArrangement.BOTH_PARENTS
        elif category == "mother_only":
            arrangement = LivingArrangement.MOTHER_ONLY
        else:
            arrangement = _weighted(rng, WITHOUT_MOTHER)
        known_whereabouts: dict[str, str] = {
            MotherStatus.PRESENT: Whereabouts.CHINA,
            MotherStatus.REPATRIATED: Whereabouts.NORTH_KOREA,
            MotherStatus.UNKNOWN: Whereabouts.UNKNOWN,
        }
        whereabouts = known_whereabouts.get(status) or _weighted(rng, RAN_AWAY_TO)

        opened_on = _date_between(rng, max(earliest_opening, youngest + datetime.timedelta(days=14)), today)
        # Some mothers were still at home when the case was opened and were taken or left later.
        changes_later = status in (MotherStatus.REPATRIATED, MotherStatus.RAN_AWAY) and rng.random() < 0.2
        status_changed_on = None
        if status in (MotherStatus.REPATRIATED, MotherStatus.RAN_AWAY) and not changes_later:
            status_changed_on = _date_between(rng, min(youngest + datetime.timedelta(days=120), opened_on), opened_on)
        mother = {
            "given_name": ko.first_name_female(),
            "family_name": ko.last_name(),
            "birth_year": mother_born,
            "origin_province": _weighted(rng, NK_PROVINCES),
            "arrived_china_year": arrived,
            "status": MotherStatus.PRESENT if changes_later else status,
            "status_changed_on": status_changed_on,
            "whereabouts": Whereabouts.CHINA if changes_later else whereabouts,
        }
        father_present = arrangement in (LivingArrangement.BOTH_PARENTS, LivingArrangement.FATHER_ONLY)
        father = None
        if father_present or rng.random() > 0.1:
            father = {
                "given_name": zh.first_name_male(),
                "family_name": zh.last_name(),
                "birth_year": mother_born - rng.randint(2, 18),
                "hukou_county": county if rng.random() < 0.85 else _place(rng)[1],
                "present": father_present,
                "supports_registration": _weighted(rng, ((True, 40), (False, 35), (None, 25))),
            }
        hukou = _weighted(rng, HUKOU) if father else HukouStatus.UNREGISTERED
        if father and hukou != HukouStatus.UNREGISTERED:
            father["supports_registration"] = True  # registration goes through the father's hukou
        closed = rng.random() < (0.5 if hukou == HukouStatus.REGISTERED else 0.05)
        family = {"province": province, "county": county, "village": village}
        visit_days = _visit_days(rng, opened_on, today, closed)
        change_visit = rng.randint(1, len(visit_days) - 1) if changes_later and len(visit_days) > 1 else None
        if changes_later and change_visit is None:
            # Too few visits to see the change happen: it happened before the case was opened.
            mother.update(status=status, whereabouts=whereabouts, status_changed_on=opened_on)
        if change_visit is None:
            start_arrangement = arrangement
        elif father_present:
            start_arrangement = LivingArrangement.BOTH_PARENTS
        else:
            start_arrangement = LivingArrangement.MOTHER_ONLY

        for position, born in enumerate(births):
            number += 1
            sex = rng.choice((Sex.FEMALE, Sex.MALE))
            if father and rng.random() < 0.75:
                family_name = father["family_name"]
                given = zh.first_name_female() if sex == Sex.FEMALE else zh.first_name_male()
            else:
                family_name = ko.last_name()
                given = ko.first_name_female() if sex == Sex.FEMALE else ko.first_name_male()
            estimated = rng.random() < 0.12
            stated_birth = datetime.date(born.year, 7, 1) if estimated else born
            date_of_birth = None if rng.random() < 0.03 else min(stated_birth, opened_on)
            age = _age_on(born, today)
            final_doors = _final_doors(rng, age, hukou)
            registered_later = hukou == HukouStatus.REGISTERED and len(visit_days) > 1 and rng.random() < 0.6
            start_doors = dict(final_doors)
            door_changes: dict[int, dict] = {}
            for kind, door in final_doors.items():
                if door.status in (AccessStatus.HAS_ACCESS, AccessStatus.IN_PROGRESS) and len(visit_days) > 1:
                    if registered_later or rng.random() < 0.5:
                        start_doors[kind] = DoorUpdate(AccessStatus.NO_ACCESS, Barrier.NO_HUKOU)
                        door_changes.setdefault(rng.randint(1, len(visit_days) - 1), {})[kind] = door
            hukou_visit = rng.randint(1, len(visit_days) - 1) if registered_later else None
            if hukou_visit is not None:
                # Registration opens the doors: they change at the visit that found it done.
                door_changes.setdefault(hukou_visit, {}).update(
                    {k: d for k, d in final_doors.items() if d.status == AccessStatus.HAS_ACCESS}
                )
                for visit in [v for v in door_changes if v < hukou_visit]:
                    del door_changes[visit]

            visits = []
            said: set[str] = set()  # a visit's notes do not repeat an earlier one's

            def fresh(pool, said=said):
                line = rng.choice([line for line in pool if line not in said] or pool)
                said.add(line)
                return line

            for index, (held_on, follow_up_on) in enumerate(visit_days):
                status_now = status if change_visit is None or index >= change_visit else MotherStatus.PRESENT
                arrangement_now = arrangement if status_now != MotherStatus.PRESENT else start_arrangement
                at_school = final_doors[DocumentKind.EDUCATION].status == AccessStatus.HAS_ACCESS
                school_age = at_school and 6 <= _age_on(born, held_on) <= 17
                places = (("home", 60), ("school", 20 if school_age else 0), ("office", 10), ("other", 10))
                location = rng.choice(("office", "home")) if index == 0 else _weighted(rng, places)
                participants = CARERS[arrangement_now][1] + (", teacher" if location == "school" else "")
                doors_now = {k: d for k, d in door_changes.get(index, {}).items()}
                carer = CARERS[arrangement_now][0]
                if index == 0:
                    note_parts = [rng.choice(SITUATION[status_now]).format(carer=carer)]
                elif index == change_visit:
                    note_parts = [CHANGE[status].format(carer=carer)]
                else:
                    pool = PROGRESS + (() if status_now == MotherStatus.PRESENT else MISSING_MOTHER)
                    note_parts = [fresh(pool).format(carer=carer)]
                for door in doors_now.values():
                    if door.note:
                        note_parts.append(door.note)
                note_parts.append(fresh(ACTIONS))
                child_values: dict[str, str] = {}
                if index == change_visit:
                    child_values["living_arrangement"] = arrangement
                if index == hukou_visit:
                    child_values["hukou_status"] = HukouStatus.REGISTERED
                    note_parts.append("The household registration came through.")
                visits.append(
                    VisitPlan(
                        held_on=held_on,
                        location_type=location,
                        participants=participants,
                        notes=" ".join(note_parts),
                        risk_level=_risk(rng, category if status_now == status else "both_parents"),
                        follow_up_on=follow_up_on,
                        mother_status=status if index == change_visit and position == 0 else None,
                        mother_whereabouts=whereabouts if index == change_visit and position == 0 else None,
                        doors=doors_now,
                        child_values=child_values,
                    )
                )

            last_visit = visit_days[-1][0]
            plans.append(
                ChildPlan(
                    number=number,
                    family_number=family_number,
                    caseworker=caseworker,
                    opened_on=opened_on,
                    child={
                        "given_name": given,
                        "family_name": family_name,
                        "date_of_birth": date_of_birth,
                        "birth_year_estimated": estimated and date_of_birth is not None,
                        "sex": sex,
                        "living_arrangement": start_arrangement,
                        "hukou_status": HukouStatus.IN_PROGRESS if registered_later else hukou,
                        "consent_recorded_on": opened_on if rng.random() < 0.88 else None,
                    },
                    family=family,
                    mother=mother,
                    father=father,
                    doors=start_doors,
                    visits=tuple(visits),
                    closed_on=_date_between(rng, last_visit, min(today, last_visit + datetime.timedelta(days=20)))
                    if closed
                    else None,
                    close_reason=(
                        "Household registration completed: the child goes to school and has health insurance."
                        if hukou == HukouStatus.REGISTERED
                        else "The child has come of age and asked to close the case."
                        if age >= 18
                        else rng.choice(CLOSE_REASONS)
                    )
                    if closed
                    else "",
                )
            )
    return plans


def plan_children(count: int, *, seed: int, today: datetime.date) -> list[ChildPlan]:
    """The first `count` demo children for `seed`, as of `today`. Pure and deterministic:
    the same arguments give equal plans, and a smaller count is a prefix of a larger one."""
    ko, zh = Faker("ko_KR"), Faker("zh_CN")
    plans: list[ChildPlan] = []
    block = 0
    while len(plans) < count:
        plans.extend(_plan_block(block, seed=seed, today=today, ko=ko, zh=zh))
        block += 1
    return plans[:count]


# --- Writing a plan -------------------------------------------------------------------

_history_moment: ContextVar[datetime.datetime | None] = ContextVar("casework_demo_history_moment", default=None)


def _date_history(sender, history_instance, **kwargs):
    moment = _history_moment.get()
    if moment is not None:
        history_instance.history_date = moment


@contextmanager
def history_dated(moment: datetime.datetime):
    """History rows written inside the block carry `moment` (never later than now) instead
    of now, so a demo case reads as if it had been worked on over time. The services run
    unchanged; only the date on their history rows moves."""
    # Connected only while seeding (never on import): the receiver acts only in the
    # context (thread) that set the moment, so concurrent seeding threads stay apart.
    pre_create_historical_record.connect(_date_history, dispatch_uid="casework.demo.history_dated")
    token = _history_moment.set(min(moment, timezone.now()))
    try:
        yield
    finally:
        _history_moment.reset(token)


def _at(day: datetime.date, hour: int, minutes: int) -> datetime.datetime:
    moment = datetime.datetime.combine(day, datetime.time(hour)) + datetime.timedelta(minutes=minutes)
    return timezone.make_aware(moment)


class SeedMismatch(ValueError):
    pass


def existing_demo_children(seed: int) -> dict[int, tuple]:
    """Demo children still in the database: number -> (child id, family id).

    Read from the marker in the reason of each child's first history row. Demo children
    of another seed raise SeedMismatch: mixing two demo sets would break the survey shape."""
    markers = {}
    rows = Child.history.filter(history_type="+", history_change_reason__startswith=MARKER_PREFIX).values_list(
        "id", "history_change_reason"
    )
    for child_id, reason in rows:
        match = _MARKER_RE.match(reason)
        if match:
            markers[child_id] = (int(match.group(1)), int(match.group(2)))
    found = {}
    for child_id, family_id in Child.objects.filter(pk__in=list(markers)).values_list("pk", "family_id"):
        number, their_seed = markers[child_id]
        if their_seed != seed:
            raise SeedMismatch(their_seed)
        found[number] = (child_id, family_id)
    return found


def ensure_users(password: str) -> dict:
    """The two teams and seven demo users. Existing users keep their password and are only
    (re)joined to their team and role, which changes nothing when they already are."""
    User = get_user_model()  # noqa: N806
    teams = {name: create_team(name=name) for name in DEMO_TEAMS}
    users = {user.username: user for user in User.objects.filter(username__in=[d.username for d in DEMO_USERS])}
    new = [demo.username for demo in DEMO_USERS if demo.username not in users]
    # Each new account gets its own salted hash; the hashes are slow by design, and
    # hashlib releases the GIL, so they are computed side by side.
    with ThreadPoolExecutor(max_workers=4) as pool:
        hashes = dict(zip(new, pool.map(lambda _name: make_password(password), new), strict=True))
    for demo in DEMO_USERS:
        user = users.get(demo.username)
        if user is None:
            user = User(username=demo.username, email=f"{demo.username}@demo.invalid", password=hashes[demo.username])
            user.save()
        # As the console, through the audited services (the system admin's role also opens
        # the Django admin, for accounts only). Seeding again changes nothing.
        if demo.team and not user.groups.filter(pk=teams[demo.team].group_id).exists():
            join_team(user=user, team=teams[demo.team], role=demo.role)
        elif not demo.team and not roles.has_role(user, demo.role):
            grant_role(user=user, role=demo.role)
        users[demo.username] = user
    return users


def give_demo_authenticators(users: dict) -> int:
    """DEBUG only (make demo): each demo user without an authenticator gets one with the
    demo's published key (casework.demo.users.DEMO_TOTP_KEY_BASE32). Returns how many."""
    if not settings.DEBUG:
        raise RuntimeError("the demo's published authenticator key is for DEBUG only")
    key = base64.b32decode(DEMO_TOTP_KEY_BASE32).hex()
    given = 0
    for user in users.values():
        if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            TOTPDevice.objects.create(user=user, name="demo authenticator", key=key, confirmed=True)
            given += 1
    return given


@dataclass
class SeedResult:
    users: dict
    existing: int
    created: int
    seconds: float


def seed_demo(
    *, children: int = DEFAULT_CHILDREN, seed: int = DEFAULT_SEED, batch: int = 50, progress=None
) -> SeedResult:
    """Create what is missing of the demo set for `seed` up to `children` children, a
    batch of children per transaction; `progress(done, total)` is called after each."""
    started = time.monotonic()
    with transaction.atomic():
        users = ensure_users(settings.DEMO_PASSWORD)
        existing = existing_demo_children(seed)
    team_of = {demo.username: Team.objects.get(name=demo.team) for demo in DEMO_USERS if demo.team}
    families: dict[int, object] = {}
    plans = plan_children(children, seed=seed, today=timezone.localdate())
    for plan in plans:
        if plan.number in existing:
            families[plan.family_number] = existing[plan.number][1]
    missing = [plan for plan in plans if plan.number not in existing]
    with transaction.atomic():
        partners = ensure_partners(users)
    for start in range(0, len(missing), batch):
        with transaction.atomic():
            for plan in missing[start : start + batch]:
                user = users[plan.caseworker]
                family_id = families.get(plan.family_number)
                child = _open(
                    plan,
                    seed=seed,
                    user=user,
                    team=team_of[plan.caseworker],
                    family_id=family_id,
                    partners=partners[team_of[plan.caseworker].pk],
                )
                families[plan.family_number] = child.family_id
        if progress is not None:
            progress(min(start + batch, len(missing)), len(missing))
    with transaction.atomic():
        propose_demo_transfer(plans, seed=seed, users=users)
    return SeedResult(users=users, existing=len(existing), created=len(missing), seconds=time.monotonic() - started)


DEMO_TRANSFER_REASON = "Demo data: the family has moved to the area team B covers (seed {seed})"


def propose_demo_transfer(plans: list[ChildPlan], *, seed: int, users: dict) -> Transfer | None:
    """One pending transfer from team A to team B, of a case chosen by the seed among team
    A's open cases of families with one child (a transfer moves one case). Made once: when
    the demo set already has a transfer, nothing changes."""
    if Transfer.objects.filter(reason__startswith="Demo data:").exists():
        return None
    by_family = Counter(plan.family_number for plan in plans)
    team_a = {demo.username for demo in DEMO_USERS if demo.team == "A" and demo.role == roles.CASEWORKER}
    candidates = [
        plan
        for plan in plans
        if plan.caseworker in team_a and plan.closed_on is None and by_family[plan.family_number] == 1
    ]
    if not candidates:
        return None
    chosen = random.Random(f"casework-demo:{seed}:transfer").choice(candidates)
    child_id = existing_demo_children(seed)[chosen.number][0]
    supervisor = next(demo.username for demo in DEMO_USERS if demo.team == "A" and demo.role == roles.SUPERVISOR)
    return propose_transfer(
        child=Child.objects.get(pk=child_id),
        to_team=Team.objects.get(name="B"),
        by=users[supervisor],
        reason=DEMO_TRANSFER_REASON.format(seed=seed),
    )


# --- Partners, plans, services and referrals ------------------------------------------

# Each team's partners: (name, kind, province, county). Invented names, real places.
DEMO_PARTNERS = {
    "A": (
        ("Sanhe village primary school", PartnerKind.SCHOOL, Province.JILIN, "Longjing"),
        ("Yanji Hope middle school", PartnerKind.SCHOOL, Province.JILIN, "Yanji"),
        ("Helong township clinic", PartnerKind.CLINIC, Province.JILIN, "Helong"),
        ("Yanbian legal aid office", PartnerKind.LEGAL_AID, Province.JILIN, "Yanji"),
        ("Grace church shelter", PartnerKind.SHELTER, Province.JILIN, "Tumen"),
    ),
    "B": (
        ("Dandong Bright Star school", PartnerKind.SCHOOL, Province.LIAONING, "Dandong"),
        ("Mudanjiang family clinic", PartnerKind.CLINIC, Province.HEILONGJIANG, "Mudanjiang"),
        ("Shenyang legal aid centre", PartnerKind.LEGAL_AID, Province.LIAONING, "Shenyang"),
        ("Harbin women's shelter", PartnerKind.SHELTER, Province.HEILONGJIANG, "Harbin"),
    ),
}
PARTNER_KIND_FOR: dict[str, str] = {
    GoalArea.EDUCATION: PartnerKind.SCHOOL,
    GoalArea.MEDICAL: PartnerKind.CLINIC,
    GoalArea.MARRIAGE: PartnerKind.LEGAL_AID,
    GoalArea.BANK: PartnerKind.LEGAL_AID,
    GoalArea.FAMILY: PartnerKind.SHELTER,
}
GOAL_TEXTS = {
    GoalArea.EDUCATION: "Enrol at the village school as an auditing student before the new term.",
    GoalArea.MEDICAL: "Get the child seen at the clinic and find a way to pay for medicine.",
    GoalArea.MARRIAGE: "Find out what the registry would ask of the father for a late birth registration.",
    GoalArea.BANK: "Open a savings book in the grandmother's name for school fees.",
    GoalArea.FAMILY: "Keep the father working and the grandparents able to look after the child.",
}
SERVICES_FOR = {
    GoalArea.EDUCATION: ((ServiceKind.SCHOOL_FEES, 50), (ServiceKind.SCHOOL_ENROLMENT, 30), (ServiceKind.OTHER, 20)),
    GoalArea.MEDICAL: ((ServiceKind.MEDICAL_VISIT, 55), (ServiceKind.MEDICINE, 45)),
    GoalArea.MARRIAGE: ((ServiceKind.LEGAL_AID, 60), (ServiceKind.REGISTRATION_HELP, 40)),
    GoalArea.BANK: ((ServiceKind.REGISTRATION_HELP, 60), (ServiceKind.LEGAL_AID, 40)),
    GoalArea.FAMILY: ((ServiceKind.EMERGENCY_CASH, 60), (ServiceKind.OTHER, 40)),
}
AMOUNTS = {
    ServiceKind.SCHOOL_FEES: (300, 1200),
    ServiceKind.MEDICINE: (40, 400),
    ServiceKind.EMERGENCY_CASH: (200, 800),
    ServiceKind.OTHER: (50, 300),
}
SUPERVISORS = {"A": "supervisor1", "B": "supervisor2"}


def ensure_partners(users: dict) -> dict[int, list[Partner]]:
    """Each demo team's partners, added by its supervisor; seeding again adds none."""
    by_team: dict[int, list[Partner]] = {}
    for team_name, partners in DEMO_PARTNERS.items():
        partner_team = Team.objects.get(name=team_name)
        have = {partner.name: partner for partner in Partner.objects.filter(team=partner_team)}
        for name, kind, province, county in partners:
            if name not in have:
                have[name] = plan_services.add_partner(
                    team=partner_team,
                    by=users[SUPERVISORS[team_name]],
                    values={"name": name, "kind": kind, "province": province, "county": county},
                    reason="Demo data",
                )
        by_team[partner_team.pk] = sorted(have.values(), key=lambda partner: partner.name)
    return by_team


def _goal_area(plan: ChildPlan) -> GoalArea:
    """The door the plan works on: the first one shut at the opening, else the family."""
    for kind in (DocumentKind.EDUCATION, DocumentKind.MEDICAL, DocumentKind.BANK, DocumentKind.MARRIAGE):
        door = plan.doors.get(kind)
        if door is not None and door.status == AccessStatus.NO_ACCESS:
            return GoalArea(kind)
    return GoalArea.FAMILY


def _partner_for(rng: random.Random, partners: list[Partner], area: str) -> Partner | None:
    of_the_kind = [partner for partner in partners if partner.kind == PARTNER_KIND_FOR[area]]
    return rng.choice(of_the_kind) if of_the_kind else None


def _work_on_the_plan(plan: ChildPlan, child: Child, *, seed: int, user, partners: list[Partner]) -> None:
    """A goal, the services given at some visits and a referral, from a random stream of
    the case's own (the cases themselves stay the same for a seed with or without it)."""
    rng = random.Random(f"casework-demo-plan:{seed}:{plan.number}")
    area = _goal_area(plan)
    today = timezone.localdate()
    if rng.random() < 0.75:
        opened = plan.visits[0].held_on
        with history_dated(_at(opened, 16, plan.number % 60)):
            goal = plan_services.add_goal(
                child=child,
                by=user,
                values={
                    "area": area,
                    "text": GOAL_TEXTS[area],
                    # Mostly ahead of the last visit; about one in four already past.
                    "target_on": max(
                        opened + datetime.timedelta(days=30),
                        plan.visits[-1].held_on + datetime.timedelta(days=rng.randint(-60, 180)),
                    ),
                    "responsible": user,
                },
                reason="Case plan",
            )
        door_now = child.document_access.filter(kind=area).first() if area != GoalArea.FAMILY else None
        status = None
        if door_now is not None and door_now.status == AccessStatus.HAS_ACCESS:
            status = GoalStatus.ACHIEVED
        elif rng.random() < 0.06:
            status = GoalStatus.DROPPED
        if status is not None:
            last = plan.visits[-1].held_on
            with history_dated(_at(last, 17, plan.number % 60)):
                plan_services.update_goal(
                    goal=goal,
                    by=user,
                    values={
                        "area": area,
                        "text": goal.text,
                        "status": status,
                        "target_on": goal.target_on,
                        "responsible": user,
                    },
                    expected_version=goal.version,
                    reason="Reviewed at the last visit",
                )
    for index, visit in enumerate(plan.visits):
        if rng.random() >= 0.3:
            continue
        kind = _weighted(rng, SERVICES_FOR[area])
        low_high = AMOUNTS.get(kind)
        entry = ServiceEntry(
            kind=kind,
            given_on=visit.held_on,
            partner=_partner_for(rng, partners, area) if rng.random() < 0.7 else None,
            amount_yuan=Decimal(rng.randint(*low_high)) if low_high else None,
        )
        with history_dated(_at(visit.held_on, 15 + index % 3, plan.number % 60)):
            plan_services.record_service(child=child, by=user, entry=entry, reason="Given at the visit")
    partner = _partner_for(rng, partners, area)
    if partner is None or rng.random() >= 0.3 or plan.closed_on:
        return
    consented = rng.random() < 0.9
    day = plan.visits[-1].held_on
    values = {
        "partner": partner,
        "area": area,
        "need": "",
        "share_name": consented and rng.random() < 0.7,
        "share_age": consented,
        "share_door": consented,
        "share_medical": consented and area == GoalArea.MEDICAL,
        "medical_details": "Recurring chest infections; needs a check-up."
        if consented and area == GoalArea.MEDICAL
        else "",
        "consent_given_on": day if consented else None,
        "consent_method": rng.choice(ConsentMethod.values[:3]) if consented else "",
    }
    with history_dated(_at(day, 18, plan.number % 60)):
        referral = plan_services.add_referral(child=child, by=user, values=values, send=consented, reason="Referral")
    if consented:
        for status in _weighted(
            rng,
            (
                ((), 30),
                ((ReferralStatus.ACCEPTED,), 40),
                ((ReferralStatus.ACCEPTED, ReferralStatus.DONE), 20),
                ((ReferralStatus.REFUSED,), 10),
            ),
        ):
            moved = min(today, day + datetime.timedelta(days=rng.randint(3, 30)))
            with history_dated(_at(moved, 10, plan.number % 60)):
                referral = plan_services.change_referral_status(
                    referral=referral,
                    by=user,
                    status=status,
                    expected_version=referral.version,
                    reason="Partner replied",
                )


def _open(plan: ChildPlan, *, seed: int, user, team, family_id, partners: list[Partner]) -> Child:
    minute = plan.number * 37 % 120
    with history_dated(_at(plan.opened_on, 9, minute)):
        child = open_case(
            by=user,
            team=team,
            child=plan.child,
            family=Family.objects.get(pk=family_id) if family_id else None,
            family_data=None if family_id else plan.family,
            mother=None if family_id else plan.mother,
            father=None if family_id else plan.father,
            doors=plan.doors,
            reason=MARKER.format(number=plan.number, seed=seed),
        )
    for index, visit in enumerate(plan.visits):
        with history_dated(_at(visit.held_on, 14 + index % 3, minute)):
            record_interview(
                child=child,
                by=user,
                held_on=visit.held_on,
                location_type=visit.location_type,
                participants=visit.participants,
                notes=visit.notes,
                risk_level=visit.risk_level,
                follow_up_on=visit.follow_up_on,
                mother_status=visit.mother_status,
                mother_whereabouts=visit.mother_whereabouts,
                doors=visit.doors,
                expected_versions=current_versions(child),
            )
            if visit.child_values:
                update_child(
                    child=child,
                    by=user,
                    values=visit.child_values,
                    expected_version=current_versions(child)["child"],
                    reason=f"Field interview on {visit.held_on.isoformat()}",
                )
    _work_on_the_plan(plan, child, seed=seed, user=user, partners=partners)
    if plan.closed_on:
        with history_dated(_at(plan.closed_on, 17, minute)):
            close_case(child=child, by=user, reason=plan.close_reason)
    return child
