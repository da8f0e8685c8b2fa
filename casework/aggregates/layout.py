"""The tables of the anonymised aggregates, summed from the grouped rows of `queries`, and
the equations that tie them together.

A `Layout` holds the count of every cell in publication order, and every line (a sum of
cells equal to a total) that someone reading the published figures could use to work out
a hidden cell. `suppression` decides what to hide from those lines; `export` turns the
cells into published records. Nothing here reads the database.

Tables (`table`, `group`, `category`)
=====================================

One-way tables, group `all`: `mother_status`, `living_arrangement`, `hukou_status`,
`province`, `age_band`, `document_access_<kind>` for the four kinds,
`interviews_per_month`, and `doors_opened` (children whose door of each kind opened in
the 12 months up to the reference date; a child may count under several kinds, so its
total is door openings, not children). Cross-tabs, one group per province or age band:
`<table>_by_province` for mother status, living arrangement, hukou status, age band, the
four document-access kinds and interviews per month; `document_access_<kind>_by_age_band`.
Services given: `service_kind` and `service_kind_by_province`; referrals:
`referral_status`. Like interviews, they count records rather than children, so their
groups' totals are known numbers, and a province whose number of children is suppressed
has no services published either.
Every choice value is a category, with 0 where nobody is in it.

Beside its count, every cell has its cell key (`keys`: the sum of its children's record
keys modulo the key range, summed from the rows' `key`), which `perturbation` turns into
the cell's adjustment; a group's total has the sum of its cells' keys (`total`).
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from casework.aggregates.queries import AGE_BANDS
from casework.models import ReferralStatus, ServiceKind
from children.models import RECORD_KEY_RANGE, AccessStatus, DocumentKind, HukouStatus, LivingArrangement
from families.models import MotherStatus, Province

ALL = "all"
MIN_MONTHS = 12

Cell = tuple[str, str, str]  # (table, group, category)


class Tally:
    """Counts and cell keys of grouped rows, by the values of some of their columns."""

    def __init__(self) -> None:
        self.counts: Counter[Any] = Counter()
        self.keys: Counter[Any] = Counter()

    def add(self, value: Any, n: int, key: int) -> None:
        self.counts[value] += n
        self.keys[value] = (self.keys[value] + key) % RECORD_KEY_RANGE


@dataclass
class Line:
    """`sum(cells) == total`: `total` is a cell (possibly suppressed) or None when it is a
    known number (`constant`). `group_line` marks a table's group (as opposed to a
    cross-tab's column)."""

    cells: tuple[Cell, ...]
    total: Cell | None
    constant: int | None
    group_line: bool


@dataclass
class Layout:
    counts: dict[Cell, int] = field(default_factory=dict)
    keys: dict[Cell, int] = field(default_factory=dict)
    order: list[Cell] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    # A group size cell -> the cross-tab groups it is the total of.
    hides: dict[Cell, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    family: dict[str, str] = field(default_factory=dict)  # table -> its one-way table
    categories: dict[str, tuple[str, ...]] = field(default_factory=dict)
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def add_table(
        self,
        name: str,
        groups: Sequence[str],
        categories: Sequence[str],
        counter: Counter[tuple[str, str]],
        family: str,
        keys: Counter[tuple[str, str]] | None = None,
    ) -> None:
        self.categories[name] = tuple(categories)
        self.groups[name] = tuple(groups)
        self.family[name] = family
        for group in groups:
            for category in categories:
                cell = (name, group, category)
                self.counts[cell] = counter.get((group, category), 0)
                self.keys[cell] = (keys or Counter()).get((group, category), 0)
                self.order.append(cell)

    def group_cells(self, table: str, group: str) -> tuple[Cell, ...]:
        return tuple((table, group, category) for category in self.categories[table])

    def total(self, table: str, group: str) -> tuple[int, int]:
        """A group's total count and its cell key (the group's children)."""
        cells = self.group_cells(table, group)
        return sum(self.counts[c] for c in cells), sum(self.keys[c] for c in cells) % RECORD_KEY_RANGE

    def one_way(
        self, name: str, categories: Sequence[str], counter: Counter[str], keys: Counter[str] | None = None
    ) -> None:
        def as_group(values: Counter[str]) -> Counter[tuple[str, str]]:
            return Counter({(ALL, c): n for c, n in values.items()})

        self.add_table(name, [ALL], categories, as_group(counter), name, as_group(keys or Counter()))
        total = sum(counter.values())
        self.lines.append(Line(self.group_cells(name, ALL), None, total, True))

    def cross_tab(
        self,
        margin: str,
        by: str,
        groups: Sequence[str],
        counter: Counter[tuple[str, str]],
        size_table: str | None,
        hidden_by: str | None = None,
        keys: Counter[tuple[str, str]] | None = None,
    ) -> None:
        """`margin`_by_`by`: one group per value of `by`. The group totals are the cells of
        `size_table` (or known numbers when there is no such table). A group is withheld
        whole when its size is suppressed: in `size_table`, or in `hidden_by` for a
        breakdown (interviews) whose totals are not that table's cells."""
        name = f"{margin}_by_{by}"
        categories = self.categories[margin]
        self.add_table(name, groups, categories, counter, margin, keys)
        for group in groups:
            if size_table:
                size = (size_table, ALL, group)
                self.lines.append(Line(self.group_cells(name, group), size, None, True))
                self.hides[size].append((name, group))
            else:
                total = sum(counter.get((group, c), 0) for c in categories)
                self.lines.append(Line(self.group_cells(name, group), None, total, True))
                if hidden_by:
                    self.hides[(hidden_by, ALL, group)].append((name, group))
        for category in categories:
            column = tuple((name, group, category) for group in groups)
            self.lines.append(Line(column, (margin, ALL, category), None, False))


def _months(first: datetime.date | None, today: datetime.date) -> list[str]:
    end = today.replace(day=1)
    start = end
    for _i in range(MIN_MONTHS - 1):
        start = (start - datetime.timedelta(days=1)).replace(day=1)
    if first is not None and first < start:
        start = first.replace(day=1)
    months = []
    month = start
    while month <= end:
        months.append(f"{month:%Y-%m}")
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def _as_date(value: datetime.date) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def build_layout(rows: dict[str, list[dict[str, Any]]], today: datetime.date) -> Layout:
    """Every table, summed from the grouped rows (never from individual records)."""
    layout = Layout()
    provinces = Province.values
    children = rows["children"]

    def tally(data: list[dict[str, Any]], *columns: str) -> Tally:
        out = Tally()
        for row in data:
            value = tuple(row[c] for c in columns) if len(columns) > 1 else row[columns[0]]
            out.add(value, row["n"], row["key"] or 0)
        return out

    def one_way(name: str, categories: Sequence[str], data: list[dict[str, Any]], column: str) -> None:
        counted = tally(data, column)
        layout.one_way(name, categories, counted.counts, counted.keys)

    def cross_tab(
        margin: str,
        by: str,
        groups: Sequence[str],
        data: list[dict[str, Any]],
        size_table: str | None,
        hidden_by: str | None = None,
    ) -> None:
        counted = tally(data, by, margin)
        layout.cross_tab(margin, by, groups, counted.counts, size_table, hidden_by, counted.keys)

    # Group-size tables first: their cells are the totals of the cross-tabs' groups.
    one_way("province", provinces, children, "province")
    one_way("age_band", AGE_BANDS, children, "age_band")
    for name, categories in (
        ("mother_status", MotherStatus.values),
        ("living_arrangement", LivingArrangement.values),
        ("hukou_status", HukouStatus.values),
    ):
        one_way(name, categories, children, name)
        cross_tab(name, "province", provinces, children, "province")
    cross_tab("age_band", "province", provinces, children, "province")

    for kind in DocumentKind.values:
        name = f"document_access_{kind}"
        doors = [{**row, name: row["status"]} for row in rows["doors"] if row["kind"] == kind]
        one_way(name, AccessStatus.values, doors, name)
        cross_tab(name, "province", provinces, doors, "province")
        cross_tab(name, "age_band", AGE_BANDS, doors, "age_band")

    interviews = [{**row, "interviews_per_month": f"{_as_date(row['month']):%Y-%m}"} for row in rows["interviews"]]
    first = min((_as_date(row["month"]) for row in rows["interviews"]), default=None)
    months = _months(first, today)
    one_way("interviews_per_month", months, interviews, "interviews_per_month")
    # Interviews per province are not a published table of their own: their totals are
    # taken as known (the shares give them away). A province whose number of children is
    # suppressed has no interviews by month published either.
    cross_tab("interviews_per_month", "province", provinces, interviews, None, "province")
    # A table of its own, with no cross-tab: its total (taken as known, like every one-way
    # table's) ties its four cells together, and nothing else does.
    one_way("doors_opened", DocumentKind.values, rows.get("doors_opened", []), "kind")

    # Services given by kind and province, and referrals by status: counts of records.
    services = [{**row, "service_kind": row["kind"]} for row in rows.get("services", [])]
    one_way("service_kind", ServiceKind.values, services, "service_kind")
    cross_tab("service_kind", "province", provinces, services, None, "province")
    referrals = [{**row, "referral_status": row["status"]} for row in rows.get("referrals", [])]
    one_way("referral_status", ReferralStatus.values, referrals, "referral_status")
    return layout
