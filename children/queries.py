"""Reusable reads of case data, always starting from the ids the access gate allows."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Case, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from casework.models import Interview
from children.access import VIEW, visible_child_ids
from children.models import AccessStatus, CaseStatus, Child, DocumentAccess, DocumentKind

PAGE_SIZE = 25

# The doors in the order caseworkers read them (school, clinic, marriage, bank), not alphabetical.
DOOR_ORDER = Case(*[When(kind=kind, then=Value(i)) for i, kind in enumerate(DocumentKind.values)])


def search_filter(text: str) -> Q:
    """Every word must match a name or the case number (so "Kim Min" finds Kim Minji)."""
    condition = Q()
    for word in text.split()[:5]:
        condition &= Q(given_name__icontains=word) | Q(family_name__icontains=word) | Q(case_number__icontains=word)
    return condition


def _latest_interview():
    return Interview.objects.filter(child=OuterRef("pk")).order_by("-held_on", "-created_at")


def with_case_summary(queryset: QuerySet[Child]) -> QuerySet[Child]:
    """Add what a list row shows: the last interview, the follow-up it set, the mother and
    the four doors (prefetched: one query for the whole page, not one per row)."""
    return (
        queryset.select_related("family__mother")
        .annotate(
            last_interview=Max("interviews__held_on"),
            next_follow_up=Subquery(_latest_interview().values("follow_up_on")[:1]),
        )
        .prefetch_related(Prefetch("document_access", queryset=DocumentAccess.objects.order_by(DOOR_ORDER)))
    )


@dataclass
class CasePage:
    children: list[Child]
    number: int
    count: int
    page_size: int = PAGE_SIZE
    today: datetime.date = field(default_factory=timezone.localdate)

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.page_size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages


def case_page(
    user,
    *,
    search: str = "",
    case_status: str = "",
    mother_status: str = "",
    shut_door: str = "",
    overdue: bool = False,
    ordering=("case_number",),
    page: int = 1,
) -> CasePage:
    """One page of the user's cases. The visible ids are read first and the page is then
    fetched by primary key, so the children table is never scanned (issue 2 measurements);
    without a filter the number of ids is the count, with no COUNT query."""
    today = timezone.localdate()
    ids = visible_child_ids(user, VIEW)
    queryset: QuerySet[Child] = Child.objects.filter(pk__in=ids)
    filtered = False
    if search.strip():
        queryset, filtered = queryset.filter(search_filter(search)), True
    if case_status:
        queryset, filtered = queryset.filter(case_status=case_status), True
    if mother_status:
        queryset, filtered = queryset.filter(family__mother__status=mother_status), True
    if shut_door:
        shut = DocumentAccess.objects.filter(kind=shut_door, status=AccessStatus.NO_ACCESS)
        queryset, filtered = queryset.filter(pk__in=shut.values("child_id")), True
    queryset = with_case_summary(queryset)
    if overdue:
        queryset, filtered = queryset.filter(next_follow_up__lt=today, case_status=CaseStatus.OPEN), True
    if not ids:
        count = 0
    elif filtered:
        count = queryset.count()
    else:
        count = len(ids)
    num_pages = max(1, -(-count // PAGE_SIZE))
    number = min(max(1, page), num_pages)
    offset = (number - 1) * PAGE_SIZE
    rows = list(queryset.order_by(*ordering)[offset : offset + PAGE_SIZE]) if count else []
    return CasePage(children=rows, number=number, count=count, today=today)


def follow_ups(user, *, horizon_days: int = 14):
    """The user's open cases whose latest interview set a follow-up, overdue first."""
    today = timezone.localdate()
    rows = list(
        with_case_summary(Child.objects.filter(pk__in=visible_child_ids(user, VIEW), case_status=CaseStatus.OPEN))
        .filter(next_follow_up__isnull=False, next_follow_up__lte=today + datetime.timedelta(days=horizon_days))
        .order_by("next_follow_up", "case_number")
    )
    overdue = [child for child in rows if child.next_follow_up < today]
    due = [child for child in rows if child.next_follow_up >= today]
    return overdue, due, today


def case_detail(child: Child) -> dict:
    """Everything the case page shows besides the child itself, in a fixed number of queries."""
    doors = list(child.document_access.order_by(DOOR_ORDER))
    interviews = list(child.interviews.select_related("caseworker").order_by("-held_on", "-created_at")[:100])
    latest = interviews[0] if interviews else None
    return {
        "doors": doors,
        "interviews": interviews,
        "next_follow_up": latest.follow_up_on if latest else None,
        "today": timezone.localdate(),
    }


def door_kinds() -> list[str]:
    return list(DocumentKind.values)
