"""Disclosure control for the anonymised aggregates: which cells of a `Layout` are withheld.

A small count could point at a child, and a withheld count must not be recoverable from
the published ones by arithmetic. This module only decides which cells to suppress (it
reads no database and formats nothing), so that the whole protection can be reviewed in
one place. The algorithm:

Disclosure control
==================

The threshold k is `settings.AGGREGATES_MIN_CELL` (default 5, never below 3).

The published figures are treated as one system of linear equations, the way an attacker
would: every group of every table adds up to its group total (the group total is taken as
known, because a published count and its share give it away), and every column of a
cross-tab adds up to the matching cell of its one-way table; the group totals of the
`_by_province` and `_by_age_band` cross-tabs are the cells of the `province` and
`age_band` tables. Suppression then runs in four steps until nothing changes:

1. *Primary suppression*: every count from 1 to k-1. Zero is published (an empty
   category says nothing about any child).
2. *Small and hidden groups*: a group whose known total is from 1 to k-1 is suppressed
   entirely; a cross-tab group whose size is suppressed in `province` or `age_band` is
   suppressed entirely too (its shares would otherwise give the size away).
3. *Complementary suppression*: every equation (a table's group, a cross-tab's column
   with its one-way cell) holds either no suppressed cell or at least two; in any one
   table and group, either none or at least two cells are suppressed. Where a line has
   exactly one, the smallest positive published count of that line is suppressed with it
   (a zero only where no positive count is left), so the suppressed cells can trade
   counts among themselves without changing any published figure.
4. *Exact check*: the whole system is solved (Gaussian elimination over the published
   equations; the suppressed cells are the unknowns) and any suppressed cell that is
   still determined by what is published (and is not zero) has every other cell of its
   equations suppressed too; failing that, its whole family of tables; failing that,
   everything.

A share is published only when its count is. Page filters cannot open a differencing
attack: a filtered view (one province, interviews of one year) only ever shows records of
the one unfiltered export (the province's group of the `_by_province` cross-tabs, the
months of the year), whose suppression already covers its cross-tabs and their totals, so
no two views can be subtracted to reveal more than the unfiltered export itself.

What is not claimed: the check is exact over real numbers; a determined zero is allowed
(a published zero is); an attacker who knows this algorithm and the choice of
complements may narrow a range; and successive exports of a changing caseload can be
compared (who joined between two dates is not protected beyond the threshold).
"""

from casework.aggregates.layout import Cell, Layout

PRIME = (1 << 61) - 1


def determined_cells(layout: Layout, suppressed: set[Cell]) -> set[Cell]:
    """Suppressed cells whose value follows from the published ones over the reals: those
    whose unit vector lies in the row space of the equations restricted to the unknowns.
    Elimination is exact, modulo a 61-bit prime (the coefficients are 0 and +-1)."""
    unknowns = sorted(suppressed)
    index = {cell: i for i, cell in enumerate(unknowns)}
    rows: list[dict[int, int]] = []
    for line in layout.lines:
        row: dict[int, int] = {}
        for cell in line.cells:
            if cell in suppressed:
                row[index[cell]] = (row.get(index[cell], 0) + 1) % PRIME
        if line.total is not None and line.total in suppressed:
            row[index[line.total]] = (row.get(index[line.total], 0) - 1) % PRIME
        row = {k: v for k, v in row.items() if v}
        if row:
            rows.append(row)
    pivots: dict[int, dict[int, int]] = {}  # pivot column -> reduced row
    for row in rows:
        for col, prow in pivots.items():
            if col in row:
                factor = row[col]
                for k, v in prow.items():
                    row[k] = (row.get(k, 0) - factor * v) % PRIME
                row = {k: v for k, v in row.items() if v}
        if not row:
            continue
        col = min(row)
        inverse = pow(row[col], PRIME - 2, PRIME)
        row = {k: v * inverse % PRIME for k, v in row.items()}
        for prow in pivots.values():
            if col in prow:
                factor = prow[col]
                for k, v in row.items():
                    prow[k] = (prow.get(k, 0) - factor * v) % PRIME
                for k in [k for k, v in prow.items() if not v]:
                    del prow[k]
        pivots[col] = row
    return {unknowns[col] for col, row in pivots.items() if len(row) == 1}


def suppress(layout: Layout, threshold: int) -> set[Cell]:
    """The cells to suppress (see the module docstring for the algorithm)."""
    counts = layout.counts
    suppressed = {cell for cell, n in counts.items() if 0 < n < threshold}
    for line in layout.lines:
        if line.group_line and line.constant is not None and 0 < line.constant < threshold:
            suppressed.update(line.cells)
    rank = {cell: i for i, cell in enumerate(layout.order)}
    escalated: dict[Cell, int] = {}

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
                if len(hidden) != 1:
                    continue
                candidates = [c for c in line.cells if c not in suppressed]
                if not candidates:
                    continue
                positive = [c for c in candidates if counts[c] > 0]
                pick = min(positive or candidates, key=lambda c: (counts[c], rank[c]))
                suppressed.add(pick)
                changed = True

    settle()
    while True:
        leaking = sorted(c for c in determined_cells(layout, suppressed) if counts[c] > 0)
        if not leaking:
            return suppressed
        for cell in leaking:
            level = escalated.get(cell, 0) + 1
            escalated[cell] = level
            if level == 1:
                for line in layout.lines:
                    if cell in line.cells or cell == line.total:
                        suppressed.update(line.cells)
            elif level == 2:
                family = layout.family[cell[0]]
                suppressed.update(c for c in layout.order if layout.family[c[0]] == family)
            else:
                suppressed.update(layout.order)
        if len(suppressed) == len(layout.order) and all(escalated.get(c, 0) >= 3 for c in leaking):
            return suppressed
        settle()
