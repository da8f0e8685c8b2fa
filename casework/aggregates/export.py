"""The published records of the anonymised aggregates, and their CSV and JSON.

`compute` runs the whole chain (the grouped reads of `queries`, the tables of `layout`,
the disclosure control of `suppression`) and returns one record per cell; `select`
narrows those records to the page's filters without recounting anything; the writers
serialise the same records for the dashboard's downloads and the `export_aggregates`
command. A share is the cell's count as a percentage of its group's total, with one
decimal, and is published only when the count is.
"""

import csv
import datetime
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TextIO

from django.conf import settings
from django.utils import timezone

from casework.aggregates.layout import Cell, Layout, build_layout
from casework.aggregates.queries import grouped_counts
from casework.aggregates.suppression import suppress
from casework.models import AggregatesRelease

FIELDS = ("table", "group", "category", "count", "share", "suppressed")


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

    @classmethod
    def from_json(cls, data: dict) -> "Record":
        share = data["share"]
        return cls(
            data["table"],
            data["group"],
            data["category"],
            data["count"],
            None if share is None else Decimal(str(share)).quantize(Decimal("0.1")),
            data["suppressed"],
        )

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

    def __bool__(self) -> bool:
        return bool(self.province or self.year)


def _share(count: int, total: int) -> Decimal | None:
    if total <= 0:
        return None
    return (Decimal(count) * 100 / Decimal(total)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def records_from(layout: Layout, suppressed: set[Cell]) -> list[Record]:
    totals: Counter[tuple[str, str]] = Counter()
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


def release_records(release: AggregatesRelease) -> list[Record]:
    """The records of a published release, exactly as they were frozen."""
    return [Record.from_json(data) for data in release.records]


def select(records: list[Record], filters: Filters) -> list[Record]:
    """A filtered view: a subset of the unfiltered export's records, never a recount."""
    chosen = records
    if filters.province:
        chosen = [r for r in chosen if r.table.endswith("_by_province") and r.group == filters.province]
    if filters.year:
        prefix = f"{filters.year}-"
        chosen = [r for r in chosen if not r.table.startswith("interviews_per_month") or r.category.startswith(prefix)]
    return chosen


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


def write_csv(records: list[Record], stream: TextIO) -> None:
    writer = csv.writer(stream, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(FIELDS)
    for record in records:
        writer.writerow([_safe(value) for value in record.as_row()])


def write_json(records: list[Record], stream: TextIO) -> None:
    json.dump([record.as_json() for record in records], stream, ensure_ascii=False, indent=1)
    stream.write("\n")


WRITERS: dict[str, Callable[[list[Record], TextIO], None]] = {"csv": write_csv, "json": write_json}
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def export_filename(fmt: str, filters: Filters, release: AggregatesRelease) -> str:
    """Built from validated values only (a release, a province choice, a year), never from
    raw input."""
    parts = ["aggregates", f"release{release.number}", f"{release.reference_date:%Y%m%d}"]
    if filters.province:
        parts.append(filters.province)
    if filters.year:
        parts.append(str(filters.year))
    return "-".join(parts) + "." + fmt
