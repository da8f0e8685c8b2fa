"""Reads about interviews: the follow-ups they set."""

import datetime

from django.utils import timezone

from children.access import VIEW, visible_child_ids
from children.models import CaseStatus, Child
from children.queries import with_case_summary


def follow_ups(user, *, horizon_days: int = 14):
    """The user's open cases whose latest interview set a follow-up, overdue first."""
    today = timezone.localdate()
    # The ignore: django-stubs 5.2 misreads `__isnull` on an annotation (fixed in 6.x, issue 3098).
    rows = list(
        with_case_summary(  # type: ignore[misc]
            Child.objects.filter(pk__in=visible_child_ids(user, VIEW), case_status=CaseStatus.OPEN), today
        )
        .filter(next_follow_up__isnull=False, next_follow_up__lte=today + datetime.timedelta(days=horizon_days))
        .order_by("next_follow_up", "case_number")
    )
    overdue = [child for child in rows if child.overdue]
    due = [child for child in rows if not child.overdue]
    return overdue, due, today
