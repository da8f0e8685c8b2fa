"""Protection between releases: a table is published afresh only when its caseload has moved
enough since the release that last published it; otherwise the new release repeats that
release's figures for it.

Why. Cell-key perturbation keeps a cell's figure as long as its children stay the same (the
same children give the same figure in every release). Someone who holds two releases around
one known event in a child's case (the case opened or closed, the mother's status changed,
a birthday into the next age band) and knows it was the only change can therefore read the
child's category off every cell whose figure moved. No bounded noise hides that: whatever
cell keys do, a table that changed by one child shows it. What hides it is not publishing
the change: a table is published afresh only if the places where its cells changed add up
to at least `settings.AGGREGATES_MIN_TABLE_CHANGE` (default 10, never below 3; one event
changes a table in at most two places). Otherwise, unchanged tables included (their counts
are the same, but their suppression could differ because another table changed), the
release repeats, row for row, the figures the table had in the previous release, labelled
with the release and date they were counted for.

"Places" of a table between two caseloads: over its cells, how many children entered or
left each one, as far as the counts and cell keys tell: |difference of counts|, or 2 when
the count is the same but the cell key moved (one child left and another entered).

What a release keeps for this (`AggregatesRelease.basis`, never serialised, shown or
exported): per table, the number and date of the release whose figures it publishes, and
the true count and cell key of each of its cells then. The cell keys are sums of record
keys, as secret as the keys themselves; they stay in the database like the keys.

Limits (docs/disclosure.md). The rule is against an outsider who knows one event and that
it was the only one; an outsider who knows every change but one among ten in a table can
still difference. A release published before this rule existed has no basis: the first
release after it publishes every table afresh.
"""

from dataclasses import dataclass

from casework.aggregates.layout import Layout

# In the basis, a cell is "group\x1fcategory" (JSON keys are strings).
_SEPARATOR = "\x1f"


@dataclass(frozen=True)
class TableBasis:
    """What a table's published figures were counted from."""

    release: int
    reference_date: str
    cells: dict[tuple[str, str], tuple[int, int]]  # (group, category) -> (count, cell key)

    def as_json(self) -> dict:
        return {
            "release": self.release,
            "reference_date": self.reference_date,
            "cells": {f"{g}{_SEPARATOR}{c}": [n, k] for (g, c), (n, k) in self.cells.items()},
        }

    @classmethod
    def from_json(cls, data: dict) -> "TableBasis":
        cells = {}
        for name, (count, key) in data["cells"].items():
            group, _, category = name.partition(_SEPARATOR)
            cells[(group, category)] = (int(count), int(key))
        return cls(int(data["release"]), str(data["reference_date"]), cells)


Basis = dict[str, TableBasis]


def basis_from_json(data: dict | None) -> Basis:
    return {table: TableBasis.from_json(value) for table, value in (data or {}).items()}


def basis_as_json(basis: Basis) -> dict:
    return {table: value.as_json() for table, value in basis.items()}


def _cells_of(layout: Layout) -> dict[str, dict[tuple[str, str], tuple[int, int]]]:
    tables: dict[str, dict[tuple[str, str], tuple[int, int]]] = {}
    for cell in layout.order:
        table, group, category = cell
        tables.setdefault(table, {})[(group, category)] = (layout.counts[cell], layout.keys.get(cell, 0))
    return tables


def changed_places(now: dict[tuple[str, str], tuple[int, int]], then: dict[tuple[str, str], tuple[int, int]]) -> int:
    """How many times a child entered or left one of the table's cells between `then` and
    `now`, as the counts and cell keys tell (a cell missing on one side counts 0)."""
    places = 0
    for name in now.keys() | then.keys():
        count_now, key_now = now.get(name, (0, 0))
        count_then, key_then = then.get(name, (0, 0))
        if count_now != count_then:
            places += abs(count_now - count_then)
        elif key_now != key_then:
            places += 2
    return places


@dataclass(frozen=True)
class Plan:
    """Which tables a new release publishes afresh and which repeat earlier figures, and the
    basis the new release keeps."""

    fresh: frozenset[str]
    repeated: dict[str, TableBasis]  # table -> the basis of the figures it repeats
    basis: Basis


def plan(layout: Layout, previous: Basis, *, release: int, reference_date: str, min_change: int) -> Plan:
    """Decide, table by table, between publishing `layout`'s figures (as release `release`,
    counted on `reference_date`) and repeating the previous release's."""
    fresh, repeated, basis = set(), {}, {}
    for table, cells in _cells_of(layout).items():
        before = previous.get(table)
        # Unchanged counts repeat too: the table's suppression could still differ (a group
        # size suppressed elsewhere, another complement), and that difference would show.
        if before is not None and changed_places(cells, before.cells) < min_change:
            repeated[table] = before
            basis[table] = before
        else:
            fresh.add(table)
            basis[table] = TableBasis(release, reference_date, cells)
    return Plan(frozenset(fresh), repeated, basis)
