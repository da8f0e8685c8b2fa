"""Reads for a team's supervisor: the caseload, the audit timeline and the access review.

Everything here starts from a team and reaches case data through the team's children,
so a supervisor never reads another team's records. A case that has moved to another
team, or was deleted, drops out of these reads (requirement AC-8, docs/requirements.md).

The timeline is one UNION ALL over the history tables of every case-data model, sorted
and paginated in the database; only the page's rows are loaded, with their previous
versions fetched in one query per model, so the number of queries does not depend on
the number of entries shown.
"""

import datetime
import statistics
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.core.paginator import Page
from django.db import connections, models
from django.db.models import Count, Exists, ExpressionWrapper, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.access.queries import assignments_in_force, privilege_changes_of, team_caseworkers, team_members
from casework.core.display import DISCREET_FIELDS, EMPTY, choice_labels, display_value
from casework.core.pages import PAGE_SIZE, page_of
from casework.models import (
    AccessAction,
    AccessLog,
    Assignment,
    Interview,
    Partner,
    PlanGoal,
    PrivilegeChange,
    PrivilegeKind,
    Referral,
    Service,
    Team,
    TimelineRow,
    Transfer,
)
from children.models import CaseStatus, Child, DocumentAccess
from children.queries import with_follow_up
from families.models import Family, Father, Mother

# The kinds of record in the timeline, in the order the filter offers them.
KINDS: dict[
    str,
    type[
        Child
        | DocumentAccess
        | Interview
        | Assignment
        | Family
        | Mother
        | Father
        | Transfer
        | PlanGoal
        | Service
        | Referral
        | Partner
    ],
] = {
    "child": Child,
    "document_access": DocumentAccess,
    "interview": Interview,
    "assignment": Assignment,
    "family": Family,
    "mother": Mother,
    "father": Father,
    "transfer": Transfer,
    "plan_goal": PlanGoal,
    "service": Service,
    "referral": Referral,
    "partner": Partner,
}

# Bookkeeping columns that change on every save and say nothing about the case.
NOT_SHOWN = {"id", "version", "updated_at", "created_at", "submission_token"}

ACTIONS = {"+": gettext_lazy("created"), "~": gettext_lazy("changed"), "-": gettext_lazy("deleted")}


def kind_choices() -> list[tuple[str, str]]:
    return [(kind, str(capfirst(model._meta.verbose_name))) for kind, model in KINDS.items()]


# --- Team overview -------------------------------------------------------------------


def overdue_children(team: Team, today: datetime.date) -> QuerySet[Child]:
    """Open cases of the team with an overdue follow-up (children.queries.with_follow_up)."""
    return with_follow_up(Child.objects.filter(team=team), today).filter(overdue=True)


@dataclass
class CaseloadRow:
    caseworker: object
    cases: int = 0
    open_cases: int = 0
    overdue: int = 0


def caseload(team: Team) -> list[CaseloadRow]:
    """Per caseworker of the team: cases held today, open ones, and overdue follow-ups.
    Two queries whatever the size of the team."""
    today = timezone.localdate()
    counts = {
        row["caseworker_id"]: row
        for row in Assignment.objects.filter(assignments_in_force(today), child__team=team)
        .values("caseworker_id")
        .annotate(
            cases=Count("child", distinct=True),
            open_cases=Count("child", distinct=True, filter=Q(child__case_status=CaseStatus.OPEN)),
            overdue=Count("child", distinct=True, filter=Q(child__in=overdue_children(team, today).values("pk"))),
        )
    }
    # Someone who has left the team but still holds a case is listed too: that is a finding.
    people = get_user_model().objects.filter(Q(pk__in=team_caseworkers(team).values("pk")) | Q(pk__in=list(counts)))
    rows = []
    for person in people.order_by("username"):
        row = counts.get(person.pk, {})
        rows.append(
            CaseloadRow(
                caseworker=person,
                cases=row.get("cases", 0),
                open_cases=row.get("open_cases", 0),
                overdue=row.get("overdue", 0),
            )
        )
    return rows


def team_case_page(team: Team, number) -> Page:
    """One page of the team's cases with their current caseworkers and an overdue flag:
    three queries (count, page, assignments) whatever the page size."""
    today = timezone.localdate()
    current = Assignment.objects.filter(assignments_in_force(today)).select_related("caseworker").order_by("granted_at")
    cases = (
        with_follow_up(Child.objects.filter(team=team), today)
        .prefetch_related(Prefetch("assignments", queryset=current, to_attr="current_assignments"))
        .order_by("case_number")
    )
    return page_of(cases, number)


# --- Caseload figures ------------------------------------------------------------------

# The figures' window: the median of days to the first interview is over the cases the
# team opened in the last year, the list shows the last LAST_OPENED cases opened.
FIGURES_WINDOW = datetime.timedelta(days=365)
LAST_OPENED = 20


@dataclass
class FirstInterview:
    """One case of the team: when it was opened, when its first interview was held."""

    child_pk: uuid.UUID
    case_number: str
    opened_on: datetime.date
    first_interview_on: datetime.date | None

    @property
    def days(self) -> int | None:
        """Days from opening to the first interview; 0 when the interview that opened the
        case was logged after it (held on or before the opening day)."""
        if self.first_interview_on is None:
            return None
        return max(0, (self.first_interview_on - self.opened_on).days)


@dataclass
class CaseloadFigures:
    caseload: list[CaseloadRow]
    unassigned_open: int
    last_opened: list[FirstInterview]
    median_days: float | None
    counted: int  # cases of the window with a first interview, behind the median
    waiting: int  # cases of the window still without an interview


def _first_interviews(children: QuerySet[Child]) -> list[FirstInterview]:
    first = Interview.objects.filter(child=OuterRef("pk")).order_by("held_on").values("held_on")[:1]
    rows = children.annotate(first_held=Subquery(first)).values_list("pk", "case_number", "created_at", "first_held")
    return [
        FirstInterview(child_pk=pk, case_number=number, opened_on=timezone.localdate(created), first_interview_on=held)
        for pk, number, created, held in rows
    ]


def caseload_figures(team: Team, *, last: int = LAST_OPENED) -> CaseloadFigures:
    """The supervisor's figures of her own team (not anonymised): open cases per
    caseworker, open cases nobody holds, and days from opening to the first interview.
    Five queries whatever the size of the team."""
    today = timezone.localdate()
    unassigned = (
        Child.objects.filter(team=team, case_status=CaseStatus.OPEN)
        .exclude(pk__in=Assignment.objects.filter(assignments_in_force(today)).values("child_id"))
        .count()
    )
    team_children = Child.objects.filter(team=team)
    last_opened = _first_interviews(team_children.order_by("-created_at", "case_number")[:last])
    since = timezone.now() - FIGURES_WINDOW
    window = _first_interviews(team_children.filter(created_at__gte=since).order_by())
    days = [case.days for case in window if case.days is not None]
    return CaseloadFigures(
        caseload=caseload(team),
        unassigned_open=unassigned,
        last_opened=last_opened,
        median_days=statistics.median(days) if days else None,
        counted=len(days),
        waiting=len(window) - len(days),
    )


# --- Filters shared by the timeline and the access review ----------------------------


@dataclass
class ReviewFilter:
    user_id: int | None = None
    child_pk: uuid.UUID | None = None
    case_number: str = ""
    kind: str = ""
    since: datetime.date | None = None
    until: datetime.date | None = None

    def date_range(self) -> tuple[datetime.datetime | None, datetime.datetime | None]:
        """The dates as the start of `since` and the start of the day after `until`, in the
        local time zone, so that an index on the timestamp can be used."""
        start = end = None
        if self.since:
            start = timezone.make_aware(datetime.datetime.combine(self.since, datetime.time.min))
        if self.until:
            end = timezone.make_aware(
                datetime.datetime.combine(self.until + datetime.timedelta(days=1), datetime.time.min)
            )
        return start, end


def _team_children(team: Team, f: ReviewFilter) -> QuerySet[Child]:
    children = Child.objects.filter(team=team)
    if f.child_pk is not None:
        children = children.filter(pk=f.child_pk)
    if f.case_number:
        children = children.filter(case_number__iexact=f.case_number)
    return children


def _scopes(children: QuerySet[Child]) -> dict[str, Q]:
    """For each kind of record, the history rows that belong to `children`. Families,
    mothers and fathers reach a team through the children of the family."""
    child_pks = children.values("pk")
    families = Family.objects.filter(pk__in=children.values("family_id"))
    return {
        "child": Q(id__in=child_pks),
        "document_access": Q(child_id__in=child_pks),
        "interview": Q(child_id__in=child_pks),
        "assignment": Q(child_id__in=child_pks),
        # A transfer follows its case: the receiving team reads it only once the case is hers.
        "transfer": Q(child_id__in=child_pks),
        "family": Q(id__in=children.values("family_id")),
        "mother": Q(id__in=families.filter(mother__isnull=False).values("mother_id")),
        "father": Q(id__in=families.filter(father__isnull=False).values("father_id")),
        "plan_goal": Q(child_id__in=child_pks),
        "service": Q(child_id__in=child_pks),
        "referral": Q(child_id__in=child_pks),
        "partner": Q(team_id__in=children.values("team_id")),
    }


# Opening a case writes the child, its family, mother and father, four doors and the
# opener's assignment in one transaction. The history tells that as one story: the child's
# creation, with the records created with it folded under it. "With it": a creation by the
# same person, within this window of the child's, of a record that belongs to that child.
OPENED_TOGETHER = datetime.timedelta(seconds=30)
# How each folded kind reaches the child's creation row (a Child history row).
OPENED_WITH = {
    "family": "family_id",
    "mother": "family__mother_id",
    "father": "family__father_id",
    "document_access": "id",
    "assignment": "id",
}


def _opened_with_a_child(kind: str) -> Exists:
    """True for a creation row of `kind` written with its child's creation (see above)."""
    own = "child_id" if kind in ("document_access", "assignment") else "id"
    window: models.DurationField = models.DurationField()
    return Exists(
        Child.history.filter(
            history_type="+",
            history_user_id=OuterRef("history_user_id"),
            history_date__gte=ExpressionWrapper(
                OuterRef("history_date") - Value(OPENED_TOGETHER, output_field=window),
                output_field=models.DateTimeField(),
            ),
            history_date__lte=ExpressionWrapper(
                OuterRef("history_date") + Value(OPENED_TOGETHER, output_field=window),
                output_field=models.DateTimeField(),
            ),
            **{OPENED_WITH[kind]: OuterRef(own)},
        )
    )


@dataclass(frozen=True)
class Mark:
    """A place in the timeline: the (history_date, history_id, kind) of one row. The
    timeline is ordered by these three, newest first, and paged by them (keyset
    pagination): a page is the rows after a mark, so page 100 costs what page 1 does and
    nothing counts the whole history."""

    at: datetime.datetime
    history_id: int
    kind: str

    def token(self) -> str:
        micros = (self.at - EPOCH) // datetime.timedelta(microseconds=1)
        return f"{micros}.{self.history_id}.{self.kind}"

    @classmethod
    def parse(cls, token: str | None) -> "Mark | None":
        """The mark in a page link; anything else (garbage, an unknown kind) is None, the
        newest page."""
        try:
            micros, history_id, kind = (token or "").split(".")
            if kind not in KINDS:
                return None
            return cls(EPOCH + datetime.timedelta(microseconds=int(micros)), int(history_id), kind)
        except (ValueError, OverflowError):
            return None


EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def _beyond(kind: str, mark: Mark, older: bool) -> Q:
    """The rows of `kind` strictly older (or newer) than `mark` in the timeline's order
    (history_date, history_id, kind, all descending). Within one kind the kind is fixed,
    so the comparison is on (history_date, history_id), inclusive of the mark's own
    (date, id) when the kind decides the tie."""
    # The first condition repeats what the second implies: a plain range on the date,
    # which the date index can start from (an OR alone is only a filter).
    if older:
        inclusive = kind < mark.kind
        same = Q(history_id__lte=mark.history_id) if inclusive else Q(history_id__lt=mark.history_id)
        return Q(history_date__lte=mark.at) & (Q(history_date__lt=mark.at) | (Q(history_date=mark.at) & same))
    inclusive = kind > mark.kind
    same = Q(history_id__gte=mark.history_id) if inclusive else Q(history_id__gt=mark.history_id)
    return Q(history_date__gte=mark.at) & (Q(history_date__gt=mark.at) | (Q(history_date=mark.at) & same))


def history_rows(
    team: Team, f: ReviewFilter, *, before: Mark | None = None, after: Mark | None = None, limit: int | None = None
) -> QuerySet:
    """(history_id, history_date, kind) of every matching history row, newest first, as one
    UNION ALL query: nothing is loaded until a page of it is sliced. Without a filter on the
    kind of record, the records created with a case are left out: the case's creation
    stands for them (timeline_entries folds them under it).

    `before` / `after` keep the rows older / newer than a mark (then `after` reads oldest
    first); `limit` bounds every part of the union as well, on databases that allow it, so
    that each history table is read backwards on its date index for at most that many of
    the team's rows instead of being sorted whole.

    The whole team's timeline, filtered by person or dates or neither, is read from the
    timeline's index (casework.models.TimelineRow, _indexed_rows); a filter on a case or
    on a kind of record reads the history tables (_union_rows), which is quick for one
    case or one table and shows the folded records on their own as it always has."""
    if not f.kind and f.child_pk is None and not f.case_number:
        return _indexed_rows(team, f, before=before, after=after, limit=limit)
    return _union_rows(team, f, before=before, after=after, limit=limit)


def _seen_by(team: Team) -> Q:
    """An index row the team sees today, by the rules of _scopes, checked row by row (an
    index probe each) on the rows a page reads: the index is where rows are found, the
    team's cases of today decide what is shown."""
    children = Child.objects.filter(team=team)
    case_kinds = [kind for kind in KINDS if kind not in ("family", "mother", "father", "partner")]
    # A parent's row is checked row by row (the families of that parent, then their
    # children): a condition on the outer row that always holds keeps PostgreSQL from
    # hashing the mothers of all the team's families instead, which reads every family
    # (50,000 at 100,000 children) as soon as one parent's row is on the page.
    outer_at = ExpressionWrapper(OuterRef("history_date"), output_field=models.DateTimeField())
    by_row = children.alias(outer_at=outer_at).filter(outer_at__isnull=False)
    return (
        Q(Q(kind__in=case_kinds), Exists(children.filter(pk=OuterRef("anchor"))))
        | Q(Q(kind="family"), Exists(children.filter(family_id=OuterRef("anchor"))))
        | Q(Q(kind="mother"), Exists(by_row.filter(family__mother_id=OuterRef("anchor"))))
        | Q(Q(kind="father"), Exists(by_row.filter(family__father_id=OuterRef("anchor"))))
        # A partner row carries its team (the index's team); a team without cases sees none.
        | Q(Q(kind="partner"), Exists(children))
    )


def _indexed_rows(
    team: Team, f: ReviewFilter, *, before: Mark | None = None, after: Mark | None = None, limit: int | None = None
) -> QuerySet:
    """history_rows for the whole team, from the index: its rows of the team that are not
    folded into an opening, read on (team, date, history id, kind) from the mark on."""
    rows = TimelineRow.objects.filter(team=team, folded=False).filter(_seen_by(team))
    if f.user_id is not None:
        rows = rows.filter(history_user_id=f.user_id)
    start, end = f.date_range()
    if start:
        rows = rows.filter(history_date__gte=start)
    if end:
        rows = rows.filter(history_date__lt=end)
    mark = before or after
    if mark is not None:
        # (date, id, kind) beyond the mark's, the first condition a range the index starts from.
        if before is not None:
            rows = rows.filter(
                Q(history_date__lte=mark.at)
                & (
                    Q(history_date__lt=mark.at)
                    | Q(history_date=mark.at, history_id__lt=mark.history_id)
                    | Q(history_date=mark.at, history_id=mark.history_id, kind__lt=mark.kind)
                )
            )
        else:
            rows = rows.filter(
                Q(history_date__gte=mark.at)
                & (
                    Q(history_date__gt=mark.at)
                    | Q(history_date=mark.at, history_id__gt=mark.history_id)
                    | Q(history_date=mark.at, history_id=mark.history_id, kind__gt=mark.kind)
                )
            )
    if after is not None:
        rows = rows.order_by("history_date", "history_id", "kind")
    else:
        rows = rows.order_by("-history_date", "-history_id", "-kind")
    found = rows.values_list("history_id", "history_date", "kind")
    return found[:limit] if limit is not None else found


def _union_rows(
    team: Team, f: ReviewFilter, *, before: Mark | None = None, after: Mark | None = None, limit: int | None = None
) -> QuerySet:
    """history_rows from the history tables themselves: one UNION ALL, a part per kind."""
    scopes = _scopes(_team_children(team, f))
    start, end = f.date_range()
    connection = connections[Child.history.db]
    bounded = limit is not None and connection.features.supports_slicing_ordering_in_compound
    order = ("history_date", "history_id") if after else ("-history_date", "-history_id")
    parts: list[tuple[QuerySet, bool]] = []
    for kind, model in KINDS.items():
        if f.kind and f.kind != kind:
            continue
        rows = model.history.filter(scopes[kind])
        if not f.kind and kind in OPENED_WITH:
            rows = rows.exclude(Q(history_type="+") & _opened_with_a_child(kind))
        if f.user_id is not None:
            rows = rows.filter(history_user_id=f.user_id)
        if start:
            rows = rows.filter(history_date__gte=start)
        if end:
            rows = rows.filter(history_date__lt=end)
        if before is not None:
            rows = rows.filter(_beyond(kind, before, older=True))
        elif after is not None:
            rows = rows.filter(_beyond(kind, after, older=False))
        rows = rows.annotate(record_kind=Value(kind, output_field=models.CharField())).values_list(
            "history_id", "history_date", "record_kind"
        )
        # A part that leaves out the records opened with a case is not bounded: read
        # backwards on its date index, it would test that rule on every row of the table
        # (all of them, when a table holds only creations) before finding the team's.
        # From the team's children it reads only theirs (docs/benchmarks.md).
        folds = not f.kind and kind in OPENED_WITH
        parts.append((rows, bounded and not folds))
    if not parts:
        return Child.history.none().values_list("history_id", "history_date")
    if len(parts) == 1:
        queries = [parts[0][0]]
    else:
        queries = [part.order_by(*order)[:limit] if bound else part.order_by() for part, bound in parts]
    first, *rest = queries
    union = first.union(*rest, all=True) if rest else first
    if after:
        union = union.order_by("history_date", "history_id", "record_kind")
    else:
        union = union.order_by("-history_date", "-history_id", "-record_kind")
    return union[:limit] if limit is not None else union


# --- Timeline entries ----------------------------------------------------------------


@dataclass
class Change:
    label: str
    old: str
    new: str
    sensitive: bool = False


@dataclass
class Entry:
    kind: str
    kind_label: str
    record: Any  # a simple-history row (the history models have no static types)
    action: str
    case_numbers: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    # (case number, child's id or None): the team's cases link to their page.
    cases: list[tuple[str, Any]] = field(default_factory=list)
    # A case's opening: the records created with the child, each as (label, its values).
    parts: list[tuple[str, list[Change]]] = field(default_factory=list)

    @property
    def created(self) -> bool:
        return self.record.history_type == "+"

    @property
    def opened(self) -> bool:
        """The creation of a child: the opening of a case, told in one line."""
        return self.kind == "child" and self.created

    @property
    def more(self) -> int:
        """How many changes the one-line summary leaves to the folded detail."""
        return max(0, len(self.changes) - 1)

    @property
    def when(self):
        return self.record.history_date

    @property
    def who(self) -> str:
        return self.record.history_username

    @property
    def reason(self) -> str:
        return self.record.history_change_reason or ""


@cache
def _tracked_fields(model) -> list[models.Field]:
    # Only what the history keeps: a field left out of it (a child's secret record key)
    # has no value on a history row and is never shown. Once per model: `model.history`
    # builds a new manager class on every access.
    kept = {f.name for f in model.history.model.tracked_fields}
    return [f for f in model._meta.concrete_fields if f.name not in NOT_SHOWN and f.name in kept]


@dataclass
class _References:
    """Names for the foreign keys on a page, looked up once for the whole page."""

    users: dict = field(default_factory=dict)
    children: dict = field(default_factory=dict)
    teams: dict = field(default_factory=dict)


@dataclass(frozen=True)
class _Shown:
    """How one tracked field reads, resolved once per model and language (the label, the
    choices' names) rather than for every row of the page."""

    attname: str
    label: str
    sensitive: bool
    target: str  # "user", "child", "team", "other" for a foreign key; "" for a value
    choices: dict


def _shown_fields(model) -> list[_Shown]:
    return _shown_fields_in(model, translation.get_language())


@cache
def _shown_fields_in(model, language: str | None) -> list[_Shown]:
    user_model = get_user_model()
    shown = []
    for model_field in _tracked_fields(model):
        target = ""
        if isinstance(model_field, models.ForeignKey):
            related = model_field.related_model
            target = (
                "user"
                if related is user_model
                else "child"
                if related is Child
                else "team"
                if related is Team
                else "other"
            )
        shown.append(
            _Shown(
                attname=model_field.attname,
                label=str(capfirst(model_field.verbose_name)),
                sensitive=model_field.name in DISCREET_FIELDS,
                target=target,
                choices=choice_labels(model, model_field.name) if model_field.choices else {},
            )
        )
    return shown


def _show(shown: _Shown, value, refs: _References) -> str:
    if shown.target and value is not None:
        if shown.target == "user":
            return refs.users.get(value, _("a former user"))
        if shown.target == "child":
            return refs.children.get(value, _("a case of another team"))
        if shown.target == "team":
            return refs.teams.get(value, "?")
        return _("linked record")
    if value is None or value == "":
        return EMPTY
    if value in shown.choices:
        return shown.choices[value]
    return display_value(value)


def _changes(model, record, previous, refs: _References) -> list[Change]:
    changes = []
    for shown in _shown_fields(model):
        new = getattr(record, shown.attname)
        old = getattr(previous, shown.attname) if previous is not None else None
        if previous is not None and old == new:
            continue
        if previous is None and (new is None or new == ""):
            continue
        changes.append(
            Change(
                label=shown.label,
                old=_show(shown, old, refs) if previous is not None else EMPTY,
                new=_show(shown, new, refs),
                sensitive=shown.sensitive,
            )
        )
    return changes


def _previous_versions(history_model, ids: list[int]) -> tuple[list, dict]:
    """The page's history rows, and for each the version of the same object just before
    it: two queries per model however many rows the page has."""
    before = history_model.objects.filter(id=OuterRef("id")).filter(
        Q(history_date__lt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
    )
    records = list(
        history_model.objects.filter(history_id__in=ids).annotate(
            previous_id=Subquery(before.order_by("-history_date", "-history_id").values("history_id")[:1])
        )
    )
    previous_ids = [r.previous_id for r in records if r.previous_id is not None]
    previous = (
        {p.history_id: p for p in history_model.objects.filter(history_id__in=previous_ids)} if previous_ids else {}
    )
    return records, previous


def _references(team: Team, records_by_kind: dict, previous_by_kind: dict) -> tuple[_References, dict]:
    """Resolve user, case and team keys for the page, and which case numbers each family,
    mother and father belongs to (within the team): at most three queries."""
    user_ids, child_ids, team_ids = set(), set(), set()
    family_ids, mother_ids, father_ids = set(), set(), set()
    for kind, records in records_by_kind.items():
        model = KINDS[kind]
        rows = list(records) + list(previous_by_kind[kind].values())
        for model_field in _tracked_fields(model):
            if not isinstance(model_field, models.ForeignKey):
                continue
            values = {getattr(r, model_field.attname) for r in rows} - {None}
            if model_field.related_model is get_user_model():
                user_ids |= values
            elif model_field.related_model is Child:
                child_ids |= values
            elif model_field.related_model is Team:
                team_ids |= values
        if kind == "child":
            child_ids |= {r.id for r in records}
        elif kind == "family":
            family_ids |= {r.id for r in records}
        elif kind == "mother":
            mother_ids |= {r.id for r in records}
        elif kind == "father":
            father_ids |= {r.id for r in records}

    refs = _References()
    cases_of = defaultdict(list)
    if child_ids or family_ids or mother_ids or father_ids:
        cases = (
            Child.objects.filter(team=team)
            .filter(
                Q(pk__in=child_ids)
                | Q(family_id__in=family_ids)
                | Q(family__mother_id__in=mother_ids)
                | Q(family__father_id__in=father_ids)
            )
            .values_list("pk", "case_number", "family_id", "family__mother_id", "family__father_id")
            .order_by("case_number")
        )
        for pk, number, family_id, mother_id, father_id in cases:
            refs.children[pk] = number
            for key in (("family", family_id), ("mother", mother_id), ("father", father_id)):
                cases_of[key].append(number)
    if user_ids:
        refs.users = dict(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username"))
    if team_ids:
        refs.teams = dict(Team.objects.filter(pk__in=team_ids).values_list("pk", "name"))
    return refs, cases_of


def _together(record, opening) -> bool:
    return (
        record.history_user_id is not None
        and record.history_user_id == opening.history_user_id
        and abs(record.history_date - opening.history_date) <= OPENED_TOGETHER
    )


def _opened_with(openings: list) -> dict[int, list[tuple[str, Any]]]:
    """For each child's creation row on a page, the creation rows written with it (the rule
    history_rows leaves them out by), in the order a case reads: family, mother, father,
    doors, assignment. One query per kind, whatever the number of openings."""
    folded: dict[int, list[tuple[str, Any]]] = defaultdict(list)
    if not openings:
        return folded
    child_ids = {o.id for o in openings}
    # A sibling's case shares the family: the family belongs to the first opening.
    by_family = {}
    for o in sorted(openings, key=lambda o: (o.history_date, o.history_id), reverse=True):
        by_family[o.family_id] = o
    families = {}
    for row in Family.history.filter(history_type="+", id__in=list(by_family)):
        if _together(row, by_family[row.id]):
            families[row.id] = row
    by_parent: dict[str, dict] = {"mother": {}, "father": {}}
    for family in families.values():
        for parent in by_parent:
            if getattr(family, f"{parent}_id") is not None:
                by_parent[parent][getattr(family, f"{parent}_id")] = by_family[family.id]
    rows: list[tuple[str, Any, Any]] = [("family", f, by_family[f.id]) for f in families.values()]
    for parent, model in (("mother", Mother), ("father", Father)):
        if by_parent[parent]:
            for row in model.history.filter(history_type="+", id__in=list(by_parent[parent])):
                rows.append((parent, row, by_parent[parent][row.id]))
    by_child = {o.id: o for o in openings}
    for kind in ("document_access", "assignment"):
        for row in (
            KINDS[kind].history.model.objects.filter(history_type="+", child_id__in=child_ids).order_by("history_id")
        ):
            rows.append((kind, row, by_child[row.child_id]))
    for kind, row, opening in rows:
        if _together(row, opening):
            folded[opening.history_id].append((kind, row))
    return folded


def _part_label(kind: str, record) -> str:
    if kind == "document_access":
        return str(capfirst(display_value(record.kind, DocumentAccess._meta.get_field("kind").flatchoices)))
    return str(capfirst(KINDS[kind]._meta.verbose_name))


def timeline_entries(team: Team, rows) -> list[Entry]:
    """Readable entries for one page of `history_rows`: field by field, old -> new, with
    the fields' labels and the choices' names; a case's opening with the records created
    with it folded under it."""
    ids_by_kind = defaultdict(list)
    for history_id, _date, kind in rows:
        ids_by_kind[kind].append(history_id)
    records_by_kind, previous_by_kind = {}, {}
    for kind, ids in ids_by_kind.items():
        records, versions = _previous_versions(KINDS[kind].history.model, ids)
        records_by_kind[kind] = {r.history_id: r for r in records}
        previous_by_kind[kind] = versions
    openings = [r for r in records_by_kind.get("child", {}).values() if r.history_type == "+"]
    folded = _opened_with(openings)
    # The folded records' keys (a caseworker, a team) are named with the page's.
    for_references = {k: list(v.values()) for k, v in records_by_kind.items()}
    for parts in folded.values():
        for kind, record in parts:
            for_references.setdefault(kind, []).append(record)
            previous_by_kind.setdefault(kind, {})
    refs, cases_of = _references(team, for_references, previous_by_kind)

    child_of_number = {number: pk for pk, number in refs.children.items()}
    entries = []
    for history_id, _date, kind in rows:
        model = KINDS[kind]
        record = records_by_kind[kind][history_id]
        previous = previous_by_kind[kind].get(record.previous_id)
        if kind == "child":
            numbers = [refs.children.get(record.id, record.case_number)]
        elif kind in ("family", "mother", "father"):
            numbers = cases_of[(kind, record.id)]
        elif kind == "partner":  # a team's record, of no case
            numbers = []
        else:
            numbers = [refs.children[record.child_id]] if record.child_id in refs.children else []
        entries.append(
            Entry(
                kind=kind,
                kind_label=str(capfirst(model._meta.verbose_name)),
                record=record,
                action=str(ACTIONS.get(record.history_type, record.history_type)),
                case_numbers=numbers,
                changes=[] if record.history_type == "-" else _changes(model, record, previous, refs),
                cases=[(number, child_of_number.get(number)) for number in numbers],
                parts=[
                    (_part_label(part_kind, part), _changes(KINDS[part_kind], part, None, refs))
                    for part_kind, part in folded.get(history_id, [])
                ]
                if kind == "child"
                else [],
            )
        )
    return entries


@dataclass
class Window:
    """One page of the timeline, paged by marks (see Mark): the links to the newer and
    the older rows, None at either end. No page numbers and no total: counting a team's
    whole history was most of the page's cost."""

    newer: str | None
    older: str | None

    @property
    def paged(self) -> bool:
        return self.newer is not None or self.older is not None


def timeline_page(
    team: Team, f: ReviewFilter, before: str | None = None, after: str | None = None
) -> tuple[Window, list[Entry]]:
    """The page of the timeline older than the mark `before` (or newer than `after`;
    neither: the newest page), one row more read to know whether there is a next page."""
    older_than, newer_than = Mark.parse(before), Mark.parse(after)
    if older_than is not None:
        newer_than = None
    rows = list(history_rows(team, f, before=older_than, after=newer_than, limit=PAGE_SIZE + 1))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    if newer_than is not None:
        rows.reverse()  # read oldest first, shown newest first

    def mark(row) -> str:
        return Mark(row[1], row[0], row[2]).token()

    if not rows:
        return Window(newer=None, older=None), []
    if newer_than is not None:
        window = Window(newer=mark(rows[0]) if more else None, older=mark(rows[-1]))
    else:
        window = Window(newer=mark(rows[0]) if older_than is not None else None, older=mark(rows[-1]) if more else None)
    return window, timeline_entries(team, rows)


# --- Access review -------------------------------------------------------------------

# A lock-out after repeated wrong passwords is about an account, not a case.
ACTIONS_WITHOUT_A_CASE = (AccessAction.LIST, AccessAction.SEARCH, AccessAction.EXPORT, AccessAction.LOCKED)


def access_rows(team: Team, f: ReviewFilter) -> QuerySet[AccessLog]:
    """Access-log rows about the team's cases (views, denied attempts, exports of a case),
    and, on the team-wide review, the lists, searches, exports and lock-outs of the team's
    members and the resets of their second factor. Newest first."""
    # The ids as one array (casework.core.lookups): a subquery here would hide the log's
    # object_id index behind the OR below, and PostgreSQL would read the whole log.
    # A frozenset: the ORM walks a list's items one by one, a thousand of them.
    case_ids = frozenset(str(pk) for pk in _team_children(team, f).values_list("pk", flat=True))
    condition = Q(object_type="child", object_id__any_of=case_ids)
    if f.child_pk is None and not f.case_number:
        members = team_members(team).values("pk")
        condition |= Q(user_id__in=members, action__in=ACTIONS_WITHOUT_A_CASE, object_id="")
        # A system admin's reset of a member's second factor, whoever the admin is.
        member_ids = [str(pk) for pk in members.values_list("pk", flat=True)]
        condition |= Q(action=AccessAction.RESET, object_type="user", object_id__in=member_ids)
    rows = AccessLog.objects.filter(condition)
    if f.kind in PrivilegeKind.values:
        rows = rows.none()
    if f.user_id is not None:
        rows = rows.filter(user_id=f.user_id)
    if f.kind:
        rows = rows.filter(action=f.kind)
    start, end = f.date_range()
    if start:
        rows = rows.filter(at__gte=start)
    if end:
        rows = rows.filter(at__lt=end)
    return rows.order_by("-at", "-id")


def access_page(team: Team, f: ReviewFilter, number) -> Page:
    """A page of access_rows, each row with the case number of its case (if any): looked
    up for the page's rows only."""
    page = page_of(access_rows(team, f), number)
    page.object_list = list(page.object_list)
    # The nil id stands in when no row is about a case, so that the page always takes the
    # same queries (an empty IN would skip this one).
    shown = {uuid.UUID(int=0)}
    for entry in page.object_list:
        if entry.object_type == "child":
            try:
                shown.add(uuid.UUID(entry.object_id))
            except ValueError:
                pass
    cases = _team_children(team, f).filter(pk__in=shown)
    numbers = {str(pk): number for pk, number in cases.values_list("pk", "case_number")}
    for entry in page.object_list:
        entry.case_number = numbers.get(entry.object_id, "")
    return page


# How many privilege changes the access review lists at once (newest first); the dates
# narrow it to older ones. Changes of roles and teams are rare beside page views.
PRIVILEGE_CHANGES_SHOWN = 50


def privilege_rows(team: Team, f: ReviewFilter) -> QuerySet[PrivilegeChange]:
    """Changes of roles and teams (and device resets) that concern the team, newest first,
    with the review's filters: the person is the one changed or the one who changed it
    (a system admin), the kind is one of PrivilegeKind. Not about a case: a filter on a
    case, or on an access action, leaves none."""
    if f.child_pk is not None or f.case_number or (f.kind and f.kind not in PrivilegeKind.values):
        return PrivilegeChange.objects.none()
    rows = privilege_changes_of(team).select_related("team")
    if f.user_id is not None:
        rows = rows.filter(Q(subject_id=f.user_id) | Q(actor_id=f.user_id))
    if f.kind:
        rows = rows.filter(kind=f.kind)
    start, end = f.date_range()
    if start:
        rows = rows.filter(at__gte=start)
    if end:
        rows = rows.filter(at__lt=end)
    return rows.order_by("-at", "-id")


@dataclass
class PrivilegeList:
    rows: list[PrivilegeChange]
    count: int

    @property
    def more(self) -> int:
        return self.count - len(self.rows)


def privilege_list(team: Team, f: ReviewFilter) -> PrivilegeList:
    rows = privilege_rows(team, f)
    shown = list(rows[:PRIVILEGE_CHANGES_SHOWN])
    count = len(shown) if len(shown) < PRIVILEGE_CHANGES_SHOWN else rows.count()
    return PrivilegeList(rows=shown, count=count)
