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
"""

from collections import defaultdict

import highspy
import numpy as np

ALL = "all"


def _program(rows, rhs, n, ceiling, whole):
    model = highspy.Highs()
    model.setOptionValue("output_flag", False)
    model.addVars(n, np.zeros(n), np.full(n, ceiling))
    for row, constant in zip(rows, rhs, strict=True):
        (columns,) = np.nonzero(row)
        model.addRow(float(constant), float(constant), len(columns), columns.astype(np.int32), row[columns])
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


def attacker_intervals(records, known_totals: dict[tuple[str, str], int], only=None) -> dict[tuple, tuple[int, int]]:
    """{(table, group, category): (least, greatest)} for every suppressed record (or those
    of `only`). `known_totals` holds the totals of the groups that are not cells of another
    table."""
    value = {(r.table, r.group, r.category): r.count for r in records}
    hidden = sorted(key for key, count in value.items() if count is None)
    position = {key: i for i, key in enumerate(hidden)}
    tables = {r.table for r in records}
    groups = defaultdict(list)
    for r in records:
        groups[(r.table, r.group)].append((r.table, r.group, r.category))
    constraints = []  # (terms [(key, sign)], right-hand side)
    for (table, group), keys in groups.items():
        by = table.partition("_by_")[2]
        terms = [(key, 1) for key in keys]
        if (table, group) in known_totals:
            constraints.append((terms, known_totals[(table, group)]))
        else:
            terms.append(((by, ALL, group), -1))
            constraints.append((terms, 0))
    columns = defaultdict(list)
    for r in records:
        margin, _, by = r.table.partition("_by_")
        if by and margin in tables:
            columns[(r.table, r.category)].append((r.table, r.group, r.category))
    for (table, category), keys in columns.items():
        margin = table.partition("_by_")[0]
        constraints.append(([(key, 1) for key in keys] + [((margin, ALL, category), -1)], 0))
    rows = []
    rhs = []
    for terms, constant in constraints:
        row = np.zeros(len(hidden))
        for key, sign in terms:
            if value[key] is None:
                row[position[key]] += sign
            else:
                constant -= sign * value[key]
        if row.any():
            rows.append(row)
            rhs.append(constant)
    if not hidden:
        return {}
    ceiling = float(max([sum(known_totals.values()), 1]))
    relaxed, whole = _program(rows, rhs, len(hidden), ceiling, False), None
    found = {}
    for key in hidden:
        if only is not None and key not in only:
            continue
        bounds = []
        for sense in (1.0, -1.0):
            optimum, x = _optimise(relaxed, position[key], sense, len(hidden))
            if not np.allclose(x, np.round(x), atol=1e-7):
                whole = whole or _program(rows, rhs, len(hidden), ceiling, True)
                optimum, x = _optimise(whole, position[key], sense, len(hidden))
            bounds.append(round(optimum))
        found[key] = (bounds[0], bounds[1])
    return found


def disclosures(records, true_counts, known_totals, threshold, best_possible=None):
    """The suppressed cells the attacker pins down: a non-zero cell determined exactly, or
    a cell from 1 to threshold-1 whose interval does not reach from 0 to the threshold (or
    to the best any suppression could give, `best_possible`, where known totals are
    smaller than the threshold)."""
    found = []
    nonzero = {key for key, n in true_counts.items() if n}
    for key, (low, high) in attacker_intervals(records, known_totals, only=nonzero).items():
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


def attack(layout, suppressed, threshold) -> list:
    """The attacker's findings against the records published from `layout`. Where a known
    total is below the threshold no suppression can reach it: such cells are held to the
    interval they would have with everything suppressed."""
    from casework.aggregates.export import records_from

    totals = known_totals_of(layout)
    published = records_from(layout, suppressed)
    found = disclosures(published, layout.counts, totals, threshold)
    if not found:
        return found
    flagged = {key for key, _true, _interval in found}
    best = attacker_intervals(records_from(layout, set(layout.order)), totals, only=flagged)
    return disclosures(
        published, layout.counts, totals, threshold, {**dict.fromkeys(layout.counts, (0, threshold)), **best}
    )
