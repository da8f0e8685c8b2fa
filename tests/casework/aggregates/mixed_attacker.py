"""An outsider's attack on a MIXED release (some tables fresh, some repeating an earlier
release's figures, `casework.aggregates.differencing`), written apart from the module's own
audit (`casework.aggregates.suppression.failures`).

The attacker's model
====================

She holds two releases: release A, every table published afresh from the caseload of
then (its true counts `o`), and release B, published later from the caseload of now (true
counts `c`), in which the tables `plan` found fresh show figures counted now and the others
repeat release A's figures, row for row, and say so. She knows:

- the table structure, applied to both caseloads: every group of every table adds up to
  its total; a cross-tab's group by province or age band adds up to that group's cell of
  the `province` or `age_band` table; a cross-tab's column adds up to its one-way cell;
  the one-way tables of children (province, age band, mother's status, living arrangement,
  household registration, each of the four doors) all add up to the number of children;
  every count is a non-negative whole number;
- every published figure of release A as a range of `o` (`perturbation.possible_counts`:
  she knows the published table and its bound, no key), and every published group total of
  release A (read off the shares) likewise;
- the same of release B's fresh tables, as ranges of `c`;
- for every table release B repeats while others are fresh (a table-by-table rule, which
  `differencing` no longer follows, kept here as `mixed=True`), that it changed in fewer
  than m places (`AGGREGATES_MIN_TABLE_CHANGE`): the L1 distance between its cells' `c` and
  `o` is at most m - 1 (a place counts at least one unit of that distance). When release B
  repeats every table, she learns only that some table changed in fewer than m places, not
  which: no constraint on any one table;
- with `perturbed=False`, the true count of every published cell and total instead of a
  range (which can only help her).

She does not use that a fresh table moved in at least m places (not a convex constraint;
leaving it out makes her weaker, not stronger).

For each cell she solves the least and the greatest value by integer programming (HiGHS:
the linear relaxation first, branch and bound where its optimum is not whole; every whole
solution is kept as a witness for every cell). The cells she attacks:

- `fresh`: every suppressed cell of release B's fresh tables whose count now is not zero;
- `repeated`: every cell of a repeated table whose count now is from 1 to k - 1;
- `older`: every cell release A suppressed whose count then is not zero (release B could
  give away what release A hid).

A failure: a non-zero cell determined exactly, or a cell from 1 to k - 1 whose interval does
not reach from 0 to k (tau-ARGUS's rule for frequency tables), or to the most that the
structure allows with every cell suppressed, where that is less than k.
"""

from collections import defaultdict
from dataclasses import dataclass, field

import highspy
import numpy as np

from casework.aggregates import perturbation
from casework.aggregates.layout import ALL
from tests.casework.aggregates.attacker import attacker_intervals, known_totals_of

CHILD_TABLES = ("province", "age_band", "mother_status", "living_arrangement", "hukou_status")


@dataclass
class Finding:
    kind: str  # fresh, repeated, older
    cell: tuple[str, str, str]
    true: int
    interval: tuple[int, int]


@dataclass
class Outcome:
    checked: dict[str, int] = field(default_factory=lambda: {"fresh": 0, "repeated": 0, "older": 0})
    findings: list[Finding] = field(default_factory=list)


class _Program:
    """Variables with bounds, rows lo <= a.x <= hi, all but the `continuous` ones whole."""

    def __init__(self):
        self.names, self.lower, self.upper, self.continuous = {}, [], [], set()
        self.rows = []

    def var(self, name, lower=0.0, upper=np.inf, continuous=False):
        if name not in self.names:
            self.names[name] = len(self.lower)
            self.lower.append(lower)
            self.upper.append(upper)
            if continuous:
                self.continuous.add(self.names[name])
        return self.names[name]

    def bound(self, name, lower, upper):
        j = self.var(name)
        self.lower[j], self.upper[j] = max(self.lower[j], lower), min(self.upper[j], upper)

    def row(self, terms, lo, hi):
        coefficients = defaultdict(float)
        for name, a in terms:
            coefficients[self.var(name)] += a
        self.rows.append((dict(coefficients), lo, hi))

    def model(self, whole):
        model = highspy.Highs()
        model.setOptionValue("output_flag", False)
        n = len(self.lower)
        model.addVars(n, np.array(self.lower, dtype=float), np.array(self.upper, dtype=float))
        for coefficients, lo, hi in self.rows:
            columns = np.array(list(coefficients), dtype=np.int32)
            model.addRow(lo, hi, len(columns), columns, np.array(list(coefficients.values()), dtype=float))
        if whole:
            integers = np.array([j for j in range(n) if j not in self.continuous], dtype=np.int32)
            kinds = np.array([highspy.HighsVarType.kInteger] * len(integers))
            model.changeColsIntegrality(len(integers), integers, kinds)
        return model


def _within(published, threshold, perturbed):
    if not perturbed:
        return published, published
    candidates = perturbation.possible_counts(published, threshold)
    return candidates[0], candidates[-1]


def _published_totals(records, layout, threshold, perturbed):
    """{(table, group): published total} of every group whose total the records give away:
    a group with a published non-zero count, whose share is that count over the total."""
    shown = {(r.table, r.group) for r in records if not r.suppressed and r.count}
    out = {}
    for table, group in shown:
        count, key = layout.total(table, group)
        out[(table, group)] = perturbation.perturbed(count, key, threshold) if perturbed else count
    return out


def _structure(program, layout, time):
    """The layout's lines, on the counts of `time` ("o" then, "c" now)."""
    for table, groups in layout.groups.items():
        for group in groups:
            cells = layout.group_cells(table, group)
            program.row([((time, cell), 1.0) for cell in cells] + [((time, "total", table, group), -1.0)], 0, 0)
    for line in layout.lines:
        if line.total is None:
            continue
        if line.group_line:
            table, group, _category = line.cells[0]
            program.row([((time, "total", table, group), 1.0), ((time, line.total), -1.0)], 0, 0)
        else:
            program.row([((time, cell), 1.0) for cell in line.cells] + [((time, line.total), -1.0)], 0, 0)
    one_way = [t for t in layout.groups if t in CHILD_TABLES or (t.startswith("document_access_") and "_by_" not in t)]
    for table in one_way[1:]:
        program.row([((time, "total", table, ALL), 1.0), ((time, "total", one_way[0], ALL), -1.0)], 0, 0)


def _knowledge(program, records, layout, threshold, time, tables, perturbed):
    """What the records of `tables` tell about the counts of `time`."""
    for record in records:
        if record.table in tables and not record.suppressed:
            program.bound(
                (time, (record.table, record.group, record.category)), *_within(record.count, threshold, perturbed)
            )
    for (table, group), total in _published_totals(records, layout, threshold, perturbed).items():
        if table in tables:
            program.bound((time, "total", table, group), *_within(total, threshold, perturbed))


def attack_mixed(then, now, records_then, records_now, threshold, min_change, *, perturbed=True) -> Outcome:
    """Attack release B (`records_now`, from the caseload `now`) together with release A
    (`records_then`, every table fresh, from `then`). Returns the cells checked and the
    failures (module docstring)."""
    repeated = {r.table for r in records_now if r.repeats}
    fresh = {r.table for r in records_now} - repeated
    program = _Program()
    for time, layout in (("o", then), ("c", now)):
        for cell in layout.order:
            program.var((time, cell))
        _structure(program, layout, time)
    _knowledge(program, records_then, then, threshold, "o", set(then.groups), perturbed)
    _knowledge(program, records_now, now, threshold, "c", fresh, perturbed)
    mixed = bool(fresh) and bool(repeated)
    for table in sorted(repeated if mixed else ()):
        distance = []
        for cell in now.order:
            if cell[0] != table:
                continue
            d = ("d", cell)
            program.var(d, continuous=True)
            program.row([(d, 1.0), (("c", cell), -1.0), (("o", cell), 1.0)], 0, np.inf)
            program.row([(d, 1.0), (("c", cell), 1.0), (("o", cell), -1.0)], 0, np.inf)
            distance.append((d, 1.0))
        program.row(distance, 0, min_change - 1)
    ceiling = float(sum(now.counts.values()) + sum(then.counts.values()) + min_change)
    program.upper = [min(u, ceiling) for u in program.upper]

    truth = np.zeros(len(program.lower))
    for time, layout in (("o", then), ("c", now)):
        for cell in layout.order:
            truth[program.names[(time, cell)]] = layout.counts[cell]
        for table, groups in layout.groups.items():
            for group in groups:
                truth[program.names[(time, "total", table, group)]] = layout.total(table, group)[0]
    for name, j in program.names.items():
        if name[0] == "d":
            truth[j] = abs(now.counts[name[1]] - then.counts[name[1]])
    assert all(program.lower[j] <= truth[j] <= program.upper[j] for j in range(len(truth))), "truth infeasible"

    suppressed_now = {(r.table, r.group, r.category) for r in records_now if r.suppressed}
    targets = []  # (kind, variable, true count)
    for cell in now.order:
        n = now.counts[cell]
        if cell[0] in fresh and cell in suppressed_now and n:
            targets.append(("fresh", ("c", cell), n))
        elif cell[0] in repeated and 0 < n < threshold:
            targets.append(("repeated", ("c", cell), n))
    for record in records_then:
        cell = (record.table, record.group, record.category)
        if record.suppressed and then.counts[cell]:
            targets.append(("older", ("o", cell), then.counts[cell]))

    outcome = Outcome()
    n_vars = len(program.lower)
    lp, mip = program.model(whole=False), None
    seen_low, seen_high = truth.copy(), truth.copy()

    def solve(j, sense):
        nonlocal mip, seen_low, seen_high
        costs = np.zeros(n_vars)
        costs[j] = sense
        for model_kind in ("lp", "mip"):
            if model_kind == "mip" and mip is None:
                mip = program.model(whole=True)
            model = lp if model_kind == "lp" else mip
            model.changeColsCost(n_vars, np.arange(n_vars, dtype=np.int32), costs)
            model.run()
            assert model.getModelStatus() == highspy.HighsModelStatus.kOptimal, model.getModelStatus()
            x = np.array(model.getSolution().col_value)
            whole = [i for i in range(n_vars) if i not in program.continuous]
            if np.allclose(x[whole], np.round(x[whole]), atol=1e-6):
                x = np.where(np.isin(np.arange(n_vars), whole), np.round(x), x)
                seen_low, seen_high = np.minimum(seen_low, x), np.maximum(seen_high, x)
                return
        raise AssertionError("branch and bound returned a fractional optimum")  # pragma: no cover

    for kind, name, n in targets:
        outcome.checked[kind] += 1
        j = program.names[name]
        small = n < threshold
        if seen_high[j] < (threshold if small else n + 1):
            solve(j, -1.0)
        if (seen_low[j] > 0) if small else (seen_low[j] == seen_high[j]):
            solve(j, 1.0)
        low, high = int(round(seen_low[j])), int(round(seen_high[j]))
        assert low <= n <= high
        if low == high or (small and (low > 0 or high < threshold)):
            outcome.findings.append(Finding(kind, name[1], n, (low, high)))
    return _excuse_structural(outcome, then, now, threshold)


def _excuse_structural(outcome, then, now, threshold):
    """A small cell whose interval stops below k only because the structure caps it there
    (a group of 3 interviews) is no failure when it reaches what every cell suppressed
    would give."""
    from casework.aggregates.export import records_from

    kept = []
    for finding in outcome.findings:
        low, high = finding.interval
        if low == 0 and high < threshold and low != high:
            layout = then if finding.kind == "older" else now
            everything = records_from(layout, set(layout.order), threshold, perturb=False)
            best = attacker_intervals(everything, known_totals_of(layout), only={finding.cell})[finding.cell][1]
            if high >= min(threshold, best):
                continue
        kept.append(finding)
    outcome.findings = kept
    return outcome
