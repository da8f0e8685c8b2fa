"""Disclosure control for the anonymised aggregates: which cells of a `Layout` are withheld.

A small count could point at a child, and a withheld count must not be recoverable from
the published ones, by arithmetic or by the integer programs an outsider can build. This
module only decides which cells to suppress (it reads no database and formats nothing), so
that the whole protection can be reviewed in one place.

The attacker
============

The published figures are one system of linear equations, the way an attacker would read
them: every group of every table adds up to its group total (taken as known, because a
published count and its share give it away), every column of a cross-tab adds up to the
matching cell of its one-way table, the group totals of the `_by_province` and
`_by_age_band` cross-tabs are the cells of the `province` and `age_band` tables, and
every count is a non-negative whole number. For a suppressed cell the attacker's
*interval* is the least and the greatest value it takes over all non-negative integer
solutions of that system.

The requirement
===============

The threshold k is `settings.AGGREGATES_MIN_CELL` (default 5, never below 3). After
suppression, for every suppressed cell whose true count is not zero:

- it is not determined exactly (its interval is wider than one value);
- if its true count is from 1 to k-1, its interval reaches from 0 to at least k: the
  protection rule that tau-ARGUS applies to frequency tables (an outsider can neither tell
  that the cell is non-empty nor that it is small). Where the known totals cap a cell
  below k (a group of 3 interviews), the interval must reach the cap instead;
- no breakdown is published for a group whose size is suppressed (the cross-tab group,
  and interviews by province for a province whose size is suppressed).

A suppressed zero may be determined (a published zero says as much).

The method
==========

1. *Primary suppression*: every count from 1 to k-1 (zero is published), and every group
   whose known total is from 1 to k-1, whole.
2. *Hidden groups*: a breakdown of a group whose size is suppressed is suppressed whole.
3. *Complementary suppression with protection levels*: every line (a table's group, a
   cross-tab's column with its one-way cell) holds no suppressed cell or at least two.
   The complement is the smallest published count that can give the suppressed cell its
   protection (at least k minus its count, so the two can trade enough to reach k; zeros
   only when nothing else is left).
4. *Audit*: `failures` checks every suppressed non-zero cell against the requirement by
   solving the attacker's integer programs (its least and greatest value) with HiGHS
   (`highspy`, one model per connected part of the system, warm started from one
   objective to the next); an LP optimum that is already whole is the integer optimum,
   the rest go to HiGHS's branch and bound. Every whole solution found is a witness for
   every cell, so most cells need no solve of their own.
   A cell that fails the requirement gets a protecting complement in every line it is in;
   if it fails again, every cell of its lines; then its whole family of tables; then
   everything. Suppressing more only widens every interval, so this ends.

A share is published only when its count is. Page filters cannot open a differencing
attack: a filtered view (one province, interviews of one year) only ever shows records of
the one unfiltered export, whose suppression already covers its cross-tabs and totals.
"""

import os
import sys
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import highspy
import numpy as np

from casework.aggregates.layout import Cell, Layout, Line

Interval = tuple[int, int]


def _silence_banner() -> None:
    """HiGHS prints its banner to the process's standard output the first time a solver is
    made, which would corrupt `export_aggregates` writing CSV to standard output: make that
    first one here, with file descriptor 1 pointed at the null device."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


_silence_banner()


def _equations(layout: Layout, suppressed: set[Cell]) -> list[tuple[dict[Cell, int], int]]:
    """Every line with a suppressed cell, as {unknown: coefficient} == constant (the
    published cells and known totals moved to the constant)."""
    counts = layout.counts
    equations = []
    for line in layout.lines:
        coefficients: dict[Cell, int] = defaultdict(int)
        constant = 0
        for cell in line.cells:
            if cell in suppressed:
                coefficients[cell] += 1
            else:
                constant -= counts[cell]
        if line.total is None:
            constant += line.constant or 0
        elif line.total in suppressed:
            coefficients[line.total] -= 1
        else:
            constant += counts[line.total]
        coefficients = defaultdict(int, {c: v for c, v in coefficients.items() if v})
        if coefficients:
            equations.append((dict(coefficients), constant))
    return equations


def _components(cells: Iterable[Cell], equations: list[tuple[dict[Cell, int], int]]) -> list[list[int]]:
    """Equations grouped by the connected parts of the unknowns (union-find)."""
    parent = {cell: cell for cell in cells}

    def root(cell: Cell) -> Cell:
        while parent[cell] != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    for coefficients, _constant in equations:
        first, *rest = coefficients
        for cell in rest:
            parent[root(cell)] = root(first)
    parts: dict[Cell, list[int]] = defaultdict(list)
    for i, (coefficients, _constant) in enumerate(equations):
        parts[root(next(iter(coefficients)))].append(i)
    return list(parts.values())


def _model(unknowns: list[Cell], rows: list[tuple[dict[Cell, int], int]], upper: float, whole: bool) -> Any:
    """One connected part of the attacker's system as a HiGHS model (no objective yet)."""
    model = highspy.Highs()
    model.setOptionValue("output_flag", False)
    n = len(unknowns)
    index = {cell: j for j, cell in enumerate(unknowns)}
    model.addVars(n, np.zeros(n), np.full(n, upper))
    for coefficients, constant in rows:
        columns = np.array([index[c] for c in coefficients], dtype=np.int32)
        values = np.array(list(coefficients.values()), dtype=float)
        model.addRow(float(constant), float(constant), len(columns), columns, values)
    if whole:
        model.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * n))
    return model


class _Part:
    """The least or greatest whole value of one unknown of one connected part, with HiGHS:
    the LP first (warm started from the last basis); where its optimum is not whole, the
    integer program."""

    def __init__(self, unknowns: list[Cell], rows: list[tuple[dict[Cell, int], int]], upper: float) -> None:
        self.unknowns, self.rows, self.upper = unknowns, rows, upper
        self.n = len(unknowns)
        self.lp = _model(unknowns, rows, upper, whole=False)
        self.mip: Any = None

    def _run(self, model: Any, j: int, sense: float) -> tuple[float, np.ndarray]:
        model.changeColsCost(self.n, np.arange(self.n, dtype=np.int32), np.zeros(self.n))
        model.changeColCost(j, sense)
        model.run()
        if model.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            # The true counts are a solution, so this means the solver failed.
            raise RuntimeError(f"disclosure audit could not be solved: {model.getModelStatus()}")
        return sense * model.getInfo().objective_function_value, np.array(model.getSolution().col_value)

    def bound(self, j: int, sense: float) -> tuple[int, np.ndarray]:
        """The least (sense 1) or greatest (sense -1) whole value of unknown j, and a whole
        solution that reaches it."""
        value, x = self._run(self.lp, j, sense)
        if np.allclose(x, np.round(x), atol=1e-7):
            return round(value), np.round(x)
        if self.mip is None:
            self.mip = _model(self.unknowns, self.rows, self.upper, whole=True)
        value, x = self._run(self.mip, j, sense)
        return round(value), np.round(x)


def caps(layout: Layout) -> dict[Cell, int]:
    """The greatest value the known totals allow each cell (the smallest known total it
    adds up to, directly or through the group-size cells)."""
    cap = dict.fromkeys(layout.order, sum(layout.counts.values()))
    changed = True
    while changed:
        changed = False
        for line in layout.lines:
            bound = line.constant if line.total is None else cap[line.total]
            if bound is None:
                continue
            for cell in line.cells:
                if cap[cell] > bound:
                    cap[cell] = bound
                    changed = True
    return cap


def failures(layout: Layout, suppressed: set[Cell], threshold: int) -> dict[Cell, Interval]:
    """The suppressed non-zero cells whose attacker's interval fails the requirement (module
    docstring), with what is known of that interval. Every whole solution found is kept as
    a witness, so a requirement that an earlier solve already shows met is not solved for."""
    counts = layout.counts
    cap = caps(layout)
    equations = _equations(layout, suppressed)
    upper = float(max([abs(constant) for _c, constant in equations] + [sum(counts.values()), 1]))
    failing: dict[Cell, Interval] = {}
    for part in _components(suppressed, equations):
        rows = [equations[i] for i in part]
        unknowns = sorted({cell for coefficients, _k in rows for cell in coefficients})
        seen_low = np.array([counts[c] for c in unknowns], dtype=float)
        seen_high = seen_low.copy()
        solver = _Part(unknowns, rows, upper)
        for j, cell in enumerate(unknowns):
            count = counts[cell]
            if not count:
                continue
            small = count < threshold
            reach = min(threshold, cap[cell]) if small else count + 1
            if seen_high[j] < reach:
                _high, x = solver.bound(j, -1.0)
                seen_low, seen_high = np.minimum(seen_low, x), np.maximum(seen_high, x)
            if (seen_low[j] > 0) if small else (seen_low[j] == seen_high[j]):
                _low, x = solver.bound(j, 1.0)
                seen_low, seen_high = np.minimum(seen_low, x), np.maximum(seen_high, x)
            low, high = int(seen_low[j]), int(seen_high[j])
            if low == high or (small and (low > 0 or high < reach)):
                failing[cell] = (low, high)
    # A suppressed cell in no line at all is bounded by nothing: it cannot fail.
    return failing


def _lines_of(layout: Layout) -> dict[Cell, list[Line]]:
    lines: dict[Cell, list[Line]] = defaultdict(list)
    for line in layout.lines:
        for cell in line.cells:
            lines[cell].append(line)
        if line.total is not None:
            lines[line.total].append(line)
    return lines


def suppress(layout: Layout, threshold: int) -> set[Cell]:
    """The cells to suppress (see the module docstring for the requirement and method)."""
    counts = layout.counts
    suppressed = {cell for cell, n in counts.items() if 0 < n < threshold}
    for line in layout.lines:
        if line.group_line and line.constant is not None and 0 < line.constant < threshold:
            suppressed.update(line.cells)
    rank = {cell: i for i, cell in enumerate(layout.order)}
    lines_of = _lines_of(layout)
    everything = set(layout.order)

    def protect(cell: Cell, line: Line) -> bool:
        """Suppress the smallest published count of `line` that can trade `cell` up to the
        threshold (its protection level); a zero only when nothing else is left."""
        members = [*line.cells, *([line.total] if line.total is not None and not line.group_line else [])]
        candidates = [c for c in members if c not in suppressed and c != line.total]
        if not candidates:
            return False
        need = max(threshold - counts[cell], 1) if counts[cell] < threshold else 1
        enough = [c for c in candidates if counts[c] >= need]
        positive = [c for c in candidates if counts[c] > 0]
        pick = min(enough or positive or candidates, key=lambda c: (counts[c], rank[c]))
        suppressed.add(pick)
        return True

    def settle() -> None:
        changed = True
        while changed:
            changed = False
            for size, groups in layout.hides.items():
                if size in suppressed:
                    for table, group in groups:
                        cells = set(layout.group_cells(table, group))
                        if not cells <= suppressed:
                            suppressed.update(cells)
                            changed = True
            for line in layout.lines:
                members = list(line.cells)
                if not line.group_line and line.total is not None:
                    members.append(line.total)
                hidden = [c for c in members if c in suppressed]
                if len(hidden) == 1 and protect(hidden[0], line):
                    changed = True

    escalated: dict[Cell, int] = defaultdict(int)
    while True:
        settle()
        failing = failures(layout, suppressed, threshold)
        if not failing or suppressed == everything:
            return suppressed
        for cell in sorted(failing, key=lambda c: rank[c]):
            escalated[cell] += 1
            level = escalated[cell]
            if level == 1:
                for line in lines_of[cell]:
                    protect(cell, line)
            elif level == 2:
                for line in lines_of[cell]:
                    suppressed.update(line.cells)
            elif level == 3:
                family = layout.family[cell[0]]
                suppressed.update(c for c in layout.order if layout.family[c[0]] == family)
            else:
                suppressed.update(everything)
