"""The data admin's dashboard of anonymised aggregates, its CSV and JSON downloads, and the
releases page where a new release is published.

Only the data admin reaches these pages; anyone else signed in gets 404 (and the attempt
is in the access log), anyone signed out the login page. Nothing here reads an individual
record or counts anything live: the dashboard and the downloads show a published release
(the latest, or an earlier one by number), and a release is made only by
`casework.aggregates.services.publish_release`.
"""

import io

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.http import require_GET, require_http_methods

from casework.aggregates import charts, queries
from casework.aggregates import export as aggregates
from casework.aggregates.forms import FilterForm, PublishForm, ReleaseForm
from casework.aggregates.services import publish_release
from casework.audit.services import log_access
from casework.models import AccessAction, AggregatesRelease
from casework.web.gates import data_admin_required
from families.models import Province


def _release(request: HttpRequest) -> AggregatesRelease | None:
    """The release asked for (the latest without a choice); None when there is none or the
    number is not on the list."""
    numbers = queries.release_numbers()
    form = ReleaseForm(request.GET, numbers=numbers)
    if not numbers or not form.is_valid():
        return None
    return queries.release(form.cleaned_data["release"] or numbers[0])


def _filters(request: HttpRequest, records: list[aggregates.Record]) -> tuple[FilterForm, aggregates.Filters | None]:
    form = FilterForm(request.GET, years=aggregates.available_years(records))
    return form, (form.filters() if form.is_valid() else None)


@data_admin_required("aggregates")
@require_GET
def dashboard(request):
    release = _release(request)
    if release is None and queries.release_numbers():
        raise Http404  # a release number that is not on the list
    records = aggregates.release_records(release) if release else []
    form, filters = _filters(request, records)
    filters = filters or aggregates.Filters()
    shown = aggregates.select(records, filters)
    log_access(
        user=request.user,
        action=AccessAction.VIEW,
        object_type="aggregates",
        request=request,
        detail={**filters.as_detail(), "release": release.number if release else None},
    )
    # The download links carry the validated choices only, never the raw query string.
    chosen = (("release", release.number if release else None), ("province", filters.province), ("year", filters.year))
    query = urlencode({k: v for k, v in chosen if v})
    context = {
        "release": release,
        "releases": queries.release_numbers(),
        "form": form,
        "filters": filters,
        "sections": charts.sections(shown, filters) if release else [],
        "cross_tabs": [] if filters.province or not release else charts.cross_tabs(shown),
        "query": query,
        "province_label": dict(Province.choices).get(filters.province, ""),
        # A release repeats all of an earlier one's figures or none (differencing).
        "repeats": records[0].repeats if records else None,
        "threshold": release.threshold if release else None,
        "variance": aggregates.variance_text(release) if release else None,
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
    release = _release(request)
    if release is None:
        raise Http404  # no release yet, or a number that is not on the list
    records = aggregates.release_records(release)
    _form, filters = _filters(request, records)
    if filters is None:
        raise Http404  # a filter value that is not on the list
    chosen = aggregates.select(records, filters)
    stream = io.StringIO()
    aggregates.WRITERS[fmt](chosen, stream, release)
    log_access(
        user=request.user,
        action=AccessAction.EXPORT,
        object_type="aggregates",
        request=request,
        detail={
            "format": fmt,
            **filters.as_detail(),
            "release": release.number,
            "records": len(chosen),
            "source": "download",
        },
    )
    response = HttpResponse(stream.getvalue(), content_type=aggregates.CONTENT_TYPES[fmt])
    # Never None: as_attachment=True always gives a header.
    response["Content-Disposition"] = str(
        content_disposition_header(as_attachment=True, filename=aggregates.export_filename(fmt, filters, release))
    )
    return response


@data_admin_required("aggregates")
@require_http_methods(["GET", "POST"])
def releases(request):
    """Every release (who, when, why, counted on) and the form that publishes the next."""
    form = PublishForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            release = publish_release(by=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as refusal:
            form.add_error(None, refusal)
        else:
            return redirect(f"{reverse('aggregates:dashboard')}?{urlencode({'release': release.number})}")
    log_access(user=request.user, action=AccessAction.LIST, object_type="aggregates_release", request=request)
    listed = queries.releases_with_publisher()
    return render(request, "casework/aggregates/releases.html", {"form": form, "releases": listed})
