"""The audited suppression on whole exports, attacked by the independent integer attacker
of `tests.casework.aggregates.attacker` (not the module's own audit): the crafted caseloads
of issue 13 (a province of 1 to 6 children, a single child in a category, everyone in one
province, an attribute shared by a whole province) and the failures found on `seed_demo`.

The layouts are built from grouped rows as `queries.grouped_counts` returns them, so these
tests need no database."""

import datetime
import random
from collections import Counter

import pytest

from casework.aggregates.export import records_from
from casework.aggregates.layout import ALL, build_layout
from casework.aggregates.suppression import failures, suppress
from casework.models import ReferralStatus, ServiceKind
from children.models import RECORD_KEY_RANGE, AccessStatus, DocumentKind, HukouStatus, LivingArrangement
from families.models import MotherStatus, Province
from tests.casework.aggregates.attacker import attack

TODAY = datetime.date(2026, 11, 26)
K = 5
BANDS = ("0-5", "6-11", "12-17", "18+", "unknown")


def child(
    province=Province.JILIN,
    mother=MotherStatus.PRESENT,
    living=LivingArrangement.FATHER_ONLY,
    hukou=HukouStatus.UNREGISTERED,
    band="6-11",
    doors=None,
):
    doors = {kind: AccessStatus.NO_ACCESS for kind in DocumentKind.values} | (doors or {})
    return (province, mother, living, hukou, band, tuple(sorted(doors.items())))


def rows_of(children, interviews=(), opened=(), services=(), referrals=()):
    """The grouped queries' rows for these children, each child with a record key drawn
    from a seeded generator; `interviews` are (month, province) and `services` (kind,
    province), counted with the key of the province's first child; `opened` are (child's
    index, door kind) of the doors opened in the period; `referrals` are statuses, counted
    with the first child's key."""
    rng = random.Random(len(children))
    keyed = [(c, rng.randrange(RECORD_KEY_RANGE)) for c in children]
    people, people_keys = Counter(), Counter()
    doors, door_keys = Counter(), Counter()
    first_key = {}
    for c, key in keyed:
        people[c[:5]] += 1
        people_keys[c[:5]] += key
        first_key.setdefault(c[0], key)
        for kind, status in c[5]:
            doors[(kind, status, c[0], c[4])] += 1
            door_keys[(kind, status, c[0], c[4])] += key
    interview_keys = Counter()
    for month, province in interviews:
        interview_keys[(month, province)] += first_key.get(province, 0)
    service_keys = Counter()
    for kind, province in services:
        service_keys[(kind, province)] += first_key.get(province, 0)
    some_key = keyed[0][1] if keyed else 0
    return {
        "children": [
            {
                "province": p,
                "mother_status": m,
                "living_arrangement": la,
                "hukou_status": h,
                "age_band": b,
                "n": n,
                "key": people_keys[(p, m, la, h, b)],
            }
            for (p, m, la, h, b), n in people.items()
        ],
        "doors": [
            {"kind": k, "status": s, "province": p, "age_band": b, "n": n, "key": door_keys[(k, s, p, b)]}
            for (k, s, p, b), n in doors.items()
        ],
        "interviews": [
            {"month": m, "province": p, "n": n, "key": interview_keys[(m, p)]}
            for (m, p), n in Counter(interviews).items()
        ],
        "doors_opened": [
            {"kind": kind, "n": n, "key": sum(keyed[i][1] for i, k in set(opened) if k == kind)}
            for kind, n in Counter(k for _i, k in set(opened)).items()
        ],
        "services": [
            {"kind": k, "province": p, "n": n, "key": service_keys[(k, p)]} for (k, p), n in Counter(services).items()
        ],
        "referrals": [{"status": s, "n": n, "key": some_key * n} for s, n in Counter(referrals).items()],
    }


def random_children(n, seed, **fixed):
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        values = {
            "province": rng.choice([Province.JILIN] * 6 + [Province.LIAONING, Province.HEILONGJIANG] * 2),
            "mother": rng.choice(MotherStatus.values),
            "living": rng.choice(LivingArrangement.values),
            "hukou": rng.choice(HukouStatus.values),
            "band": rng.choice(BANDS),
            "doors": {kind: rng.choice(AccessStatus.values) for kind in DocumentKind.values},
        }
        out.append(child(**(values | fixed)))
    return out


def audited(children, interviews=(), opened=(), services=(), referrals=()):
    layout = build_layout(rows_of(children, interviews, opened, services, referrals), TODAY)
    suppressed = suppress(layout, K)
    return layout, suppressed


def assert_safe(layout, suppressed):
    assert attack(layout, suppressed, K) == []
    assert attack(layout, suppressed, K, perturbed=False) == []
    records = records_from(layout, suppressed, K)
    assert not [r for r in records if not r.suppressed and 0 < r.count < K]


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 6])
def test_a_province_of_one_to_six_children_gives_nothing_away(size):
    children = random_children(60, seed=size) + random_children(size, seed=100 + size, province=Province.OTHER)
    layout, suppressed = audited(children)
    assert_safe(layout, suppressed)


def test_a_single_child_in_a_category_cannot_be_placed():
    children = random_children(80, seed=7, living=LivingArrangement.GRANDPARENTS)
    children.append(child(living=LivingArrangement.MOTHER_ONLY, province=Province.LIAONING))
    layout, suppressed = audited(children)
    assert ("living_arrangement", ALL, "mother_only") in suppressed
    assert_safe(layout, suppressed)


def test_everyone_in_one_province():
    layout, suppressed = audited(random_children(70, seed=3, province=Province.HEILONGJIANG))
    assert_safe(layout, suppressed)


def test_an_attribute_shared_by_a_whole_small_province_is_not_forced_by_a_published_zero():
    # Issue 13's example: all 5 children of Liaoning have the bank door "not applicable".
    children = random_children(45, seed=11, province=Province.JILIN)
    children += random_children(
        5,
        seed=12,
        province=Province.LIAONING,
        doors={kind: AccessStatus.NOT_APPLICABLE for kind in DocumentKind.values},
    )
    layout, suppressed = audited(children)
    assert_safe(layout, suppressed)


@pytest.mark.parametrize("seed", range(4))
def test_random_caseloads_of_fifty_to_two_hundred_children_give_nothing_away(seed):
    children = random_children(50 + 50 * seed, seed=seed)
    interviews = [(datetime.date(2026, 1 + i % 11, 1), children[i][0]) for i in range(0, len(children), 3)]
    layout, suppressed = audited(children, interviews)
    assert_safe(layout, suppressed)
    assert failures(layout, suppressed, K) == {}


def test_interviews_by_month_are_not_published_for_a_province_whose_size_is_suppressed():
    children = random_children(60, seed=5, province=Province.JILIN) + random_children(
        3, seed=6, province=Province.OTHER
    )
    interviews = [(datetime.date(2026, 10, 1), Province.OTHER)] * 9 + [(datetime.date(2026, 10, 1), Province.JILIN)] * 9
    layout, suppressed = audited(children, interviews)
    assert ("province", ALL, "other") in suppressed
    assert set(layout.group_cells("interviews_per_month_by_province", "other")) <= suppressed


def random_openings(children, seed, rate):
    """(child's index, kind) of the doors opened in the period, about `rate` of them."""
    rng = random.Random(seed)
    return [(i, kind) for i in range(len(children)) for kind in DocumentKind.values if rng.random() < rate]


@pytest.mark.parametrize("seed", range(4))
def test_doors_opened_in_random_caseloads_give_nothing_away(seed):
    children = random_children(60 + 40 * seed, seed=20 + seed)
    layout, suppressed = audited(children, opened=random_openings(children, seed, 0.04 + 0.03 * seed))
    assert_safe(layout, suppressed)
    assert failures(layout, suppressed, K) == {}


@pytest.mark.parametrize("seed", range(3))
def test_services_and_referrals_of_random_caseloads_give_nothing_away(seed):
    rng = random.Random(seed)
    children = random_children(60 + 40 * seed, seed=seed)
    children += random_children(2 + seed, seed=50 + seed, province=Province.OTHER)
    services = [(rng.choice(ServiceKind.values), rng.choice(children)[0]) for _ in range(len(children))]
    referrals = [rng.choice(ReferralStatus.values) for _ in range(len(children) // 3)]
    layout, suppressed = audited(children, services=services, referrals=referrals)
    assert_safe(layout, suppressed)
    assert failures(layout, suppressed, K) == {}


@pytest.mark.parametrize("small", [1, 2, 3, 4])
def test_a_kind_with_one_to_four_doors_opened_cannot_be_read_off_the_others(small):
    children = random_children(80, seed=30 + small)
    opened = [(i, DocumentKind.EDUCATION) for i in range(20)] + [(20 + i, DocumentKind.BANK) for i in range(small)]
    opened += [(40 + i, DocumentKind.MEDICAL) for i in range(6)]
    layout, suppressed = audited(children, opened=opened)
    assert ("doors_opened", ALL, "bank") in suppressed
    # The complement: another cell of the table goes with it, or its total would give it away.
    assert len([c for c in layout.group_cells("doors_opened", ALL) if c in suppressed]) >= 2
    assert_safe(layout, suppressed)


def test_a_single_door_opened_in_the_whole_caseload_is_hidden():
    children = random_children(50, seed=40)
    layout, suppressed = audited(children, opened=[(7, DocumentKind.MARRIAGE)])
    assert ("doors_opened", ALL, "marriage") in suppressed
    assert_safe(layout, suppressed)


def test_services_are_not_published_for_a_province_whose_size_is_suppressed():
    children = random_children(60, seed=5, province=Province.JILIN) + random_children(
        3, seed=6, province=Province.OTHER
    )
    services = [("school_fees", Province.OTHER)] * 9 + [("school_fees", Province.JILIN)] * 9
    layout, suppressed = audited(children, services=services, referrals=["sent"] * 2 + ["done"] * 8)
    assert ("province", ALL, "other") in suppressed
    assert set(layout.group_cells("service_kind_by_province", "other")) <= suppressed
    assert ("referral_status", ALL, "sent") in suppressed
    assert_safe(layout, suppressed)
