"""The data admin's dashboard of anonymised aggregates, and its CSV and JSON downloads.

Only the data admin reaches these pages; anyone else signed in gets 404 (and the attempt
is in the access log), anyone signed out the login page. Nothing here reads an individual
record: everything comes from casework.aggregates, which reads grouped counts only.
"""

import io

from django import forms
from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from casework.aggregates import export as aggregates
from casework.audit.services import log_access
from casework.models import AccessAction
from casework.web.gates import data_admin_required
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
}
CATEGORY_LABELS = {
    "mother_status": dict(MotherStatus.choices),
    "living_arrangement": dict(LivingArrangement.choices),
    "hukou_status": dict(HukouStatus.choices),
    "province": dict(Province.choices),
    "age_band": aggregates.AGE_BAND_LABELS,
    **{f"document_access_{kind}": dict(AccessStatus.choices) for kind in DocumentKind.values},
}
GROUP_LABELS = {"province": dict(Province.choices), "age_band": aggregates.AGE_BAND_LABELS}
ONE_WAY = (
    "mother_status",
    "living_arrangement",
    "hukou_status",
    "age_band",
    "province",
    *(f"document_access_{kind}" for kind in DocumentKind.values),
    "interviews_per_month",
)
CROSS_TABS = tuple(
    (f"document_access_{kind}_by_{by}", f"document_access_{kind}", by)
    for by in ("province", "age_band")
    for kind in DocumentKind.values
)

# The chart's geometry, in SVG user units (the SVG scales to the width of the page).
BAR_ROW = 26
LABEL_WIDTH = 190
BAR_WIDTH = 190


class FilterForm(forms.Form):
    """Predefined values only: a province of the list, a year that has interviews."""

    province = forms.ChoiceField(label=_("Province"), required=False, choices=[("", _("All provinces"))])
    year = forms.TypedChoiceField(label=_("Interviews in"), required=False, coerce=int, empty_value=None)

    def __init__(self, data, *, years):
        super().__init__(data)
        self.fields["province"].choices = [("", _("All provinces")), *Province.choices]
        self.fields["year"].choices = [("", _("All years")), *((str(y), str(y)) for y in years)]

    def filters(self) -> aggregates.Filters:
        return aggregates.Filters(province=self.cleaned_data["province"], year=self.cleaned_data["year"])


def _filters(request, records) -> tuple[FilterForm, aggregates.Filters | None]:
    form = FilterForm(request.GET, years=aggregates.available_years(records))
    return form, (form.filters() if form.is_valid() else None)


def _category_label(table: str, category: str) -> str:
    return str(CATEGORY_LABELS.get(table, {}).get(category, category))


def _chart_rows(table: str, records) -> list[dict]:
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


def _sections(records, filters: aggregates.Filters) -> list[dict]:
    """One section per one-way table; filtered by province, the province's group of the
    table's `_by_province` cross-tab."""
    by_table: dict[tuple[str, str], list] = {}
    for record in records:
        by_table.setdefault((record.table, record.group), []).append(record)
    sections = []
    for name in ONE_WAY:
        key = (f"{name}_by_province", filters.province) if filters.province else (name, aggregates.ALL)
        rows = by_table.get(key)
        if not rows:
            continue
        sections.append(
            {
                "table": key[0],
                "title": TITLES[name],
                "rows": _chart_rows(name, rows),
                "height": max(1, len(rows)) * BAR_ROW,
                "has_suppressed": any(r.suppressed for r in rows),
            }
        )
    return sections


def _cross_tabs(records) -> list[dict]:
    """Document access by province and by age band, as matrices (groups x statuses)."""
    cells = {}
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


@data_admin_required("aggregates")
@require_GET
def dashboard(request):
    records = aggregates.compute()
    form, filters = _filters(request, records)
    filters = filters or aggregates.Filters()
    shown = aggregates.select(records, filters)
    log_access(
        user=request.user,
        action=AccessAction.VIEW,
        object_type="aggregates",
        request=request,
        detail=filters.as_detail(),
    )
    # The download links carry the validated filters only, never the raw query string.
    query = urlencode({k: v for k, v in (("province", filters.province), ("year", filters.year)) if v})
    context = {
        "form": form,
        "filters": filters,
        "sections": _sections(shown, filters),
        "cross_tabs": [] if filters.province else _cross_tabs(shown),
        "query": query,
        "province_label": dict(Province.choices).get(filters.province, ""),
        "threshold": settings.AGGREGATES_MIN_CELL,
        "label_width": LABEL_WIDTH,
        "bar_width": BAR_WIDTH,
        "chart_width": LABEL_WIDTH + BAR_WIDTH + 80,
    }
    return render(request, "casework/aggregates/dashboard.html", context)


@data_admin_required("aggregates")
@require_GET
def download(request, fmt):
    if fmt not in aggregates.WRITERS:
        raise Http404
    records = aggregates.compute()
    _form, filters = _filters(request, records)
    if filters is None:
        raise Http404  # a filter value that is not on the list
    chosen = aggregates.select(records, filters)
    stream = io.StringIO()
    aggregates.WRITERS[fmt](chosen, stream)
    log_access(
        user=request.user,
        action=AccessAction.EXPORT,
        object_type="aggregates",
        request=request,
        detail={"format": fmt, **filters.as_detail(), "records": len(chosen), "source": "download"},
    )
    response = HttpResponse(stream.getvalue(), content_type=aggregates.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=aggregates.export_filename(fmt, filters)
    )
    return response
