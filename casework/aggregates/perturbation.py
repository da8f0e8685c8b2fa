"""Cell-key perturbation of the published counts (the method of the Australian Bureau of
Statistics' TableBuilder and of the UK's 2021 census), and the published table it uses.

Why
===

Suppression (`suppression`) protects one release. Two releases can still be subtracted:
with exact counts, a case opened between them adds exactly 1 to every cell the child is
in. Perturbation adds to every published count a small adjustment that looks like noise to
anyone without the record keys, so that a difference of one child is not read off as +1.

The keys
========

Every child carries a secret *record key* (`children.models.Child.record_key`): a whole
number drawn uniformly from 0 to R - 1 (R = `RECORD_KEY_RANGE` = 1000) when the case is
opened, never changed, never shown, never exported and not in the history. A cell's *cell
key* is the sum of the record keys of the children counted in it, modulo R: computed by the
database (`SUM(record_key)` in the grouped queries of `queries`), never read child by
child. The sums live only in the memory of the export (a group of one child's sum is that
child's key): they reach no page, file, log or release. An interview counts with its
child's key. Two cells with the same children
have the same cell key and the same count, so they get the same adjustment: the same
figure in every table and in every release (the total of a province's group in a
cross-tab is its cell in the province table). Publishing the same caseload twice gives
the same figures, so repeating releases cannot average the noise away. A cell that gains
or loses a child gets a new cell key that, without the child's record key, is uniform and
independent of the old one.

The table
=========

`adjustment(count, cell_key, threshold)` reads the row of the count: the cell key,
as a position from 0 to R - 1, falls into one of the row's adjustments, each of which
owns a number of positions out of R (its probability in thousandths). With the bound
D = `BOUND` = 2 and the suppression threshold k:

============== ======================================================== ========
count n        adjustment: positions out of 1000                        variance
============== ======================================================== ========
0              0: 1000 (a zero stays zero)                              0
1 to k - 1     never published (suppressed before perturbation)         -
k              0: 1000                                                  0
k + 1          -1: 300, 0: 500, +1: 100, +2: 100                        0.8
k + 2 and more -2: 100, -1: 200, 0: 400, +1: 200, +2: 100               1.2
============== ======================================================== ========

Every row has mean zero, so over many cells the noise adds nothing on average; no
adjustment exceeds D in size; no published count is from 1 to k - 1 (a count of k or k + 1
is never moved below k). `VARIANCE` (1.2, the largest row's) and `BOUND` are stored with
every release and printed with its figures; the record keys and cell keys are not.

Suppression and perturbation
============================

Suppression is decided on the true counts (`suppression.suppress`, whose audit proves
every suppressed cell safe against an attacker who knows every published count exactly);
the published cells are then perturbed. An outsider who knows the table and D only knows
that a published count p hides a true count in `possible_counts(p)` (within D of p), a
wider set than the exact p the audit allowed her, so every interval the audit proved can
only grow. Shares are computed from the published counts: a count's share is its
published count over its group's published total, which is itself a perturbed cell (the
group's children, with their cell key). Published cells of one table therefore need not
add up exactly to their total, nor a cross-tab's column to its one-way cell.
"""

from decimal import Decimal
from functools import cache

from children.models import RECORD_KEY_RANGE

BOUND = 2
VARIANCE = Decimal("1.2")

# Rows by the count's distance above the threshold (a distance of BOUND or more uses
# FULL_ROW): {adjustment: positions out of RECORD_KEY_RANGE}.
NEAR_THRESHOLD_ROWS: dict[int, dict[int, int]] = {
    0: {0: 1000},
    1: {-1: 300, 0: 500, 1: 100, 2: 100},
}
FULL_ROW: dict[int, int] = {-2: 100, -1: 200, 0: 400, 1: 200, 2: 100}
ZERO_ROW: dict[int, int] = {0: 1000}


def row(count: int, threshold: int) -> dict[int, int]:
    """The published row of the table for a true count (module docstring)."""
    if count == 0:
        return ZERO_ROW
    if count < threshold:
        raise ValueError("a count below the threshold is suppressed, never perturbed")
    return NEAR_THRESHOLD_ROWS.get(count - threshold, FULL_ROW)


@cache
def _positions(count_row: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    """(first position past the adjustment's positions, adjustment), in order."""
    out, end = [], 0
    for change, width in count_row:
        end += width
        out.append((end, change))
    return tuple(out)


def adjustment(count: int, cell_key: int, threshold: int) -> int:
    """The adjustment of a published cell: the same for the same count and cell key."""
    position = cell_key % RECORD_KEY_RANGE
    for end, change in _positions(tuple(sorted(row(count, threshold).items()))):
        if position < end:
            return change
    raise AssertionError("a row covers every position")  # pragma: no cover


def perturbed(count: int, cell_key: int, threshold: int) -> int:
    return count + adjustment(count, cell_key, threshold)


def possible_counts(published: int, threshold: int) -> list[int]:
    """The true counts an outsider who knows this table (but no key) cannot rule out for a
    published count: those whose row has the adjustment that leads to it."""
    if published == 0:
        return [0]
    candidates = range(max(threshold, published - BOUND), published + BOUND + 1)
    return [n for n in candidates if row(n, threshold).get(published - n, 0) > 0]
