"""An outsider's attack on one set of published records, written apart from
`casework.aggregates.suppression` so that the module's own audit is checked by other code.

The attacker model: she holds every published record (counts, shares, which cells are
suppressed) and the table structure (`<margin>_by_<by>` is a cross-tab of the one-way
table `<margin>` by groups of `<by>`; every group of a cross-tab by `province` or
`age_band` adds up to that group's cell of the `province` or `age_band` table when that
table exists); she knows every other group total (a published share gives it away); and
she knows that every count is a non-negative whole number. The totals she knows as
numbers (`known_totals`: the one-way tables' and the interviews-by-province groups') win
over the `<by>` table's cells (interviews are not children). For each suppressed cell she
solves two integer programs (least and greatest value) with HiGHS: the linear relaxation
first, whose optimum is the integer one when it is whole, and branch and bound where it is
not. One model over the whole export (no splitting into parts, no witnesses: plainer and
slower than the module's audit, and built from the records instead of the layout).

Over a perturbed release (`attack(..., perturbed=True)`, the default) she knows the
published perturbation table and its bound but no key: a published count p is a true count
anywhere in `perturbation.possible_counts(p)`, and a group total, read off the shares as its
published value, likewise. Every cell and every known total is then an unknown within its
range. Suppression is decided on true counts, so this attacker is weaker than the one
given every published count exactly (`perturbed=False`): both must find nothing.
"""

from collections import defaultdict

import highspy
import numpy as np

from casework.aggregates import perturbation

ALL = "all"


def _program(rows, n, lower, upper, whole):
    model = highspy.Highs()
    model.setOptionValue("output_flag", False)
    model.addVars(n, np.asarray(lower, dtype=float), np.asarray(upper, dtype=float))
    for row in rows:
        (columns,) = np.nonzero(row)
        model.addRow(0.0, 0.0, len(columns), columns.astype(np.int32), row[columns])
    if whole:
        model.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * n))
    return model


def _optimise(model, j, sense, n):
    costs = np.zeros(n)
    costs[j] = sense
    model.changeColsCost(n, np.arange(n, dtype=np.int32), costs)
    model.run()
    assert model.getModelStatus() == highspy.HighsModelStatus.kOptimal, model.getModelStatus()
    return sense * model.getInfo().objective_function_value, np.array(model.getSolution().col_value)


def exact(published: int) -> tuple[int, int]:
    """The outsider's knowledge of a published count when counts are not perturbed."""
    return published, published


def attacker_intervals(
    records, known_totals: dict[tuple[str, str], int | tuple[int, int]], only=None, possible=exact
) -> dict[tuple, tuple[int, int]]:
    """{(table, group, category): (least, greatest)} for every suppressed record (or those
    of `only`). `known_totals` holds the totals of the groups that are not cells of another
    table, as a number or as the range the outsider knows it to lie in. `possible(p)` is
    the range of true counts a published count p can hide (the count itself without
    perturbation; within the published bound with it)."""
    value = {(r.table, r.group, r.category): r.count for r in records}
    hidden = sorted(key for key, count in value.items() if count is None)
    if not hidden:
        return {}
    ceiling = max(
        [hi for total in known_totals.values() for hi in ((total, total) if isinstance(total, int) else total)] + [1]
    )
    # Every cell is an unknown: a suppressed one from 0 to the ceiling, a published one in
    # the range its published count leaves; every known total is an unknown in its range.
    unknowns = sorted(value)
    lower = [0 if value[key] is None else possible(value[key])[0] for key in unknowns]
    upper = [ceiling if value[key] is None else possible(value[key])[1] for key in unknowns]
    position = {key: i for i, key in enumerate(unknowns)}
    for group, total in sorted(known_totals.items()):
        low, high = (total, total) if isinstance(total, int) else total
        position[("total", *group)] = len(lower)
        lower.append(low)
        upper.append(high)
    tables = {r.table for r in records}
    groups = defaultdict(list)
    for r in records:
        groups[(r.table, r.group)].append((r.table, r.group, r.category))
    constraints = []  # [(key, sign)] summing to zero
    for (table, group), keys in groups.items():
        by = table.partition("_by_")[2]
        total = ("total", table, group) if (table, group) in known_totals else (by, ALL, group)
        constraints.append([(key, 1) for key in keys] + [(total, -1)])
    columns = defaultdict(list)
    for r in records:
        margin, _, by = r.table.partition("_by_")
        if by and margin in tables:
            columns[(r.table, r.category)].append((r.table, r.group, r.category))
    for (table, category), keys in columns.items():
        margin = table.partition("_by_")[0]
        constraints.append([(key, 1) for key in keys] + [((margin, ALL, category), -1)])
    n = len(lower)
    rows = []
    for terms in constraints:
        row = np.zeros(n)
        for key, sign in terms:
            row[position[key]] += sign
        rows.append(row)
    relaxed, whole = _program(rows, n, lower, upper, False), None
    found = {}
    for key in hidden:
        if only is not None and key not in only:
            continue
        bounds = []
        for sense in (1.0, -1.0):
            optimum, x = _optimise(relaxed, position[key], sense, n)
            if not np.allclose(x, np.round(x), atol=1e-7):
                whole = whole or _program(rows, n, lower, upper, True)
                optimum, x = _optimise(whole, position[key], sense, n)
            bounds.append(round(optimum))
        found[key] = (bounds[0], bounds[1])
    return found


def disclosures(records, true_counts, known_totals, threshold, best_possible=None, possible=exact):
    """The suppressed cells the attacker pins down: a non-zero cell determined exactly, or
    a cell from 1 to threshold-1 whose interval does not reach from 0 to the threshold (or
    to the best any suppression could give, `best_possible`, where known totals are
    smaller than the threshold)."""
    found = []
    nonzero = {key for key, n in true_counts.items() if n}
    for key, (low, high) in attacker_intervals(records, known_totals, only=nonzero, possible=possible).items():
        true = true_counts[key]
        assert low <= true <= high
        if not true:
            continue
        reach = threshold if best_possible is None else min(threshold, best_possible[key][1])
        if low == high or (true < threshold and (low > 0 or high < reach)):
            found.append((key, true, (low, high)))
    return found


def known_totals_of(layout) -> dict[tuple[str, str], int]:
    """The group totals the attacker is given as numbers: those that are no cell of a table."""
    return {(line.cells[0][0], line.cells[0][1]): line.constant for line in layout.lines if line.total is None}


def published_totals_of(layout, threshold) -> dict[tuple[str, str], int | tuple[int, int]]:
    """What the attacker knows of the same totals from a perturbed release: a total's
    published value comes with every share of its group, and hides a true total in the
    range the perturbation table leaves. A total below the threshold has no shares
    published (its group is suppressed whole); she is given it exactly, to be safe."""
    known: dict[tuple[str, str], int | tuple[int, int]] = {}
    for group, total in known_totals_of(layout).items():
        if 0 < total < threshold:
            known[group] = total
            continue
        published = perturbation.perturbed(total, layout.total(*group)[1], threshold)
        known[group] = within(published, threshold)
    return known


def within(published, threshold) -> tuple[int, int]:
    """The true counts a published count can hide, read off the published table."""
    candidates = perturbation.possible_counts(published, threshold)
    assert candidates == list(range(candidates[0], candidates[-1] + 1))  # a range, not gaps
    return candidates[0], candidates[-1]


def attack(layout, suppressed, threshold, *, perturbed=True) -> list:
    """The attacker's findings against the records published from `layout` (perturbed by
    their cell keys, as a release publishes them; with `perturbed=False` she is given the
    true count of every published cell, which can only help her). Where a known total is
    below the threshold no suppression can reach it: such cells are held to the interval
    they would have with everything suppressed."""
    from casework.aggregates.export import records_from

    if perturbed:
        totals = published_totals_of(layout, threshold)

        def possible(p):
            return within(p, threshold)
    else:
        totals = known_totals_of(layout)
        possible = exact
    published = records_from(layout, suppressed, threshold, perturb=perturbed)
    found = disclosures(published, layout.counts, totals, threshold, possible=possible)
    if not found:
        return found
    flagged = {key for key, _true, _interval in found}
    everything = records_from(layout, set(layout.order), threshold, perturb=perturbed)
    best = attacker_intervals(everything, known_totals_of(layout), only=flagged)
    return disclosures(
        published,
        layout.counts,
        totals,
        threshold,
        {**dict.fromkeys(layout.counts, (0, threshold)), **best},
        possible=possible,
    )
