"""The suppression algorithm on small tables, checked the way an attacker would attack it:
by solving for every suppressed cell over all non-negative whole numbers that agree with
everything published (cells, group totals, one-way tables as the margins of cross-tabs)."""

from collections import Counter

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from casework.aggregates.export import records_from
from casework.aggregates.layout import ALL, Layout
from casework.aggregates.suppression import failures, suppress
from tests.casework.aggregates.attacker import attack
from tests.profiles import examples

K = 5


def linked_layout(people: list[tuple[str, str, str]], groups_g, groups_h, categories) -> Layout:
    """Group tables `g` and `h`, a variable `v` with its one-way table and two cross-tabs
    `v_by_g` and `v_by_h` sharing that margin: the shape of document access by province
    and by age band."""
    layout = Layout()
    layout.one_way("g", groups_g, Counter(g for g, _h, _v in people))
    layout.one_way("h", groups_h, Counter(h for _g, h, _v in people))
    layout.one_way("v", categories, Counter(v for _g, _h, v in people))
    layout.cross_tab("v", "g", groups_g, Counter((g, v) for g, _h, v in people), "g")
    layout.cross_tab("v", "h", groups_h, Counter((h, v) for _g, h, v in people), "h")
    return layout


def equations_of(layout: Layout, suppressed: set) -> list[tuple[dict, int]]:
    """The attacker's system: for every line, sum(coefficient * unknown) == constant, with
    the published cells and the known group totals moved to the constant."""
    counts = layout.counts
    equations = []
    for line in layout.lines:
        coefficients, constant = Counter(), 0
        for cell in line.cells:
            if cell in suppressed:
                coefficients[cell] += 1
            else:
                constant -= counts[cell]
        if line.total is None:
            constant += line.constant
        elif line.total in suppressed:
            coefficients[line.total] -= 1
        else:
            constant += counts[line.total]
        equations.append(({c: v for c, v in coefficients.items() if v}, constant))
    return equations


def feasible(equations, unknowns, assignment, ceiling) -> bool:
    """Is there a completion in non-negative whole numbers? Depth-first, with values forced
    by equations that have one open cell, and bounds from equations whose open cells all
    have the same sign."""
    assignment = dict(assignment)
    while True:
        pinned = False
        for coefficients, constant in equations:
            open_cells = [c for c in coefficients if c not in assignment]
            partial = sum(v * assignment[c] for c, v in coefficients.items() if c in assignment)
            if not open_cells:
                if partial != constant:
                    return False
            elif len(open_cells) == 1:
                cell = open_cells[0]
                value = (constant - partial) * coefficients[cell]
                if value < 0 or value > ceiling:
                    return False
                assignment[cell] = value
                pinned = True
        if not pinned:
            break
    open_all = [c for c in unknowns if c not in assignment]
    if not open_all:
        return True
    upper = dict.fromkeys(open_all, ceiling)
    for coefficients, constant in equations:
        open_cells = [c for c in coefficients if c not in assignment]
        partial = sum(v * assignment[c] for c, v in coefficients.items() if c in assignment)
        signs = {coefficients[c] > 0 for c in open_cells}
        if len(signs) == 1:
            slack = (constant - partial) if signs == {True} else (partial - constant)
            if slack < 0:
                return False
            for c in open_cells:
                upper[c] = min(upper[c], slack)
    cell = min(open_all, key=lambda c: upper[c])
    return any(feasible(equations, unknowns, {**assignment, cell: v}, ceiling) for v in range(upper[cell] + 1))


def recoverable(layout: Layout, suppressed: set) -> list:
    """The suppressed non-zero cells that take one value only in every solution."""
    equations = equations_of(layout, suppressed)
    unknowns = sorted(suppressed)
    ceiling = sum(layout.counts[cell] for cell in layout.group_cells("v", ALL))
    found = []
    for cell in unknowns:
        true = layout.counts[cell]
        if true == 0:
            continue
        others = sorted((v for v in range(ceiling + 1) if v != true), key=lambda v: abs(v - true))
        if not any(feasible(equations, unknowns, {cell: v}, ceiling) for v in others):
            found.append((cell, true))
    return found


people_strategy = st.lists(
    st.tuples(st.sampled_from("abc"), st.sampled_from("xy"), st.sampled_from("pqr")),
    min_size=0,
    max_size=20,
)


# Found by hypothesis against the earlier, real-number check: c's lone q and the pair of
# suppressed cells in a forced a column.
FORCED_BY_NON_NEGATIVITY = [("a", "x", "p")] + [("b", "x", "p")] * 5 + [("b", "x", "q")] * 5
FORCED_BY_NON_NEGATIVITY += [("c", "x", "p")] * 4 + [("c", "x", "q")]


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=people_strategy)
@example(people=FORCED_BY_NON_NEGATIVITY)
def test_no_suppressed_count_is_pinned_down_by_an_integer_attacker(people):
    layout = linked_layout(people, ["a", "b", "c"], ["x", "y"], ["p", "q", "r"])
    suppressed = suppress(layout, K)
    assert attack(layout, suppressed, K) == []
    assert attack(layout, suppressed, K, perturbed=False) == []
    assert failures(layout, suppressed, K) == {}
    assert recoverable(layout, suppressed) == []


@settings(max_examples=examples(150), deadline=None)
@given(people=people_strategy)
def test_published_counts_are_never_small_and_no_group_has_one_suppressed_cell(people):
    layout = linked_layout(people, ["a", "b", "c"], ["x", "y"], ["p", "q", "r"])
    records = records_from(layout, suppress(layout, K), K)
    assert not [r for r in records if not r.suppressed and 0 < r.count < K]
    per_group = Counter((r.table, r.group) for r in records if r.suppressed)
    assert 1 not in per_group.values()


def test_a_single_small_count_takes_the_smallest_other_count_with_it():
    layout = Layout()
    layout.one_way("v", ["p", "q", "r"], Counter({"p": 3, "q": 9, "r": 40}))
    assert suppress(layout, K) == {("v", ALL, "p"), ("v", ALL, "q")}


def test_a_zero_is_published_and_never_chosen_while_a_positive_count_is_left():
    layout = Layout()
    layout.one_way("v", ["p", "q", "r", "s"], Counter({"p": 2, "q": 0, "r": 7, "s": 40}))
    assert suppress(layout, K) == {("v", ALL, "p"), ("v", ALL, "r")}


def test_a_group_smaller_than_the_threshold_is_suppressed_whole():
    layout = Layout()
    layout.one_way("v", ["p", "q", "r"], Counter({"p": 4}))
    assert suppress(layout, K) == set(layout.group_cells("v", ALL))


def test_a_cross_tab_group_whose_size_is_suppressed_is_suppressed_whole():
    people = [("a", "x", "p")] * 3 + [("b", "x", "p")] * 20 + [("b", "x", "q")] * 20 + [("c", "x", "q")] * 30
    layout = linked_layout(people, ["a", "b", "c"], ["x", "y"], ["p", "q", "r"])
    suppressed = suppress(layout, K)
    assert ("g", ALL, "a") in suppressed
    assert set(layout.group_cells("v_by_g", "a")) <= suppressed
    assert attack(layout, suppressed, K) == []
    assert recoverable(layout, suppressed) == []


def test_a_small_cross_tab_cell_cannot_be_had_from_its_column_and_row_totals():
    # v_by_g: a = (3 p, 30 q), b = (30 p, 30 q); the margins (33 p, 60 q) and the group sizes
    # are published, so suppressing the 3 alone, or with its row partner, would give it away.
    people = [("a", "x", "p")] * 3 + [("a", "x", "q")] * 30 + [("b", "y", "p")] * 30 + [("b", "y", "q")] * 30
    layout = linked_layout(people, ["a", "b"], ["x", "y"], ["p", "q"])
    suppressed = suppress(layout, K)
    assert {("v_by_g", "a", "p"), ("v_by_g", "a", "q"), ("v_by_g", "b", "p"), ("v_by_g", "b", "q")} <= suppressed
    assert recoverable(layout, suppressed) == []


def test_the_checker_finds_a_lone_suppressed_cell_and_a_lone_suppressed_pair_in_a_cross_tab():
    # Guards the test itself: suppression patterns that do leak are caught.
    layout = Layout()
    layout.one_way("v", ["p", "q", "r"], Counter({"p": 3, "q": 9, "r": 40}))
    layout.one_way("g", ["a"], Counter({"a": 52}))
    layout.one_way("h", ["x"], Counter({"x": 52}))
    assert recoverable(layout, {("v", ALL, "p")}) == [(("v", ALL, "p"), 3)]
    people = [("a", "x", "p")] * 3 + [("a", "x", "q")] * 30 + [("b", "y", "p")] * 30 + [("b", "y", "q")] * 30
    layout = linked_layout(people, ["a", "b"], ["x", "y"], ["p", "q"])
    row_only = {("v_by_g", "a", "p"), ("v_by_g", "a", "q")}
    assert (("v_by_g", "a", "p"), 3) in recoverable(layout, row_only)


def events_layout(people: list[tuple[str, str]], events: list[tuple[str, str]], statuses: list[str]) -> Layout:
    """The shape of the services and referrals tables: group sizes `g` (children per
    province), a one-way table of records `s` (services by kind) and its cross-tab by `g`
    whose group totals are known numbers (records are not children) and which is withheld
    where the group's size is suppressed, and a one-way table `r` (referrals by status)."""
    layout = Layout()
    layout.one_way("g", ["a", "b", "c"], Counter(g for g, _v in people))
    layout.one_way("s", ["p", "q", "r"], Counter(v for _g, v in events))
    layout.cross_tab("s", "g", ["a", "b", "c"], Counter(events), None, "g")
    layout.one_way("referral", ["sent", "done", "refused"], Counter(statuses))
    return layout


events_strategy = st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from("pqr")), min_size=0, max_size=20)


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    people=st.lists(st.tuples(st.sampled_from("abc"), st.just("-")), max_size=20),
    events=events_strategy,
    statuses=st.lists(st.sampled_from(["sent", "done", "refused"]), max_size=12),
)
def test_services_and_referrals_give_no_suppressed_count_away(people, events, statuses):
    layout = events_layout(people, events, statuses)
    suppressed = suppress(layout, K)
    assert attack(layout, suppressed, K) == []
    assert attack(layout, suppressed, K, perturbed=False) == []
    assert failures(layout, suppressed, K) == {}
    records = records_from(layout, suppressed, K)
    assert not [r for r in records if not r.suppressed and 0 < r.count < K]
    # A group of children too small to publish has no services published either.
    for group in ("a", "b", "c"):
        if ("g", ALL, group) in suppressed:
            assert set(layout.group_cells("s_by_g", group)) <= suppressed
