"""The database reads of the anonymised aggregates: six grouped queries and the age bands
they count by.

This is the only module of the feature that reads the database, so it is the one place to
check that no individual record leaves it: every query returns choice values, a month, a
count and a sum of record keys. The tables summed from these rows are built in `layout`, suppressed in
`suppression` and published in `export`.

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

*Doors opened in the period* counts children whose door of a kind went from `no_access`
to `has_access` in the 12 months up to the reference date (`opening_period`: from the day
after the same date a year before, to the end of the reference date, local time), read
from the doors' history: a history row of the period that sets the door to `has_access`,
whose latest earlier row with a status other than `in_progress` said `no_access` (a door
that went through "in progress" on its way counts; one that was "not applicable" does
not). A child counts once per kind however often the door opened, and whatever the door
says now (it may have shut again); open and closed cases alike, as an opening that
happened stays happened. A door created already open has no earlier row and does not
count. The date is the history row's (when it was recorded), not a date someone typed.

*Geography* is no finer than province; there are no dates finer than a month, and no
name, case number, UUID, date of birth, village or free text is read at all: the three
queries below select only choice values, a month, a count and the sum of the counted
children's secret record keys (the cell key of `perturbation`; a child's own key is never
selected).

Every aggregation is a GROUP BY in the database: one query over open children (province x
mother status x living arrangement x hukou status x age band), one over their
document-access rows (kind x status x province x age band), one over interviews (month
x province), one over services given (kind x province), one over referrals (status) and one
over the doors opened in the period (kind). Services and referrals count records, not
children (a child given two services counts twice), of open and closed cases alike; a
referral counts once, under its status today. Every table is a sum over those few hundred
grouped rows, so the number of queries and the Python work do not grow with the number of
children.
"""

import datetime
from typing import Any

from django.db.models import Case, CharField, Count, F, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.models import AggregatesRelease, Interview, Referral, Service
from children.models import AccessStatus, CaseStatus, Child, DocumentAccess
from families.models import MotherStatus

UNKNOWN_AGE = "unknown"
AGE_BANDS = ("0-5", "6-11", "12-17", "18+", UNKNOWN_AGE)
AGE_BAND_LABELS = {
    "0-5": _("0 to 5 years"),
    "6-11": _("6 to 11 years"),
    "12-17": _("12 to 17 years"),
    "18+": _("18 years and over"),
    UNKNOWN_AGE: _("Date of birth not recorded"),
}


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


def opening_period(today: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The period of "doors opened": [start, end) as aware datetimes, the 12 months up to
    and including `today` (the release's reference date)."""
    first_day = _years_before(today, 1) + datetime.timedelta(days=1)
    start = timezone.make_aware(datetime.datetime.combine(first_day, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min))
    return start, end


def doors_opened(today: datetime.date) -> list[dict[str, Any]]:
    """(kind, n, key) of the doors opened in the period (see the module's docstring): one
    grouped query, whose subqueries read the doors' history by door."""
    start, end = opening_period(today)
    history = DocumentAccess.history.model.objects
    before = (
        history.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
        .exclude(status=AccessStatus.IN_PROGRESS)
        .order_by("-history_id")
        .values("status")[:1]
    )
    # From the period's `has_access` rows (the history date is indexed), not from every
    # door: a door's earlier rows are looked up only for those.
    opened_doors = (
        history.filter(status=AccessStatus.HAS_ACCESS, history_date__gte=start, history_date__lt=end)
        .annotate(before=Subquery(before))
        .filter(before=AccessStatus.NO_ACCESS)
        .values("id")
    )
    return list(
        DocumentAccess.objects.filter(pk__in=opened_doors)
        .values("kind")
        .annotate(n=Count("pk"), key=Sum("child__record_key"))
        .order_by()
    )


def grouped_counts(today: datetime.date | None = None) -> dict[str, list[dict[str, Any]]]:
    """The six grouped queries: a few hundred rows whatever the size of the caseload."""
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
        .annotate(n=Count("pk"), key=Sum("record_key"))
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
        .annotate(n=Count("pk"), key=Sum("child__record_key"))
        .order_by()
    )
    interviews = list(
        Interview.objects.values(month=TruncMonth("held_on"), province=F("child__family__province"))
        .annotate(n=Count("pk"), key=Sum("child__record_key"))
        .order_by()
    )
    # Services given (of open and closed cases alike, like interviews: a service given stays
    # given) by kind and province, and referrals by their status now: one grouped query each.
    services = list(
        Service.objects.values("kind", province=F("child__family__province"))
        .annotate(n=Count("pk"), key=Sum("child__record_key"))
        .order_by()
    )
    referrals = list(Referral.objects.values("status").annotate(n=Count("pk"), key=Sum("child__record_key")).order_by())
    return {
        "children": children,
        "doors": doors,
        "interviews": interviews,
        "services": services,
        "referrals": referrals,
        "doors_opened": doors_opened(today),
    }


def latest_release() -> AggregatesRelease | None:
    return AggregatesRelease.objects.order_by("-number").first()


def release_numbers() -> list[int]:
    return list(AggregatesRelease.objects.order_by("-number").values_list("number", flat=True))


def release(number: int) -> AggregatesRelease | None:
    return AggregatesRelease.objects.filter(number=number).first()


def releases_with_publisher() -> list[AggregatesRelease]:
    """Every release, newest first, without its records (the list needs none)."""
    return list(AggregatesRelease.objects.select_related("published_by").defer("records").order_by("-number"))
