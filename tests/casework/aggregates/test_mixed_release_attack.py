"""A mixed release (`casework.aggregates.differencing`: some tables published afresh, the
others repeating release A's figures) attacked by an independent integer programme,
`tests.casework.aggregates.mixed_attacker` (not the module's own audit).

The attacker's model (the module docstring of `mixed_attacker` has it in full): she holds
release A (every table fresh) and release B; the table structure on both caseloads (groups
add up to their totals, cross-tab groups to their province or age-band cell, cross-tab
columns to their one-way cell, every one-way table of children to the number of children,
all counts whole and non-negative); every published figure and every total a share gives
away, as the range of true counts the published perturbation table leaves (`perturbed`) or
exactly (`exact`, which can only help her); and, for every table release B repeats, that
it moved in fewer than m places, so the L1 distance of its counts now from its counts then
is at most m - 1. She attacks every suppressed non-zero cell of release B's fresh tables,
every cell of a repeated table whose count now is from 1 to k - 1, and every non-zero cell
release A suppressed.

A failure: a non-zero cell determined exactly, or a cell from 1 to k - 1 whose interval
does not reach from 0 to k (tau-ARGUS's rule), or to what the structure allows with every
cell suppressed where that is less.

What holds (the passing tests): no suppressed or withheld non-zero cell is ever determined
exactly, and release B never gives away a cell release A hid. Under a table-by-table rule
the tau-ARGUS rule failed for cells counted now (the counterexamples below, found when
`differencing` still mixed fresh and repeated tables; docs/disclosure.md has the numbers);
with releases that are fresh or repeated as a whole, each counterexample is now either one
fresh audited export or release A again, and the attacker finds nothing.
"""

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from children.models import LivingArrangement
from families.models import Province
from tests.casework.aggregates.mixed_attacker import attack_mixed
from tests.casework.aggregates.mixed_scenarios import random_scenario, scenario_from
from tests.casework.aggregates.test_disclosure_audit import child, random_children
from tests.profiles import examples

K = 5
M = 10
MODES = {"perturbed": True, "exact": False}


def attacked(scenario, mode):
    perturbed = MODES[mode]
    return attack_mixed(scenario.then, scenario.now, *scenario.published(perturbed), K, M, perturbed=perturbed)


def determined(outcome):
    return [f for f in outcome.findings if f.interval[0] == f.interval[1]]


def older(outcome):
    return [f for f in outcome.findings if f.kind == "older"]


def crafted(name):
    if name.startswith("province of "):
        size = int(name.rsplit(" ", 1)[1])
        return random_children(60, seed=size) + random_children(size, seed=100 + size, province=Province.OTHER)
    if name == "a single child in a category":
        return random_children(80, seed=7, living=LivingArrangement.GRANDPARENTS) + [
            child(living=LivingArrangement.MOTHER_ONLY, province=Province.LIAONING)
        ]
    assert name == "everyone in one province"
    return random_children(70, seed=3, province=Province.HEILONGJIANG)


CRAFTED = [f"province of {n}" for n in range(1, 7)] + ["a single child in a category", "everyone in one province"]


# ---------------------------------------------------------------------------------------
# What holds
# ---------------------------------------------------------------------------------------


@hypothesis_settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    size=st.integers(min_value=50, max_value=1000),
    changes=st.integers(min_value=1, max_value=40),
    seed=st.integers(min_value=0, max_value=10**6),
    mode=st.sampled_from(sorted(MODES)),
)
def test_no_cell_is_determined_and_release_a_keeps_what_it_hid(size, changes, seed, mode):
    outcome = attacked(random_scenario(size, changes, seed, K, M), mode)
    assert determined(outcome) == []
    assert older(outcome) == []


@pytest.mark.parametrize("changes", [12, 20])
@pytest.mark.parametrize("name", CRAFTED)
def test_crafted_caseloads_lose_no_cell_and_keep_the_rule_against_the_perturbed_attacker(name, changes):
    if (name, changes) == ("a single child in a category", 20):
        pytest.skip("the counterexample of test_a_category_empty_then_and_small_now_is_not_bounded")
    scenario = scenario_from(crafted(name), changes, 1000 + changes, K, M)
    for mode in MODES:
        outcome = attacked(scenario, mode)
        assert determined(outcome) == [] and older(outcome) == [], mode
    assert attacked(scenario, "perturbed").findings == []


def test_one_change_repeats_everything_and_the_attacker_has_only_release_a():
    scenario = random_scenario(200, 1, seed=5, threshold=K, min_change=M)
    assert scenario.fresh == frozenset()
    for mode in MODES:
        assert attacked(scenario, mode).findings == []


# ---------------------------------------------------------------------------------------
# The counterexamples of a table-by-table rule: releases are now never mixed, and the
# attacker finds nothing in them
# ---------------------------------------------------------------------------------------


def assert_rule(scenario, mode, expected):
    """`expected` was what the attacker found when the release mixed fresh and repeated
    tables; now release B is fresh as a whole or repeats as a whole, and she finds nothing."""
    assert scenario.fresh in (frozenset(), frozenset(scenario.now.groups))
    findings = {(f.kind, f.cell, f.true, f.interval) for f in attacked(scenario, mode).findings}
    assert not expected & findings and findings == set()


def test_a_province_empty_then_and_small_now_is_not_bounded():
    # 464 children, 33 changes: "other" had no children in release A (a published zero,
    # which the perturbation never moves) and has 1 now. The province table repeats
    # release A; the fresh cross-tabs give, through their shares, the current sizes of the
    # other provinces within 2, and those prove that most of the province table's m - 1
    # places went elsewhere: "other" holds at most 4 children now, a small count.
    scenario = random_scenario(464, 33, seed=360527, threshold=K, min_change=M)
    assert_rule(scenario, "perturbed", {("repeated", ("province", "all", "other"), 1, (0, 4))})


def test_a_category_empty_then_and_small_now_is_not_bounded():
    # The single child in a category, after 20 changes: Jilin had no child living with
    # "other" relatives in release A (a zero) and has 1 now; the cross-tab repeats.
    scenario = scenario_from(crafted("a single child in a category"), 20, 1020, K, M)
    expected = ("repeated", ("living_arrangement_by_province", "jilin", "other"), 1, (0, 4))
    assert_rule(scenario, "perturbed", {expected})


def test_a_count_published_then_and_small_now_is_not_shown_non_empty():
    # 200 children, 10 changes: Liaoning's children aged 0-5 were 6 in release A (published)
    # and are 4 now; age_band_by_province repeats. Liaoning's size now (from the shares of
    # the fresh cross-tabs) and the m - 1 places leave 2 to 6: the cell is known non-empty.
    scenario = random_scenario(200, 10, seed=499748, threshold=K, min_change=M)
    assert_rule(scenario, "exact", {("repeated", ("age_band_by_province", "liaoning", "0-5"), 4, (2, 6))})


def test_the_exact_attacker_does_not_bound_a_small_province_or_its_cross_tab_cells():
    scenario = random_scenario(50, 25, seed=838234, threshold=K, min_change=M)
    assert_rule(
        scenario,
        "exact",
        {
            ("repeated", ("province", "all", "other"), 1, (0, 3)),
            ("fresh", ("mother_status_by_province", "other", "unknown"), 1, (0, 3)),
        },
    )


def test_the_perturbed_attacker_does_not_learn_a_small_cell_is_non_empty():
    # 60 children, 19 changes: Jilin's unregistered children were 7 in release A (published
    # as 9, so 7 to 11 to the attacker) and are 4 now; hukou_status_by_province repeats
    # release A. Even with every published figure a range, the places the fresh tables
    # (Jilin's size now, through their shares, among them) prove spent leave 1 to 8: the
    # one failure of the perturbed attacker in 200 random scenarios.
    scenario = random_scenario(60, 19, seed=584498, threshold=K, min_change=M)
    expected = ("repeated", ("hukou_status_by_province", "jilin", "unregistered"), 4, (1, 8))
    assert_rule(scenario, "perturbed", {expected})
