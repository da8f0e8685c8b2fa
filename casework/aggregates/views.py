"""The data admin's dashboard of anonymised aggregates, and its CSV and JSON downloads.

Only the data admin reaches these pages; anyone else signed in gets 404 (and the attempt
is in the access log), anyone signed out the login page. Nothing here reads an individual
record: everything comes from casework.aggregates, which reads grouped counts only.
"""

import io

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.http import require_GET

from casework.aggregates import charts
from casework.aggregates import export as aggregates
from casework.aggregates.forms import FilterForm
from casework.audit.services import log_access
from casework.models import AccessAction
from casework.web.gates import data_admin_required
from families.models import Province


def _filters(request: HttpRequest, records: list[aggregates.Record]) -> tuple[FilterForm, aggregates.Filters | None]:
    form = FilterForm(request.GET, years=aggregates.available_years(records))
    return form, (form.filters() if form.is_valid() else None)


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
        "sections": charts.sections(shown, filters),
        "cross_tabs": [] if filters.province else charts.cross_tabs(shown),
        "query": query,
        "province_label": dict(Province.choices).get(filters.province, ""),
        "threshold": settings.AGGREGATES_MIN_CELL,
        "label_width": charts.LABEL_WIDTH,
        "bar_width": charts.BAR_WIDTH,
        "chart_width": charts.CHART_WIDTH,
        "label_characters": charts.LABEL_CHARACTERS,
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
    # Never None: as_attachment=True always gives a header.
    response["Content-Disposition"] = str(
        content_disposition_header(as_attachment=True, filename=aggregates.export_filename(fmt, filters))
    )
    return response
