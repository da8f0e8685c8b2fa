"""The published records of the anonymised aggregates, and their CSV and JSON.

`compute` runs the whole chain (the grouped reads of `queries`, the tables of `layout`,
the disclosure control of `suppression`) and returns one record per cell; `select`
narrows those records to the page's filters without recounting anything; the writers
serialise the same records for the dashboard's downloads and the `export_aggregates`
command, each row with its release's reference date, threshold, perturbation bound and
variance. A count is perturbed (`perturbation`); its share is that published count as a
percentage of its group's published total, with one decimal, and is published only when
the count is.
"""

import csv
import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import TextIO

from django.conf import settings
from django.utils import timezone

from casework.aggregates import differencing, perturbation
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
    # Set when the release repeats an earlier release's figure for this table
    # (`differencing`): that release's number and the date its caseload was counted on.
    repeats: tuple[int, str] | None = None

    def as_json(self) -> dict:
        data: dict[str, object] = {
            "table": self.table,
            "group": self.group,
            "category": self.category,
            "count": self.count,
            "share": None if self.share is None else float(self.share),
            "suppressed": self.suppressed,
        }
        if self.repeats:
            data["repeats"] = list(self.repeats)
        return data

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
            (int(data["repeats"][0]), str(data["repeats"][1])) if data.get("repeats") else None,
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


def records_from(layout: Layout, suppressed: set[Cell], threshold: int, *, perturb: bool = True) -> list[Record]:
    """The published records: suppressed cells empty, the others perturbed by their cell
    keys (`perturbation`), with shares of their group's published total. `perturb=False`
    gives the true counts of the published cells (for tests and the closing numbers only)."""

    def published(count: int, key: int) -> int:
        return perturbation.perturbed(count, key, threshold) if perturb else count

    totals: dict[tuple[str, str], int | None] = {}
    for table, groups in layout.groups.items():
        for group in groups:
            count, key = layout.total(table, group)
            # A group of 1 to k-1 is suppressed whole: it has no published total.
            totals[(table, group)] = published(count, key) if count == 0 or count >= threshold else None
    records = []
    for cell in layout.order:
        table, group, category = cell
        total = totals[(table, group)]
        if cell in suppressed or total is None:
            records.append(Record(table, group, category, None, None, True))
        else:
            count = published(layout.counts[cell], layout.keys[cell])
            records.append(Record(table, group, category, count, _share(count, total), False))
    return records


def release_records_from(
    layout: Layout,
    suppressed: set[Cell],
    threshold: int,
    plan: differencing.Plan,
    previous: list[Record],
    *,
    perturb: bool = True,
) -> list[Record]:
    """A new release's records: the tables `plan` publishes afresh from `layout`, and for
    the others the previous release's records, row for row, marked with the release and
    date they were counted for."""
    fresh = [r for r in records_from(layout, suppressed, threshold, perturb=perturb) if r.table in plan.fresh]
    earlier: dict[str, list[Record]] = {}
    for record in previous:
        if record.table in plan.repeated:
            basis = plan.repeated[record.table]
            earlier.setdefault(record.table, []).append(replace(record, repeats=(basis.release, basis.reference_date)))
    by_table: dict[str, list[Record]] = {}
    for record in fresh:
        by_table.setdefault(record.table, []).append(record)
    tables = dict.fromkeys(cell[0] for cell in layout.order)
    return [record for table in tables for record in by_table.get(table) or earlier.get(table, [])]


def compute(*, threshold: int | None = None, today: datetime.date | None = None, perturb: bool = True) -> list[Record]:
    """Every record of the unfiltered export, suppressed on the true counts, then perturbed
    (`perturb=False`: the true counts, for tests of what is counted and for measuring the
    perturbation; never published)."""
    today = today or timezone.localdate()
    threshold = threshold or settings.AGGREGATES_MIN_CELL
    layout = build_layout(grouped_counts(today), today)
    return records_from(layout, suppress(layout, threshold), threshold, perturb=perturb)


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


# Every row also carries what a reader needs to read its figure: the release, the date its
# caseload was counted on, the suppression threshold, the perturbation's bound and variance
# and a sentence saying what they mean. They come after the six columns of the record.
RELEASE_FIELDS = ("release", "reference_date", "threshold", "perturbation_bound", "perturbation_variance", "note")


def variance_text(release: AggregatesRelease) -> str:
    """The variance as written in the files and on the page ("1.2", as stored or not)."""
    return format(Decimal(release.perturbation_variance).normalize(), "f")


def release_note(release: AggregatesRelease, repeats: tuple[int, str] | None = None) -> str:
    """What a figure of this release means, in one sentence (English: the files are read
    by software and analysts; the dashboard says the same in the reader's language), and
    for a repeated table's figure, whose figure it repeats and why."""
    if release.perturbation_bound:
        how = (
            f"Counts are perturbed by at most {release.perturbation_bound} "
            f"(variance {variance_text(release)}) and counts from 1 to {release.threshold - 1} "
            "are suppressed; totals may not add up exactly"
        )
    else:
        how = f"Counts from 1 to {release.threshold - 1} are suppressed"
    note = f"Release {release.number}, caseload counted on {release.reference_date:%Y-%m-%d}. {how}."
    if repeats:
        note += (
            f" This figure repeats release {repeats[0]}'s (caseload counted on {repeats[1]}): the caseload "
            "changed in too few places since then to publish new figures without revealing the children who changed."
        )
    return note


def _release_values(release: AggregatesRelease, record: Record) -> list[str]:
    return [
        str(release.number),
        record.repeats[1] if record.repeats else f"{release.reference_date:%Y-%m-%d}",
        str(release.threshold),
        str(release.perturbation_bound),
        variance_text(release),
        release_note(release, record.repeats),
    ]


def write_csv(records: list[Record], stream: TextIO, release: AggregatesRelease) -> None:
    writer = csv.writer(stream, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(FIELDS + RELEASE_FIELDS)
    for record in records:
        writer.writerow([_safe(value) for value in [*record.as_row(), *_release_values(release, record)]])


def write_json(records: list[Record], stream: TextIO, release: AggregatesRelease) -> None:
    def about(record: Record) -> dict:
        return {
            "release": release.number,
            "reference_date": record.repeats[1] if record.repeats else f"{release.reference_date:%Y-%m-%d}",
            "threshold": release.threshold,
            "perturbation_bound": release.perturbation_bound,
            "perturbation_variance": float(variance_text(release)),
            "note": release_note(release, record.repeats),
        }

    rows = [{key: value for key, value in record.as_json().items() if key != "repeats"} for record in records]
    json.dump(
        [row | about(record) for row, record in zip(rows, records, strict=True)], stream, ensure_ascii=False, indent=1
    )
    stream.write("\n")


WRITERS: dict[str, Callable[[list[Record], TextIO, AggregatesRelease], None]] = {
    "csv": write_csv,
    "json": write_json,
}
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
