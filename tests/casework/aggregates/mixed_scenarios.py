"""Caseloads and batches of changes for the mixed-release attack: release A from one caseload,
release B after a batch of changes, as `publish_release` makes them (without a database)."""

import datetime
import random
from dataclasses import dataclass

from casework.aggregates import differencing
from casework.aggregates import export as aggregates
from casework.aggregates.layout import Layout, build_layout
from casework.aggregates.suppression import suppress
from children.models import RECORD_KEY_RANGE, AccessStatus, DocumentKind
from families.models import MotherStatus, Province
from tests.casework.aggregates.test_disclosure_audit import BANDS, random_children
from tests.casework.aggregates.test_perturbation import rows_with_keys, with_band, with_mother

TODAY = datetime.date(2026, 11, 26)
CHANGES = ("opened", "closed", "mother", "birthday", "door", "province")


@dataclass
class Scenario:
    then: Layout
    now: Layout
    records_then: list
    records_now: list
    fresh: frozenset
    # The same releases with the true count of every published cell (perturb=False).
    exact_then: list
    exact_now: list

    def published(self, perturbed=True):
        return (self.records_then, self.records_now) if perturbed else (self.exact_then, self.exact_now)


def change(people, kind, rng):
    """One change of `kind` to the (child, record key) pairs, in place."""
    if kind == "opened" or not people:
        people.append((random_children(1, seed=rng.randrange(10**9))[0], rng.randrange(RECORD_KEY_RANGE)))
        return
    i = rng.randrange(len(people))
    c, key = people[i]
    if kind == "closed":
        people.pop(i)
        return
    if kind == "mother":
        c = with_mother(c, rng.choice([m for m in MotherStatus.values if m != c[1]]))
    elif kind == "birthday":
        c = with_band(c, BANDS[(BANDS.index(c[4]) + 1) % len(BANDS)])
    elif kind == "door":
        doors = dict(c[5])
        door = rng.choice(DocumentKind.values)
        doors[door] = rng.choice([s for s in AccessStatus.values if s != doors[door]])
        c = (*c[:5], tuple(sorted(doors.items())))
    else:
        c = (rng.choice([p for p in Province.values if p != c[0]]), *c[1:])
    people[i] = (c, key)


def releases(people_then, people_now, threshold, min_change) -> Scenario:
    """Release A (everything fresh) from `people_then`, release B from `people_now`."""
    then = build_layout(rows_with_keys(people_then), TODAY)
    now = build_layout(rows_with_keys(people_now), TODAY)
    hidden_then, hidden_now = suppress(then, threshold), suppress(now, threshold)
    first = differencing.plan(then, {}, release=1, reference_date=f"{TODAY}", min_change=min_change)
    second = differencing.plan(now, first.basis, release=2, reference_date=f"{TODAY}", min_change=min_change)
    out = []
    for perturb in (True, False):
        a = aggregates.release_records_from(then, hidden_then, threshold, first, [], perturb=perturb)
        b = aggregates.release_records_from(now, hidden_now, threshold, second, a, perturb=perturb)
        out += [a, b]
    return Scenario(then, now, out[0], out[1], second.fresh, out[2], out[3])


def scenario_from(children, changes, seed, threshold, min_change, kinds=CHANGES) -> Scenario:
    """Release A from `children` (with seeded record keys), release B after `changes`
    random changes of the `kinds` given."""
    rng = random.Random(seed)
    people_then = [(c, rng.randrange(RECORD_KEY_RANGE)) for c in children]
    people_now = list(people_then)
    for _ in range(changes):
        change(people_now, rng.choice(kinds), rng)
    return releases(people_then, people_now, threshold, min_change)


def random_scenario(size, changes, seed, threshold, min_change, kinds=CHANGES, **fixed) -> Scenario:
    return scenario_from(random_children(size, seed=seed, **fixed), changes, seed, threshold, min_change, kinds)
