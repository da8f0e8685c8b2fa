"""The timeline's index (casework.models.TimelineRow): which team sees which history row,
in the timeline's order, written with the history row itself.

Every row it holds is chosen by the same rules the timeline had without it
(supervision.queries._scopes for who sees what, _opened_with_a_child for what is folded
into a case's opening), evaluated in the database by INSERT ... SELECT over the history
tables, so the index cannot disagree with them about a row at the time it is written.
What it must follow afterwards is what changes who sees a row:

- a case's team (a transfer), its family, its deletion: the case's rows are written again
  from its history, and the family's, the mother's and the father's for every team that
  now has a child in that family (also when a case is opened: a sibling's case brings an
  existing family's history to its team, and the opening folds the family's creation);
- a family's mother or father: the old and the new parent's rows are written again.

Each of those changes writes a history row of the child or the family in the same
transaction, and that row's receiver (`index_history_row`) does the rewriting. The
timeline still checks every row it reads against the team's children of today
(queries._indexed_rows), so an index row left behind could only hide history, never
show another team's. `rebuild` writes the whole index again from the history.
"""

from collections.abc import Iterable
from typing import Any

from django.db import connections, models
from django.db.models import ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery, Value

from casework.models import TimelineRow
from casework.supervision.queries import KINDS, OPENED_WITH, _opened_with_a_child, _scopes
from children.models import Child
from families.models import Family

# The kinds whose rows a team sees through one case, and the column naming that case.
CASE_KINDS = {
    "child": "id",
    "document_access": "child_id",
    "interview": "child_id",
    "assignment": "child_id",
    "transfer": "child_id",
    "plan_goal": "child_id",
    "service": "child_id",
    "referral": "child_id",
}
# The kinds a team sees through the families of its cases (maybe several teams at once).
FAMILY_KINDS = ("family", "mother", "father")
KIND_OF_HISTORY = {model.history.model: kind for kind, model in KINDS.items()}
COLUMNS = ("team_id", "kind", "history_id", "history_date", "history_user_id", "anchor", "folded")


def _anchor(kind: str) -> str:
    return CASE_KINDS.get(kind, "id")


def _insert(kind: str, rows: QuerySet, team: Any) -> None:
    """INSERT INTO the index the history rows `rows` of `kind`, for `team` (a team's id, or
    an expression over the history row), with the folding rule evaluated in the database."""
    folded: Any = Value(False)
    if kind in OPENED_WITH:
        rows = rows.alias(opened_with=_opened_with_a_child(kind))
        folded = ExpressionWrapper(Q(history_type="+", opened_with=True), output_field=models.BooleanField())
    select = (
        rows.order_by()
        .annotate(
            tl_team=team if hasattr(team, "resolve_expression") else Value(team, output_field=models.IntegerField()),
            tl_kind=Value(kind, output_field=models.CharField()),
            tl_anchor=F(_anchor(kind)),
            tl_folded=folded,
        )
        .values_list("tl_team", "tl_kind", "history_id", "history_date", "history_user_id", "tl_anchor", "tl_folded")
    )
    connection = connections[rows.db]
    sql, params = select.query.get_compiler(using=rows.db).as_sql()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in COLUMNS)
    # history-safe: writes the timeline's derived index (not case data, not history)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(TimelineRow._meta.db_table)} ({columns}) {sql}", params)  # noqa: S608


def _history(kind: str) -> QuerySet:
    return KINDS[kind].history.all()


def _team_of_case(kind: str) -> Subquery:
    return Subquery(Child.objects.filter(pk=OuterRef(_anchor(kind))).values("team_id")[:1])


def _children_of(kind: str, anchors: Iterable[Any]) -> QuerySet[Child]:
    """The children through whom a team sees the families, mothers or fathers `anchors`."""
    lookup = {"family": "family_id__in", "mother": "family__mother_id__in", "father": "family__father_id__in"}[kind]
    return Child.objects.filter(**{lookup: list(anchors)})


def _fill_case(kind: str, rows: QuerySet) -> None:
    """The rows of a case's record, for the team of that case today (none if it is gone)."""
    anchor = _anchor(kind)
    _insert(kind, rows.filter(**{f"{anchor}__in": Child.objects.values("pk")}), _team_of_case(kind))


def _fill_family(kind: str, anchors: set, only: Q | None = None) -> None:
    """The rows of these families (mothers, fathers) for every team that has a child in
    them today, as _scopes reaches them from each team's children."""
    if not anchors:
        return
    teams = sorted(set(_children_of(kind, anchors).values_list("team_id", flat=True)))
    for team in teams:
        rows = _history(kind).filter(_scopes(Child.objects.filter(team_id=team))[kind], id__in=list(anchors))
        _insert(kind, rows.filter(only) if only is not None else rows, team)


def _rewrite_family(kind: str, anchors: set) -> None:
    anchors = {a for a in anchors if a is not None}
    if anchors:
        TimelineRow.objects.filter(kind=kind, anchor__in=list(anchors)).delete()
        _fill_family(kind, anchors)


def _rewrite_families(family_ids: set) -> None:
    """The family, mother and father rows of these families for the teams of today."""
    family_ids = {f for f in family_ids if f is not None}
    if not family_ids:
        return
    parents = list(Family.objects.filter(pk__in=list(family_ids)).values_list("mother_id", "father_id"))
    _rewrite_family("family", family_ids)
    _rewrite_family("mother", {mother for mother, _father in parents})
    _rewrite_family("father", {father for _mother, father in parents})


def _rewrite_case(child_id: Any) -> None:
    TimelineRow.objects.filter(kind__in=list(CASE_KINDS), anchor=child_id).delete()
    for kind, anchor in CASE_KINDS.items():
        _fill_case(kind, _history(kind).filter(**{anchor: child_id}))


def _previous(row: Any, *fields: str) -> tuple | None:
    """The same object's version just before `row` (None for a creation)."""
    if row.history_type == "+":
        return None
    return (
        type(row)
        .objects.filter(id=row.id, history_id__lt=row.history_id)
        .order_by("-history_id")
        .values_list(*fields)
        .first()
    )


def _child_row(row: Any) -> None:
    if row.history_type == "-":
        # A deleted case drops out of every team's timeline, and may take its family too.
        TimelineRow.objects.filter(kind__in=list(CASE_KINDS), anchor=row.id).delete()
        _rewrite_families({row.family_id})
        return
    before = _previous(row, "team_id", "family_id")
    if before is not None and before[0] != row.team_id:
        _rewrite_case(row.id)  # a transfer: the whole case follows it
    else:
        _fill_case("child", _history("child").filter(history_id=row.history_id))
    if before is None or before != (row.team_id, row.family_id):
        # An opening (a sibling's case brings its family's history; the opening folds the
        # family's creation), a transfer or a new family.
        _rewrite_families({row.family_id, before[1] if before else None})


def _family_row(row: Any) -> None:
    if row.history_type == "-":
        _rewrite_family("family", {row.id})
        _rewrite_family("mother", {row.mother_id})
        _rewrite_family("father", {row.father_id})
        return
    _fill_family("family", {row.id}, Q(history_id=row.history_id))
    before = _previous(row, "mother_id", "father_id")
    if before is not None and before != (row.mother_id, row.father_id):
        # Who sees a parent's history, and whether its creation folds, follow the family.
        _rewrite_family("mother", {before[0], row.mother_id})
        _rewrite_family("father", {before[1], row.father_id})


def index_history_row(sender: type[models.Model], history_instance: Any, using: str | None = None, **kwargs) -> None:
    """Receiver of simple-history's post_create_historical_record (connected in
    casework.apps): the new row goes into the index in the transaction that wrote it."""
    kind = KIND_OF_HISTORY.get(sender)
    if kind is None:
        return
    row = history_instance
    if kind == "child":
        _child_row(row)
    elif kind == "family":
        _family_row(row)
    elif kind in CASE_KINDS:
        _fill_case(kind, _history(kind).filter(history_id=row.history_id))
    elif kind in FAMILY_KINDS:
        _fill_family(kind, {row.id}, Q(history_id=row.history_id))
    elif kind == "partner":  # the team's own record: its team, from the row itself
        _insert(kind, _history(kind).filter(history_id=row.history_id), F("team_id"))
    else:  # a kind KINDS gained and this module does not know (a test fails on it)
        raise LookupError(f"the timeline's index does not know how a team sees {kind!r}")


def rebuild() -> None:
    """Write the whole index again from the history tables (a migration, the benchmark's
    builder, `manage.py rebuild_timeline_index`)."""
    TimelineRow.objects.all().delete()
    for kind in CASE_KINDS:
        _fill_case(kind, _history(kind))
    for team in sorted(set(Child.objects.values_list("team_id", flat=True))):
        children = Child.objects.filter(team_id=team)
        for kind in FAMILY_KINDS:
            _insert(kind, _history(kind).filter(_scopes(children)[kind]), team)
    _insert("partner", _history("partner"), F("team_id"))
