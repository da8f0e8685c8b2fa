"""Publishing a release of the anonymised aggregates: the one write of the feature.

A release freezes the records of one unfiltered export (counted, tabled, suppressed and
perturbed by `export.compute`) with the perturbation's bound and variance, who published
it, when, why and the date the caseload was counted on. The dashboard, its downloads and
`export_aggregates` serve releases only, so a data admin can no longer take a fresh export
at any moment and compare two of them: a new figure exists only when a release is published, at most
`settings.AGGREGATES_RELEASES_PER_MONTH` a calendar month (default 1; 0 lifts the limit),
always with a reason, always in the access log. When some table changed in only a few
places since the previous release, the new one repeats that release's figures
(`differencing`), so that two releases around one change in a case cannot be compared to
reveal it.
"""

import datetime

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.aggregates import differencing, perturbation
from casework.aggregates.export import release_records, release_records_from
from casework.aggregates.layout import build_layout
from casework.aggregates.queries import grouped_counts
from casework.aggregates.suppression import suppress
from casework.audit.services import log_access
from casework.models import AccessAction, AggregatesRelease


def _month_start(moment: datetime.datetime) -> datetime.datetime:
    local = timezone.localtime(moment)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


@transaction.atomic
def publish_release(
    *, by: User | None, reason: str, today: datetime.date | None = None, now: datetime.datetime | None = None
) -> AggregatesRelease:
    """Count, suppress and freeze the aggregates as the next release. `by` is None only for
    the first release made at the console by `export_aggregates`. Raises ValidationError
    without a reason, or when this calendar month already has its releases."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("A release needs a reason."), code="reason")
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    limit = settings.AGGREGATES_RELEASES_PER_MONTH
    # Lock the newest release so that two publishers cannot both pass the monthly limit.
    latest = AggregatesRelease.objects.select_for_update().order_by("-number").first()
    if limit and AggregatesRelease.objects.filter(published_at__gte=_month_start(now)).count() >= limit:
        raise ValidationError(
            _("This month already has its release; the next one can be published next month."), code="limit"
        )
    threshold = settings.AGGREGATES_MIN_CELL
    number = (latest.number + 1) if latest else 1
    layout = build_layout(grouped_counts(today), today)
    plan = differencing.plan(
        layout,
        differencing.basis_from_json(latest.basis) if latest else {},
        release=number,
        reference_date=today.isoformat(),
        min_change=settings.AGGREGATES_MIN_TABLE_CHANGE,
    )
    records = release_records_from(
        layout, suppress(layout, threshold), threshold, plan, release_records(latest) if latest else []
    )
    release = AggregatesRelease(
        number=number,
        published_at=now,
        published_by=by,
        reason=reason,
        reference_date=today,
        threshold=threshold,
        perturbation_bound=perturbation.BOUND,
        perturbation_variance=perturbation.VARIANCE,
        records=[record.as_json() for record in records],
        basis=differencing.basis_as_json(plan.basis),
    )
    release.full_clean()
    release.save()
    # The reason is free text and stays out of the access log; the number points at it.
    log_access(
        user=by or AnonymousUser(),
        action=AccessAction.EXPORT,
        object_type="aggregates_release",
        object_id=release.number,
        detail={
            "published": release.number,
            "reference_date": today.isoformat(),
            "records": len(records),
            # Whether it repeats an earlier release, and which tables changed too little.
            "repeats": next(iter(plan.repeated.values())).release if plan.repeated else None,
            "held_back_by": sorted(plan.blocking),
        },
    )
    return release
