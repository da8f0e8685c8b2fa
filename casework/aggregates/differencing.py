"""Protection between releases: a release publishes new figures only when every table has
moved enough since the figures the previous release showed; otherwise it repeats them all.

Why. Cell-key perturbation keeps a cell's figure as long as its children stay the same (the
same children give the same figure in every release). Someone who holds two releases around
one known event in a child's case (the case opened or closed, the mother's status changed,
a birthday into the next age band) and knows it was the only change can therefore read the
child's category off every cell whose figure moved. No bounded noise hides that: whatever
cell keys do, a table that changed by one child shows it. What hides it is not publishing
the change.

The rule. A release is fresh (every table counted now, suppressed and audited as one
export, then perturbed) only if every table the previous release published either did not
change at all or changed in at least `settings.AGGREGATES_MIN_TABLE_CHANGE` places (default
10, never below 3; one event changes a table in at most two places). Otherwise the whole
release repeats, row for row, the previous release's figures, each labelled with the
release and date it was counted for, and names the tables that held it back.

All tables together, not table by table: a release that mixed fresh tables with repeated
ones would not be one audited export. The fresh tables (through their shares, the current
size of every province) can prove how many of a repeated table's m - 1 places were spent
elsewhere, and what is left can bound one of its small current counts below the threshold
(tests/casework/aggregates/test_mixed_release_attack.py shows such counterexamples for a
table-by-table rule). The price is freshness: a table that changes rarely holds the release
back until it has moved enough.

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
release after it is fresh.
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
    # The tables that changed in 1 to min_change - 1 places: why the release repeats.
    blocking: frozenset[str] = frozenset()


def plan(layout: Layout, previous: Basis, *, release: int, reference_date: str, min_change: int) -> Plan:
    """Decide between publishing `layout`'s figures (as release `release`, counted on
    `reference_date`) and repeating the previous release's: all tables together. Fresh
    when every table the previous release published either did not change or changed in
    at least `min_change` places; otherwise every table repeats, and a table the previous
    release did not publish (a table new in this version) waits for the next fresh one."""
    tables = _cells_of(layout)
    blocking = {
        table
        for table, cells in tables.items()
        if table in previous and 0 < changed_places(cells, previous[table].cells) < min_change
    }
    if not blocking:
        basis = {table: TableBasis(release, reference_date, cells) for table, cells in tables.items()}
        return Plan(frozenset(tables), {}, basis, frozenset())
    repeated = {table: previous[table] for table in tables if table in previous}
    return Plan(frozenset(), repeated, dict(previous), frozenset(blocking))
