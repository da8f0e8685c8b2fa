"""The dashboard's charts, built from published records: a list of bars for each one-way
table and a matrix for each document-access cross-tab.

These are pure functions of the records (no request, no database, no suppression of their
own), kept out of the views so that the chart's labels and geometry can be read and
changed in one place. The view hands their output to the template as it is.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _

from casework.aggregates.export import Filters, Record
from casework.aggregates.layout import ALL
from casework.aggregates.queries import AGE_BAND_LABELS
from casework.models import ReferralStatus, ServiceKind
from children.models import AccessStatus, DocumentKind, HukouStatus, LivingArrangement
from families.models import MotherStatus, Province

TITLES = {
    "mother_status": _("What happened to the child's mother"),
    "living_arrangement": _("Who the child lives with"),
    "hukou_status": _("Household registration"),
    "province": _("Province"),
    "age_band": _("Age"),
    "interviews_per_month": _("Field interviews per month"),
    **{f"document_access_{kind}": label for kind, label in DocumentKind.choices},
    "doors_opened": _("Doors opened in the 12 months to the reference date"),
    "service_kind": _("Services given"),
    "referral_status": _("Referrals by status"),
}
CATEGORY_LABELS = {
    "mother_status": dict(MotherStatus.choices),
    "living_arrangement": dict(LivingArrangement.choices),
    "hukou_status": dict(HukouStatus.choices),
    "province": dict(Province.choices),
    "age_band": AGE_BAND_LABELS,
    **{f"document_access_{kind}": dict(AccessStatus.choices) for kind in DocumentKind.values},
    "doors_opened": dict(DocumentKind.choices),
    "service_kind": dict(ServiceKind.choices),
    "referral_status": dict(ReferralStatus.choices),
}
GROUP_LABELS = {"province": dict(Province.choices), "age_band": AGE_BAND_LABELS}
ONE_WAY = (
    "mother_status",
    "living_arrangement",
    "hukou_status",
    "age_band",
    "province",
    *(f"document_access_{kind}" for kind in DocumentKind.values),
    "interviews_per_month",
    "doors_opened",
    "service_kind",
    "referral_status",
)
CROSS_TABS = tuple(
    (f"document_access_{kind}_by_{by}", f"document_access_{kind}", by)
    for by in ("province", "age_band")
    for kind in DocumentKind.values
)

# The chart's geometry, in SVG user units (the SVG scales to the width of the page).
BAR_ROW = 26
LABEL_WIDTH = 250  # room for the longest category label (about 34 characters) uncut
BAR_WIDTH = 190
VALUE_WIDTH = 120  # room right of a full bar for its value: "9999 · 100.0%"
LABEL_CHARACTERS = 34
CHART_WIDTH = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH


def _category_label(table: str, category: str) -> str:
    return str(CATEGORY_LABELS.get(table, {}).get(category, category))


def _chart_rows(table: str, records) -> list[dict[str, Any]]:
    """The bars: suppressed cells get a row with the word, never a bar. Interviews are drawn
    against the busiest month, everything else as the share of its group."""
    largest = max((r.count for r in records if r.count), default=0)
    rows = []
    for i, record in enumerate(records):
        if record.suppressed:
            fraction = None
        elif table.startswith("interviews_per_month"):
            fraction = record.count / largest if largest else 0
        else:
            fraction = float(record.share or 0) / 100
        width = 0.0 if fraction is None else round(fraction * BAR_WIDTH, 1)
        rows.append(
            {
                "label": _category_label(table, record.category),
                "record": record,
                "show_share": not table.startswith("interviews_per_month"),
                # Numbers for SVG attributes are written here, not by the template, which
                # would localise the decimal point.
                "y": str(i * BAR_ROW + 5),
                "text_y": str(i * BAR_ROW + 17),
                "width": f"{width:.1f}",
                "value_x": f"{LABEL_WIDTH + width + 6:.1f}",
            }
        )
    return rows


def sections(records: list[Record], filters: Filters) -> list[dict[str, Any]]:
    """One section per one-way table; filtered by province, the province's group of the
    table's `_by_province` cross-tab."""
    by_table: dict[tuple[str, str], list] = {}
    for record in records:
        by_table.setdefault((record.table, record.group), []).append(record)
    result = []
    for name in ONE_WAY:
        key = (f"{name}_by_province", filters.province) if filters.province else (name, ALL)
        rows = by_table.get(key)
        if not rows:
            continue
        result.append(
            {
                "table": key[0],
                "title": TITLES[name],
                "rows": _chart_rows(name, rows),
                "height": max(1, len(rows)) * BAR_ROW,
                "has_suppressed": any(r.suppressed for r in rows),
            }
        )
    return result


def cross_tabs(records: list[Record]) -> list[dict[str, Any]]:
    """Document access by province and by age band, as matrices (groups x statuses)."""
    cells: dict[str, dict[str, list[Record]]] = {}
    for record in records:
        cells.setdefault(record.table, {}).setdefault(record.group, []).append(record)
    tabs = []
    for name, margin, by in CROSS_TABS:
        groups = cells.get(name)
        if not groups:
            continue
        tabs.append(
            {
                "table": name,
                "title": TITLES[margin],
                "by": by,
                "columns": [str(label) for label in CATEGORY_LABELS[margin].values()],
                "rows": [
                    {"label": str(GROUP_LABELS[by].get(group, group)), "cells": group_records}
                    for group, group_records in groups.items()
                ],
            }
        )
    return tabs
