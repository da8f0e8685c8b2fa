"""Anonymised aggregates for head office: counts and shares, with disclosure control.

What is counted
===============

*Population.* The child tables count the open caseload: children whose case is open
(`case_status = open`). A closed case is no longer followed, so its mother's status and
doors are no longer current; counting it would mix today's picture with stale records.
`interviews_per_month` counts field interviews (of open and closed cases alike: an
interview that was held stays held) from the first month with an interview, and at least
the last twelve months, up to the current month.

*Mother status counts children*: each child counts once, under its mother's status (a
mother of two children counts twice), so the figures read like the survey's ("36% of the
children's mothers were repatriated"). A child whose family has no mother recorded counts
as `unknown`.

*Age band* is the child's age today in whole years: `0-5`, `6-11`, `12-17`, `18+`, and
`unknown` for a child without a date of birth. `unknown` is a category of its own (not
left out) so that every breakdown of the same population adds up to the same total, and
a cross-tab by age band adds up to its one-way table.

*Geography* is no finer than province; there are no dates finer than a month, and no
name, case number, UUID, date of birth, village or free text is read at all: the three
queries below select only choice values, a month and a count.

Every aggregation is a GROUP BY in the database: one query over open children (province x
mother status x living arrangement x hukou status x age band), one over their
document-access rows (kind x status x province x age band) and one over interviews (month
x province). Every table is a sum over those few hundred grouped rows, so the number of
queries and the Python work do not grow with the number of children.

Tables (`table`, `group`, `category`)
=====================================

One-way tables, group `all`: `mother_status`, `living_arrangement`, `hukou_status`,
`province`, `age_band`, `document_access_<kind>` for the four kinds, and
`interviews_per_month`. Cross-tabs, one group per province or age band:
`<table>_by_province` for mother status, living arrangement, hukou status, age band, the
four document-access kinds and interviews per month; `document_access_<kind>_by_age_band`.
Every choice value is a category, with 0 where nobody is in it.

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

A share is the cell's count as a percentage of its group's total, with one decimal, and
is published only when the count is. Page filters cannot open a differencing attack:
a filtered view (one province, interviews of one year) only ever shows records of the
one unfiltered export (the province's group of the `_by_province` cross-tabs, the months
of the year), whose suppression already covers its cross-tabs and their totals, so no two
views can be subtracted to reveal more than the unfiltered export itself.

What is not claimed: the check is exact over real numbers; a determined zero is allowed
(a published zero is); an attacker who knows this algorithm and the choice of
complements may narrow a range; and successive exports of a changing caseload can be
compared (who joined between two dates is not protected beyond the threshold).
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Case, CharField, Count, F, Value, When
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.models import Interview
from children.models import (
    AccessStatus,
    CaseStatus,
    Child,
    DocumentAccess,
    DocumentKind,
    HukouStatus,
    LivingArrangement,
)
from families.models import MotherStatus, Province

FIELDS = ("table", "group", "category", "count", "share", "suppressed")
ALL = "all"
UNKNOWN_AGE = "unknown"
AGE_BANDS = ("0-5", "6-11", "12-17", "18+", UNKNOWN_AGE)
AGE_BAND_LABELS = {
    "0-5": _("0 to 5 years"),
    "6-11": _("6 to 11 years"),
    "12-17": _("12 to 17 years"),
    "18+": _("18 years and over"),
    UNKNOWN_AGE: _("Date of birth not recorded"),
}
MIN_MONTHS = 12

Cell = tuple[str, str, str]  # (table, group, category)


@dataclass(frozen=True)
class Record:
    """One published cell: a row of the CSV, an object of the JSON."""

    table: str
    group: str
    category: str
    count: int | None
    share: Decimal | None
    suppressed: bool

    def as_json(self) -> dict:
        return {
            "table": self.table,
            "group": self.group,
            "category": self.category,
            "count": self.count,
            "share": None if self.share is None else float(self.share),
            "suppressed": self.suppressed,
        }

    def as_row(self) -> list[str]:
        return [
            self.table,
            self.group,
            self.category,
            "" if self.count is None else str(self.count),
            "" if self.share is None else str(self.share),
            "true" if self.suppressed else "false",
        ]


@dataclass(frozen=True)
class Filters:
    """The page's filters: one province (its group of the `_by_province` cross-tabs) and
    one year (the interview months of that year). Empty means no filter."""

    province: str = ""
    year: int | None = None

    def as_detail(self) -> dict:
        return {"province": self.province or None, "year": self.year}

    def __bool__(self):
        return bool(self.province or self.year)


# ---------------------------------------------------------------------------------------
# The three GROUP BY queries
# ---------------------------------------------------------------------------------------


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def age_band_expression(field_name: str, today: datetime.date) -> Case:
    """The age band computed by the database: a child is 6 on the day it was born six years
    before today."""
    return Case(
        When(**{f"{field_name}__isnull": True}, then=Value(UNKNOWN_AGE)),
        When(**{f"{field_name}__gt": _years_before(today, 6)}, then=Value("0-5")),
        When(**{f"{field_name}__gt": _years_before(today, 12)}, then=Value("6-11")),
        When(**{f"{field_name}__gt": _years_before(today, 18)}, then=Value("12-17")),
        default=Value("18+"),
        output_field=CharField(),
    )


def grouped_counts(today: datetime.date | None = None) -> dict[str, list[dict]]:
    """The three grouped queries: a few hundred rows whatever the size of the caseload."""
    today = today or timezone.localdate()
    children = list(
        Child.objects.filter(case_status=CaseStatus.OPEN)
        .values(
            "living_arrangement",
            "hukou_status",
            province=F("family__province"),
            mother_status=Coalesce(F("family__mother__status"), Value(MotherStatus.UNKNOWN)),
            age_band=age_band_expression("date_of_birth", today),
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    doors = list(
        DocumentAccess.objects.filter(child__case_status=CaseStatus.OPEN)
        .values(
            "kind",
            "status",
            province=F("child__family__province"),
            age_band=age_band_expression("child__date_of_birth", today),
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    interviews = list(
        Interview.objects.values(month=TruncMonth("held_on"), province=F("child__family__province"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {"children": children, "doors": doors, "interviews": interviews}


# ---------------------------------------------------------------------------------------
# The tables and the equations that tie them together
# ---------------------------------------------------------------------------------------


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
    order: list[Cell] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    # A group size cell -> the cross-tab groups it is the total of.
    hides: dict[Cell, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    family: dict[str, str] = field(default_factory=dict)  # table -> its one-way table
    categories: dict[str, tuple[str, ...]] = field(default_factory=dict)
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def add_table(self, name, groups, categories, counter: Counter, family: str):
        self.categories[name] = tuple(categories)
        self.groups[name] = tuple(groups)
        self.family[name] = family
        for group in groups:
            for category in categories:
                cell = (name, group, category)
                self.counts[cell] = counter.get((group, category), 0)
                self.order.append(cell)

    def group_cells(self, table, group) -> tuple[Cell, ...]:
        return tuple((table, group, category) for category in self.categories[table])

    def one_way(self, name, categories, counter: Counter):
        self.add_table(name, [ALL], categories, Counter({(ALL, c): n for c, n in counter.items()}), name)
        total = sum(counter.values())
        self.lines.append(Line(self.group_cells(name, ALL), None, total, True))

    def cross_tab(self, margin, by, groups, counter: Counter, size_table: str | None):
        """`margin`_by_`by`: one group per value of `by`. The group totals are the cells of
        `size_table` (or known numbers when there is no such table)."""
        name = f"{margin}_by_{by}"
        categories = self.categories[margin]
        self.add_table(name, groups, categories, counter, margin)
        for group in groups:
            if size_table:
                size = (size_table, ALL, group)
                self.lines.append(Line(self.group_cells(name, group), size, None, True))
                self.hides[size].append((name, group))
            else:
                total = sum(counter.get((group, c), 0) for c in categories)
                self.lines.append(Line(self.group_cells(name, group), None, total, True))
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


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def build_layout(rows: dict[str, list[dict]], today: datetime.date) -> Layout:
    """Every table, summed from the grouped rows (never from individual records)."""
    layout = Layout()
    provinces = Province.values
    children = rows["children"]

    def tally(data, *keys) -> Counter:
        counter = Counter()
        for row in data:
            counter[tuple(row[k] for k in keys) if len(keys) > 1 else row[keys[0]]] += row["n"]
        return counter

    # Group-size tables first: their cells are the totals of the cross-tabs' groups.
    layout.one_way("province", provinces, tally(children, "province"))
    layout.one_way("age_band", AGE_BANDS, tally(children, "age_band"))
    for name, categories in (
        ("mother_status", MotherStatus.values),
        ("living_arrangement", LivingArrangement.values),
        ("hukou_status", HukouStatus.values),
    ):
        layout.one_way(name, categories, tally(children, name))
        layout.cross_tab(name, "province", provinces, tally(children, "province", name), "province")
    layout.cross_tab("age_band", "province", provinces, tally(children, "province", "age_band"), "province")

    for kind in DocumentKind.values:
        doors = [row for row in rows["doors"] if row["kind"] == kind]
        name = f"document_access_{kind}"
        layout.one_way(name, AccessStatus.values, tally(doors, "status"))
        layout.cross_tab(name, "province", provinces, tally(doors, "province", "status"), "province")
        layout.cross_tab(name, "age_band", AGE_BANDS, tally(doors, "age_band", "status"), "age_band")

    interviews = [{**row, "month": f"{_as_date(row['month']):%Y-%m}"} for row in rows["interviews"]]
    first = min((_as_date(row["month"]) for row in rows["interviews"]), default=None)
    months = _months(first, today)
    layout.one_way("interviews_per_month", months, tally(interviews, "month"))
    # Interviews per province are not a published table of their own: their totals are
    # taken as known (the shares give them away).
    layout.cross_tab("interviews_per_month", "province", provinces, tally(interviews, "province", "month"), None)
    return layout


# ---------------------------------------------------------------------------------------
# Suppression
# ---------------------------------------------------------------------------------------

PRIME = (1 << 61) - 1


def determined_cells(layout: Layout, suppressed: set[Cell]) -> set[Cell]:
    """Suppressed cells whose value follows from the published ones over the reals: those
    whose unit vector lies in the row space of the equations restricted to the unknowns.
    Elimination is exact, modulo a 61-bit prime (the coefficients are 0 and +-1)."""
    unknowns = sorted(suppressed)
    index = {cell: i for i, cell in enumerate(unknowns)}
    rows = []
    for line in layout.lines:
        row = {}
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

    def settle():
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


def _share(count: int, total: int) -> Decimal | None:
    if total <= 0:
        return None
    return (Decimal(count) * 100 / Decimal(total)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def records_from(layout: Layout, suppressed: set[Cell]) -> list[Record]:
    totals = Counter()
    for (table, group, _category), n in layout.counts.items():
        totals[(table, group)] += n
    records = []
    for cell in layout.order:
        table, group, category = cell
        if cell in suppressed:
            records.append(Record(table, group, category, None, None, True))
        else:
            count = layout.counts[cell]
            records.append(Record(table, group, category, count, _share(count, totals[(table, group)]), False))
    return records


def compute(*, threshold: int | None = None, today: datetime.date | None = None) -> list[Record]:
    """Every record of the unfiltered export, suppressed."""
    today = today or timezone.localdate()
    threshold = threshold or settings.AGGREGATES_MIN_CELL
    layout = build_layout(grouped_counts(today), today)
    return records_from(layout, suppress(layout, threshold))


def select(records: list[Record], filters: Filters) -> list[Record]:
    """A filtered view: a subset of the unfiltered export's records, never a recount."""
    chosen = records
    if filters.province:
        chosen = [r for r in chosen if r.table.endswith("_by_province") and r.group == filters.province]
    if filters.year:
        prefix = f"{filters.year}-"
        chosen = [r for r in chosen if not r.table.startswith("interviews_per_month") or r.category.startswith(prefix)]
    return chosen


def export_records(filters: Filters | None = None, **kwargs) -> list[Record]:
    return select(compute(**kwargs), filters or Filters())


def available_years(records: list[Record]) -> list[int]:
    return sorted({int(r.category[:4]) for r in records if r.table == "interviews_per_month"}, reverse=True)


# ---------------------------------------------------------------------------------------
# Serialisation: one set of records, two formats
# ---------------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")


def _safe(value: str) -> str:
    # Every value is a table name, a choice value, a month or a number; the guard stays in
    # case a category ever becomes free text (spreadsheet formula injection).
    return "'" + value if value.startswith(_FORMULA_START) else value


def write_csv(records: list[Record], stream) -> None:
    import csv

    writer = csv.writer(stream, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(FIELDS)
    for record in records:
        writer.writerow([_safe(value) for value in record.as_row()])


def write_json(records: list[Record], stream) -> None:
    import json

    json.dump([record.as_json() for record in records], stream, ensure_ascii=False, indent=1)
    stream.write("\n")


WRITERS = {"csv": write_csv, "json": write_json}
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def export_filename(fmt: str, filters: Filters, today: datetime.date | None = None) -> str:
    """Built from validated values only (a province choice, a year), never from raw input."""
    today = today or timezone.localdate()
    parts = ["aggregates", f"{today:%Y%m%d}"]
    if filters.province:
        parts.append(filters.province)
    if filters.year:
        parts.append(str(filters.year))
    return "-".join(parts) + "." + fmt
