"""Reusable reads of case data, always starting from the ids the access gate allows."""

import datetime
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict

from django.core.paginator import Page
from django.db.models import BooleanField, Case, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from casework.core.pages import page_from_count
from casework.models import Interview
from casework.names.readings import query_keys, whole_name_keys
from children.access import VIEW, visible_child_ids
from children.models import (
    AccessStatus,
    CaseStatus,
    Child,
    DocumentAccess,
    DocumentKind,
    NamedPerson,
    NameKey,
    age_in_years,
)
from families.models import Family

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

# The doors in the order caseworkers read them (school, clinic, marriage, bank), not alphabetical.
DOOR_ORDER = Case(*[When(kind=kind, then=Value(i)) for i, kind in enumerate(DocumentKind.values)])


def search_filter(text: str, among: Sequence[uuid.UUID] | None = None) -> Q:
    """A case whose recorded names (the child's, the parents', their other names) start
    with the text read in any script (casework.names.readings: `김정화`, `金正花`,
    `Kim Chong-hwa` and `jin zheng hua` all find 金正花), or whose child's name or case
    number contains every word, as before. One query: the name keys are looked up by
    prefix in their own indexed table, never read into Python.

    `among`: the cases the user may see. The keys are then looked up among those cases
    only, so a common name (`Kim` starts a fifth of all keys) costs what the user's
    caseload costs, not what the organisation's does (the benchmark: 280 ms of PostgreSQL
    time per search on 100,000 children without it)."""
    words = Q()
    for word in text.split()[:5]:
        words &= Q(given_name__icontains=word) | Q(family_name__icontains=word) | Q(case_number__icontains=word)
    prefixes = Q()
    for key in sorted(query_keys(text)):
        prefixes |= Q(key__startswith=key)
    if not prefixes:
        return words
    keys = NameKey.objects.filter(prefixes)
    if among is not None:
        keys = keys.filter(child_id__in=among)
    return words | Q(pk__in=keys.values("child_id"))


def _latest_interview():
    return Interview.objects.filter(child=OuterRef("pk")).order_by("-held_on", "-created_at")


class FollowUp(TypedDict):
    """What with_follow_up adds to each child."""

    next_follow_up: datetime.date | None
    overdue: bool


def with_follow_up(
    queryset: QuerySet[Child], today: datetime.date | None = None
) -> "QuerySet[WithAnnotations[Child, FollowUp]]":
    """The one rule of "overdue", for every page that shows it (my cases, follow-ups, the
    case page, the supervisor's team page): `next_follow_up` is the date the case's latest
    interview set (latest by date held, then by when it was logged, so a later interview
    on the same day without a follow-up clears it), and the case is `overdue` when it is
    open and that date has passed. Templates read these annotations, never recompute them."""
    today = today or timezone.localdate()
    return queryset.annotate(next_follow_up=Subquery(_latest_interview().values("follow_up_on")[:1])).annotate(
        overdue=Case(
            When(Q(case_status=CaseStatus.OPEN, next_follow_up__lt=today), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


class CaseSummary(FollowUp):
    """What with_case_summary adds to each child."""

    last_interview: datetime.date | None


def with_case_summary(
    queryset: QuerySet[Child], today: datetime.date | None = None
) -> "QuerySet[WithAnnotations[Child, CaseSummary]]":
    """Add the dates a list row shows: the last interview and the follow-up it set."""
    # The latest interview's date through the same index as the follow-up, per row of
    # the page: a MAX over a join grouped every matching case's interviews first.
    return with_follow_up(queryset, today).annotate(last_interview=Subquery(_latest_interview().values("held_on")[:1]))


@dataclass(slots=True)
class CaseRow:
    """One row of the caseworker's list: what the row shows, read as plain values. Model
    instances (the child, its family and mother, four doors: 175 objects a page) cost more
    Python time than the page's SQL (docs/benchmarks.md)."""

    pk: uuid.UUID
    case_number: str
    family_name: str
    given_name: str
    case_status: str
    date_of_birth: datetime.date | None
    living_arrangement: str
    mother_status: str | None  # None: no mother recorded
    last_interview: datetime.date | None
    next_follow_up: datetime.date | None
    overdue: bool
    age: int | None = None
    doors: list[tuple[str, str]] = field(default_factory=list)  # (kind, status) in DOOR_ORDER


_ROW_VALUES = [f.name for f in CaseRow.__dataclass_fields__.values() if f.name not in ("age", "doors")]


def _mother_status() -> Subquery:
    # A subquery, evaluated for the page's rows only: a join would be made for every one
    # of the caseworker's cases before the sort and the limit (1.3 ms against 0.3 at
    # 100,000 children, docs/benchmarks.md).
    return Subquery(Family.objects.filter(pk=OuterRef("family_id")).values("mother__status")[:1])


def _case_rows(summary: QuerySet[Child], today: datetime.date) -> list[CaseRow]:
    """The rows of an ordered, sliced with_case_summary queryset and their doors: two queries."""
    rows = [CaseRow(*values) for values in summary.annotate(mother_status=_mother_status()).values_list(*_ROW_VALUES)]
    doors: dict[uuid.UUID, list[tuple[str, str]]] = defaultdict(list)
    if rows:
        shown = DocumentAccess.objects.filter(child_id__in=[row.pk for row in rows])
        for child_id, kind, status in shown.order_by("child_id", DOOR_ORDER).values_list("child_id", "kind", "status"):
            doors[child_id].append((kind, status))
    for row in rows:
        row.age = age_in_years(row.date_of_birth, today)
        row.doors = doors[row.pk]
    return rows


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
) -> Page:
    """One page of the user's cases. The visible ids are read first and the page is then
    fetched by primary key, so the children table is never scanned (issue 2 measurements);
    without a filter the number of ids is the count, with no COUNT query."""
    today = timezone.localdate()
    ids = visible_child_ids(user, VIEW)
    queryset: QuerySet[Child] = Child.objects.filter(pk__in=ids)
    filtered = False
    if search.strip():
        queryset, filtered = queryset.filter(search_filter(search, among=ids)), True
    if case_status:
        queryset, filtered = queryset.filter(case_status=case_status), True
    if mother_status:
        queryset, filtered = queryset.filter(family__mother__status=mother_status), True
    if shut_door:
        shut = DocumentAccess.objects.filter(kind=shut_door, status=AccessStatus.NO_ACCESS)
        queryset, filtered = queryset.filter(pk__in=shut.values("child_id")), True
    summary = with_case_summary(queryset, today)
    # Counted without the row summary: its join over every interview of the matching cases
    # adds nothing to how many there are.
    counted = queryset
    if overdue:
        summary, filtered = summary.filter(overdue=True), True
        counted = with_follow_up(queryset, today).filter(overdue=True)
    if not ids:
        count = 0
    elif filtered:
        count = counted.count()
    else:
        count = len(ids)
    ordered = summary.order_by(*ordering)
    return page_from_count(count, page, lambda start, stop: _case_rows(ordered[start:stop], today))


@dataclass(frozen=True, slots=True)
class InterviewRow:
    """An interview as the case page shows it, read as plain values: a hundred of them as
    model instances, each with its caseworker's account, took more Python time than the
    rest of the page's queries together (docs/benchmarks.md)."""

    held_on: datetime.date
    location_type: str
    risk_level: str
    caseworker_username: str
    participants: str
    notes: str
    follow_up_on: datetime.date | None


# The newest interviews a case page shows.
INTERVIEWS_SHOWN = 100


def case_detail(child: Child) -> dict:
    """Everything the case page shows besides the child itself, in a fixed number of queries."""
    doors = list(child.document_access.order_by(DOOR_ORDER))
    interviews = [
        InterviewRow(*values)
        for values in child.interviews.order_by("-held_on", "-created_at").values_list(
            "held_on", "location_type", "risk_level", "caseworker__username", "participants", "notes", "follow_up_on"
        )[:INTERVIEWS_SHOWN]
    ]
    follow_up = with_follow_up(Child.objects.filter(pk=child.pk)).values("next_follow_up", "overdue").get()
    other_names = list(child.other_names.all())
    return {"doors": doors, "interviews": interviews, "follow_up": follow_up, "other_names": other_names}


def current_versions(child: Child) -> dict[str, int]:
    """The versions of a case's records as saved now, keyed as record_interview's
    `expected_versions` are ("child", "family", "mother", "father" and the door kinds):
    for callers without a form (demo data, benchmarks) that edit what they just read."""
    family = Family.objects.select_related("mother", "father").get(pk=child.family_id)
    versions = {door.kind: door.version for door in DocumentAccess.objects.filter(child=child)}
    versions["child"] = Child.objects.only("version").get(pk=child.pk).version
    versions["family"] = family.version
    for relation in ("mother", "father"):
        parent = getattr(family, relation)
        if parent is not None:
            versions[relation] = parent.version
    return versions


def possible_duplicates(
    user, *, family_name: str, given_name: str, born: datetime.date | None
) -> tuple[list[Child], list[uuid.UUID]]:
    """Cases whose child's name matches this one across scripts (family and given name
    together, casework.names.readings.whole_name_keys) and whose birth year is within two
    years (or unknown). Returns the matching cases the user may see, and only the ids of
    the others: the caller may say that one exists and log the question, nothing more."""
    keys = whole_name_keys(family_name, given_name)
    if not keys:
        return [], []
    matches = Child.objects.filter(
        pk__in=NameKey.objects.filter(whose=NamedPerson.CHILD, key__in=sorted(keys)).values("child_id")
    )
    if born is not None:
        matches = matches.filter(
            Q(date_of_birth__isnull=True)
            | Q(date_of_birth__year__gte=born.year - 2, date_of_birth__year__lte=born.year + 2)
        )
    visible = set(visible_child_ids(user, VIEW))
    found = list(matches.order_by("case_number").values_list("pk", flat=True)[:50])
    shown = [pk for pk in found if pk in visible]
    return list(Child.objects.filter(pk__in=shown).order_by("case_number")), [pk for pk in found if pk not in visible]
