"""The benchmark's dataset: a large NGO's caseload built deterministically from a seed.

Shape (for N children): N / 1,000 teams of ten staff (one supervisor, nine caseworkers),
N / 2 families (two children each, every family with a mother, three in five with a
father), four doors per child, ten interviews per child (a hundred for the first case),
one assignment per child with its guardian grant rows, the team's oversight grants,
history for every row, and five access-log views per child. Every history and
access-log row takes its place in its table's keyed audit chain (casework.audit.chain:
seq, previous hash, HMAC under AUDIT_CHAIN_KEY) and the chain heads are moved to the
last rows, so verify_audit finds the trail intact. Every case gets the name search keys
open_case writes (computed with casework.names.readings, as casework.names.keys does),
and the year's case-number counter is set to the last number used. The same seed on the
same day gives the same rows (dates are counted back from today).

Rows are identical in shape to what the services write because the services write the
template: teams and staff are created through casework.access.services, then one case is
opened and one interview recorded through the real services inside a transaction; every
row they wrote is read back and the transaction rolled back. Each generated row starts
from the template row of its table (every column, every default, history's reason and
attribution) and changes only ids, foreign keys, names, categories and dates. A table the
services wrote that the generator does not know stops the build, so a new tracked model
cannot silently be missing from the benchmark. Rows go in with COPY, on a connection of
the builder's own in a thread (Writer), while the next batch is generated.
"""

import datetime
import itertools
import queue
import random
import threading
import time
import uuid
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction
from django.utils import timezone

from casework.access.services import create_team, join_team
from casework.audit.chain import GENESIS_HASH, RowDigester
from casework.audit.registry import HEAD_TABLE, Chain, chain_for
from casework.core import roles
from casework.interviews.services import record_interview
from casework.models import AccessLog, Assignment, AuditChainHead, Interview, LocationType, RiskLevel, TimelineRow
from casework.names.readings import person_keys
from casework.supervision import timeline_index
from children.models import (
    RECORD_KEY_RANGE,
    AccessStatus,
    Barrier,
    CaseNumberCounter,
    Child,
    ChildGroupObjectPermission,
    ChildUserObjectPermission,
    DocumentAccess,
    DocumentKind,
    HukouStatus,
    LivingArrangement,
    NamedPerson,
    NameKey,
    Sex,
)
from children.services import open_case
from families.models import Family, Father, Mother, MotherStatus, Province, Whereabouts

PASSWORD = "bench-password-not-secret"  # noqa: S105 (a throwaway database on loopback)
CHILDREN_PER_TEAM = 1000
CASEWORKERS_PER_TEAM = 9
INTERVIEWS_PER_CHILD = 10
VIEWS_PER_CHILD = 5
LONG_RECORD = 100
CHUNK = 5000  # children generated and copied at a time

TRACKED = (Mother, Father, Family, Child, DocumentAccess, Assignment, Interview)
GRANTS = (ChildUserObjectPermission, ChildGroupObjectPermission)
# Written by open_case beside the case and its history; no history of their own.
DERIVED = (NameKey,)
COUNTERS = (CaseNumberCounter,)
# Looked up once: each `.history` access builds a new manager class.
HISTORY = {model: model.history.model for model in TRACKED}
DOOR_KINDS = tuple(DocumentKind.values)
SEXES = tuple(Sex.values)
WHEREABOUTS = tuple(Whereabouts.values)
PLACES = tuple(LocationType.values)
RISKS = tuple(RiskLevel.values)


@dataclass
class Staff:
    teams: list  # Team
    supervisors: list  # User, one per team
    caseworkers: list  # list of User per team


def _table(model) -> str:
    return model._meta.db_table


def create_staff(children: int) -> Staff:
    """Teams, supervisors and caseworkers through the services (one shared password hash)."""
    user_model = get_user_model()
    password = make_password(PASSWORD)
    teams, supervisors, caseworkers = [], [], []
    for t in range(max(1, children // CHILDREN_PER_TEAM)):
        team = create_team(name=f"Team {t + 1:03d}")
        supervisor = user_model.objects.create(username=f"supervisor{t + 1}", password=password)
        join_team(user=supervisor, team=team, role=roles.SUPERVISOR)
        members = []
        for c in range(CASEWORKERS_PER_TEAM):
            user = user_model.objects.create(
                username=f"caseworker{t * CASEWORKERS_PER_TEAM + c + 1}", password=password
            )
            join_team(user=user, team=team, role=roles.CASEWORKER)
            members.append(user)
        teams.append(team)
        supervisors.append(supervisor)
        caseworkers.append(members)
    return Staff(teams, supervisors, caseworkers)


class _Rollback(Exception):
    pass


def _row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 (names from the catalogue)
            counts[table] = cursor.fetchone()[0]
        return counts


def capture_templates(staff: Staff) -> dict[str, list[dict[str, Any]]]:
    """Open one case and record one interview through the services; return every row they
    wrote, by table, and roll them back."""
    user, team = staff.caseworkers[0][0], staff.teams[0]
    before = _row_counts()
    captured: dict[str, list[dict[str, Any]]] = {}
    try:
        with transaction.atomic():
            child = open_case(
                by=user,
                team=team,
                child={
                    "given_name": "Template",
                    "family_name": "Case",
                    "sex": Sex.FEMALE,
                    "date_of_birth": datetime.date(2015, 5, 1),
                    "living_arrangement": LivingArrangement.FATHER_ONLY,
                },
                family_data={"province": Province.JILIN, "county": "Longjing", "village": "Sanhe"},
                mother={"given_name": "Template", "family_name": "Mother", "status": MotherStatus.REPATRIATED},
                father={"given_name": "Template", "family_name": "Father", "present": True},
            )
            record_interview(
                child=child,
                by=user,
                held_on=timezone.localdate(),
                location_type=LocationType.HOME,
                participants="child, father",
                notes="Template interview.",
            )
            after = _row_counts()
            with connection.cursor() as cursor:
                for table, count in after.items():
                    if count == before.get(table, 0):
                        continue
                    if before.get(table, 0):
                        raise RuntimeError(f"the services wrote to {table}, which already had rows")
                    cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608
                    names = [column.name for column in cursor.description]
                    captured[table] = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
            raise _Rollback
    except _Rollback:
        pass
    # The chain heads move (an UPDATE, no new row unless a head was missing); the builder
    # moves them itself at the end.
    captured.pop(HEAD_TABLE, None)
    # The timeline's index is written from the history at the end (timeline_index.rebuild).
    captured.pop(_table(TimelineRow), None)
    known = (
        {_table(m) for m in TRACKED}
        | {_table(m.history.model) for m in TRACKED}
        | {_table(m) for m in GRANTS + DERIVED + COUNTERS}
    )
    unknown = set(captured) - known
    if unknown:
        raise RuntimeError(f"the services wrote tables the benchmark does not generate: {sorted(unknown)}")
    return captured


_DRAWS: dict[tuple, tuple[tuple, list]] = {}


def _weighted(rng: random.Random, pairs):
    draw = _DRAWS.get(pairs)
    if draw is None:  # once per table of weights (module constants)
        values, weights = zip(*pairs, strict=True)
        # Plain strings, not the choices' enum members, which the hashing could only
        # canonicalise through the field's to_python; the text in the row is the same.
        plain = tuple(getattr(value, "value", value) for value in values)
        # The cumulative weights choices() would compute on each call: the same draws.
        draw = _DRAWS[pairs] = (plain, list(itertools.accumulate(weights)))
    values, cumulative = draw
    return rng.choices(values, cum_weights=cumulative)[0]


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _moment(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


class Links:
    """The keyed audit chains the builder extends: per table, the last (seq, hash), read
    from the heads when the build starts and written back to them by `move_heads`."""

    def __init__(self):
        self.heads: dict[str, tuple[int, str]] = {
            chain: (seq, row_hash)
            for chain, seq, row_hash in AuditChainHead.objects.values_list("chain", "seq", "row_hash")
        }
        # Hashing dominated the build through row_digest (a field's to_python per value).
        self.digesters: dict[str, RowDigester] = {}

    def link(self, chain: Chain, row: dict[str, Any]) -> None:
        """Give `row` (column values by attname) its place after the table's last row and its hash."""
        seq, prev_hash = self.heads.get(chain.table, (0, GENESIS_HASH))
        row[chain.seq] = seq + 1
        row[chain.prev] = prev_hash
        digester = self.digesters.get(chain.table)
        if digester is None:
            digester = self.digesters[chain.table] = RowDigester(chain)
        row[chain.hash] = row_hash = digester.digest(row)
        self.heads[chain.table] = (seq + 1, row_hash)

    def move_heads(self) -> None:
        """Every head to its table's last row: seq only ever goes up, as the triggers require."""
        # history-safe: the chains' heads, not case data
        with connection.cursor() as cursor:
            for table, (seq, row_hash) in self.heads.items():
                cursor.execute(
                    f"INSERT INTO {HEAD_TABLE} (chain, seq, row_hash) VALUES (%s, %s, %s) "  # noqa: S608
                    "ON CONFLICT (chain) DO UPDATE SET seq = EXCLUDED.seq, row_hash = EXCLUDED.row_hash",
                    [table, seq, row_hash],
                )


def _backend_cpu(pid: int) -> float:
    """Seconds on the CPU so far of a PostgreSQL backend on this machine (0 if not local)."""
    try:
        with open(f"/proc/{pid}/schedstat") as handle:
            return int(handle.read().split()[0]) / 1e9
    except OSError:
        return 0.0


class Writer:
    """COPYs batches on a connection of its own, in a thread, while the generator makes the
    next batch: PostgreSQL parses and indexes one batch while Python builds the next (psycopg
    lets go of the GIL while it waits on the socket). One connection cannot serve two threads,
    so Django's connection stays the generator's and this one only ever COPYs."""

    def __init__(self):
        import psycopg

        settings = connection.settings_dict
        self.connection = psycopg.connect(
            dbname=settings["NAME"],
            user=settings["USER"] or None,
            password=settings["PASSWORD"] or None,
            host=settings["HOST"] or None,
            port=settings["PORT"] or None,
            autocommit=True,  # each COPY commits itself, as Django's connection did
        )
        # The generator keeps the foreign keys consistent itself; checking them row by row
        # doubled the build. replica mode skips the FK and append-only triggers for this
        # session only (the triggers refuse UPDATE/DELETE, not INSERT). Nothing is lost
        # to a crash that a rebuild would not redo, so no waiting for the WAL's flush.
        self.connection.execute("SET session_replication_role = replica")
        self.connection.execute("SET synchronous_commit = off")
        self.pid = self.connection.info.backend_pid
        self.cpu = 0.0  # the backend's CPU seconds, read before it goes
        self.total = 0
        self.error: BaseException | None = None
        # Two batches at most wait: memory stays bounded when PostgreSQL is the slower.
        self.queue: queue.Queue = queue.Queue(maxsize=2)
        self.thread = threading.Thread(target=self._run, name="bench-copy", daemon=True)
        self.thread.start()

    def put(self, table: str, columns: list[str], rows: list[tuple] | list[list[Any]], json_columns=()) -> None:
        if self.error is not None:
            raise RuntimeError("copying the benchmark's rows failed") from self.error
        self.queue.put((table, columns, rows, json_columns))

    def _run(self) -> None:
        from psycopg.types.json import Jsonb

        with self.connection.cursor() as cursor:
            while (batch := self.queue.get()) is not None:
                if self.error is not None:
                    continue  # drain, so that the generator never blocks on a dead writer
                table, columns, rows, json_columns = batch
                try:
                    names = ", ".join(f'"{c}"' for c in columns)
                    with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:  # noqa: S608
                        # psycopg formats each row in C: a third of the time our own
                        # text formatting took, and it escapes as COPY's text format needs.
                        if json_columns:
                            for values in rows:
                                row = list(values)
                                for index in json_columns:
                                    if row[index] is not None:
                                        row[index] = Jsonb(row[index])
                                copy.write_row(row)
                        else:
                            for row in rows:
                                copy.write_row(row)
                    self.total += len(rows)
                except BaseException as error:  # noqa: BLE001 (handed to the generator)
                    self.error = error

    def close(self) -> int:
        """Wait for the last COPY; the number of rows copied."""
        self.queue.put(None)
        self.thread.join()
        self.cpu = _backend_cpu(self.pid)
        self.connection.close()
        if self.error is not None:
            raise RuntimeError("copying the benchmark's rows failed") from self.error
        return self.total


class Copier:
    """Rows per table, handed to the writer (one COPY per table) when flushed."""

    def __init__(self, templates: dict[str, list[dict[str, Any]]], links: Links):
        self.templates = templates
        self.links = links
        self.writer = Writer()
        self.rows: dict[str, list[tuple]] = {}
        self.columns: dict[str, list[str]] = {}
        self.json_columns: dict[str, tuple[int, ...]] = {}
        self.total = 0
        self._found: dict = {}
        self._chains = {model: chain_for(HISTORY[model]) for model in TRACKED}
        self._pick: dict[str, Any] = {}
        self._tracked: dict = {}  # per model: its templates, the fields its history keeps, its chain

    def template(self, model, **match) -> dict[str, Any]:
        key = (model, tuple(sorted(match.items())))
        if key not in self._found:
            rows = [row for row in self.templates[_table(model)] if all(row[k] == v for k, v in match.items())]
            if not rows:
                raise LookupError(f"no template row in {_table(model)} for {match}")
            self._found[key] = rows[0]
        return self._found[key]

    def add(
        self, model, base: dict[str, Any], values: dict[str, Any], omit=("id",), chain: Chain | None = None
    ) -> dict[str, Any]:
        row = {**base, **values}
        if chain is not None:
            self.links.link(chain, row)  # the primary key is not part of the hash
        for name in omit:
            row.pop(name, None)
        table = model._meta.db_table
        pick = self._pick.get(table)
        if pick is None:
            columns = self.columns[table] = list(row)
            self.json_columns[table] = _json_columns(model, columns)
            # One C call per row for its values in column order (a tuple, as COPY takes it).
            pick = self._pick[table] = itemgetter(*columns) if len(columns) > 1 else lambda r: (r[columns[0]],)
        self.rows.setdefault(table, []).append(pick(row))
        return row

    def tracked(self, model, values: dict[str, Any], *, at: datetime.datetime, user) -> dict[str, Any]:
        """The row and its creation history ('+'), as save_tracked writes them."""
        found = self._tracked.get(model)
        if found is None:
            template, history = self.template(model), self.template(HISTORY[model], history_type="+")
            kept = [name for name in {**template, **values} if name in history]  # excluded fields stay out
            found = self._tracked[model] = (template, history, kept, self._chains[model])
        template, history, kept, chain = found
        row = self.add(model, template, values, omit=())
        past = {name: row[name] for name in kept}
        past["history_date"] = at
        past["history_user_id"] = user.pk
        past["history_username"] = user.username
        self.add(HISTORY[model], history, past, omit=("history_id",), chain=chain)
        return row

    def flush(self) -> None:
        order = [_table(m) for model in TRACKED for m in (model, HISTORY[model])] + [
            _table(m) for m in GRANTS + DERIVED
        ]
        for table in sorted(self.rows, key=order.index):
            rows = self.rows[table]
            self.writer.put(table, self.columns[table], rows, self.json_columns[table])
            self.total += len(rows)
        self.rows = {}

    def close(self) -> int:
        """Wait for the writer's last COPY; the number of rows copied."""
        self.flush()
        return self.writer.close()


def _json_columns(model, columns: list[str]) -> tuple[int, ...]:
    """Where in a row the JSON columns are (psycopg copies a dict only as Jsonb)."""
    json = {f.attname for f in model._meta.concrete_fields if isinstance(f, models.JSONField)}
    return tuple(index for index, name in enumerate(columns) if name in json)


class NameKeys:
    """The search keys open_case writes for a case (casework.names.keys.keys_of_case): the
    child's, the mother's and the father's names, each through the same readings."""

    def __init__(self, copier: Copier):
        self.copier = copier
        self._keys: dict[tuple[str, str], list[str]] = {}  # names repeat: read each pair once

    def _of(self, person: dict[str, Any]) -> list[str]:
        names = (person["family_name"], person["given_name"])
        if names not in self._keys:
            self._keys[names] = sorted({key[:255] for key in person_keys(*names)})
        return self._keys[names]

    def add(self, child: dict[str, Any], mother: dict[str, Any], father: dict[str, Any] | None) -> None:
        people = ((NamedPerson.CHILD, child), (NamedPerson.MOTHER, mother), (NamedPerson.FATHER, father))
        for whose, person in people:
            if person is None:
                continue
            template = self.copier.template(NameKey, whose=whose)
            for key in self._of(person):
                self.copier.add(NameKey, template, {"child_id": child["id"], "whose": whose, "key": key})


MOTHER_STATUS = (
    (MotherStatus.REPATRIATED, 36),
    (MotherStatus.RAN_AWAY, 31),
    (MotherStatus.PRESENT, 22),
    (MotherStatus.UNKNOWN, 11),
)
LIVING = (
    (LivingArrangement.FATHER_ONLY, 35),
    (LivingArrangement.GRANDPARENTS, 30),
    (LivingArrangement.BOTH_PARENTS, 15),
    (LivingArrangement.RELATIVES, 12),
    (LivingArrangement.MOTHER_ONLY, 5),
    (LivingArrangement.OTHER, 3),
)
PROVINCE = ((Province.JILIN, 75), (Province.LIAONING, 12), (Province.HEILONGJIANG, 10), (Province.OTHER, 3))
HUKOU = ((HukouStatus.UNREGISTERED, 80), (HukouStatus.IN_PROGRESS, 12), (HukouStatus.REGISTERED, 8))
DOOR = (
    (AccessStatus.NO_ACCESS, 55),
    (AccessStatus.HAS_ACCESS, 20),
    (AccessStatus.IN_PROGRESS, 10),
    (AccessStatus.NOT_APPLICABLE, 15),
)
GIVEN = ("Min", "Hua", "Yu", "Jin", "Mei", "Lan", "Hyun", "Soo", "Young", "Chun", "Li", "Na")
FAMILY = ("Kim", "Lee", "Park", "Choi", "Jang", "Wang", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Sun")
COUNTIES = ("Yanji", "Longjing", "Helong", "Hunchun", "Tumen", "Antu", "Wangqing", "Dunhua")
NOTES = (
    "The child looked healthy and was playing outside when we arrived.",
    "The house needs repairs before winter; the family is short of money this season.",
    "Explained the registration procedure through the father, including the DNA test.",
    "Brought school supplies and winter clothing.",
    "Referred the child to the partner clinic for a check-up.",
)


def build(children: int, seed: int, progress=print) -> dict[str, Any]:
    """Build the whole dataset into the (migrated, empty) default database."""
    started = time.monotonic()
    rng = random.Random(seed)
    today = timezone.localdate()
    with transaction.atomic():
        staff = create_staff(children)
    progress(f"  {len(staff.teams)} teams and their staff, {time.monotonic() - started:.0f} s")
    templates = capture_templates(staff)
    progress(f"  template case captured ({len(templates)} tables), {time.monotonic() - started:.0f} s")
    links = Links()  # after the template's rollback: the heads as the staff left them
    copier = Copier(templates, links)
    name_keys = NameKeys(copier)
    user_grants = copier.templates[_table(ChildUserObjectPermission)]
    group_grants = copier.templates[_table(ChildGroupObjectPermission)]
    per_team = max(1, children // len(staff.teams))
    year = today.year
    views: list[tuple[datetime.datetime, Any, uuid.UUID]] = []
    family = mother = father = None
    for number in range(children):
        team_index = min(number // per_team, len(staff.teams) - 1)
        team = staff.teams[team_index]
        user = staff.caseworkers[team_index][number % CASEWORKERS_PER_TEAM]
        opened_on = today - datetime.timedelta(days=rng.randint(30, 3 * 365))
        opened_at = _moment(opened_on, 9, number % 60)
        if number % 2 == 0:  # a new family for every other child: siblings share it
            mother = copier.tracked(
                Mother,
                {
                    "id": _uuid(rng),
                    "given_name": rng.choice(GIVEN),
                    "family_name": rng.choice(FAMILY[:5]),
                    "birth_year": rng.randint(1970, 1995),
                    "status": _weighted(rng, MOTHER_STATUS),
                    "whereabouts": rng.choice(WHEREABOUTS),
                },
                at=opened_at,
                user=user,
            )
            father = None
            if rng.random() < 0.6:
                father = copier.tracked(
                    Father,
                    {
                        "id": _uuid(rng),
                        "given_name": rng.choice(GIVEN),
                        "family_name": rng.choice(FAMILY[5:]),
                        "birth_year": rng.randint(1960, 1990),
                        "present": rng.random() < 0.7,
                    },
                    at=opened_at,
                    user=user,
                )
            family = copier.tracked(
                Family,
                {
                    "id": _uuid(rng),
                    "mother_id": mother["id"],
                    "father_id": father["id"] if father else None,
                    "province": _weighted(rng, PROVINCE),
                    "county": rng.choice(COUNTIES),
                    "village": "Sanhe",
                    "created_at": opened_at,
                    "updated_at": opened_at,
                },
                at=opened_at,
                user=user,
            )
        assert family is not None and mother is not None
        child = copier.tracked(
            Child,
            {
                "id": _uuid(rng),
                "case_number": f"C-{year}-{number + 1:06d}",
                "given_name": rng.choice(GIVEN),
                "family_name": rng.choice(FAMILY),
                "sex": rng.choice(SEXES),
                "date_of_birth": today - datetime.timedelta(days=rng.randint(365, 18 * 365)),
                "family_id": family["id"],
                "team_id": team.pk,
                "living_arrangement": _weighted(rng, LIVING),
                "hukou_status": _weighted(rng, HUKOU),
                "consent_recorded_on": opened_on if rng.random() < 0.9 else None,
                # Each child its own secret key (the aggregates' cell keys), from the seed.
                "record_key": rng.randrange(RECORD_KEY_RANGE),
                "created_at": opened_at,
                "updated_at": opened_at,
            },
            at=opened_at,
            user=user,
        )
        name_keys.add(child, mother, father)
        for kind in DOOR_KINDS:
            status = _weighted(rng, DOOR)
            copier.tracked(
                DocumentAccess,
                {
                    "id": _uuid(rng),
                    "child_id": child["id"],
                    "kind": kind,
                    "status": status,
                    "barrier": Barrier.NO_HUKOU if status == AccessStatus.NO_ACCESS else "",
                    "updated_on": opened_on,
                },
                at=opened_at,
                user=user,
            )
        copier.tracked(
            Assignment,
            {
                "id": _uuid(rng),
                "child_id": child["id"],
                "caseworker_id": user.pk,
                "granted_by_id": user.pk,
                "granted_at": opened_at,
            },
            at=opened_at,
            user=user,
        )
        for grant in user_grants:
            copier.add(ChildUserObjectPermission, grant, {"user_id": user.pk, "content_object_id": child["id"]})
        for grant in group_grants:
            copier.add(
                ChildGroupObjectPermission,
                grant,
                {"group_id": team.oversight_group_id, "content_object_id": child["id"]},
            )
        span = (today - opened_on).days
        # The first case has a long record: the case page is measured with 100 interviews.
        visits = LONG_RECORD if number == 0 else INTERVIEWS_PER_CHILD
        for visit in range(visits):
            held_on = opened_on + datetime.timedelta(days=span * visit // visits)
            last = visit == visits - 1
            at = _moment(held_on, 14, number % 60)
            copier.tracked(
                Interview,
                {
                    "id": _uuid(rng),
                    "child_id": child["id"],
                    "caseworker_id": user.pk,
                    "held_on": held_on,
                    "location_type": rng.choice(PLACES),
                    "participants": "child, father",
                    "notes": rng.choice(NOTES),
                    "risk_level": rng.choice(RISKS),
                    # The last visit's follow-up: one case in five overdue, the rest due later.
                    "follow_up_on": held_on + datetime.timedelta(days=rng.choice((7, 120, 120, 120, 120)))
                    if last
                    else None,
                    "submission_token": None,
                    "created_at": at,
                },
                at=at,
                user=user,
            )
        for _ in range(VIEWS_PER_CHILD):
            seen = opened_at + datetime.timedelta(seconds=rng.randint(0, max(1, span) * 86400))
            views.append((seen, user, child["id"]))
        if (number + 1) % CHUNK == 0 or number + 1 == children:
            copier.flush()
            progress(f"  {number + 1:,} children, {copier.total:,} rows, {time.monotonic() - started:.0f} s")
    write_access_log(views, links, copier.writer)
    rows = copier.close()  # every COPY done before the heads move and the rows are read
    links.move_heads()
    # The next case opened this year follows the last generated number.
    CaseNumberCounter.objects.update_or_create(year=year, defaults={"last_serial": children})
    # The timeline's index, from the copied history by the rules the services' receiver
    # applies row by row (INSERT ... SELECT over the history tables: the same team and
    # folding rules, in a few statements rather than a Python copy of them).
    index_started = time.monotonic()
    with transaction.atomic():
        timeline_index.rebuild()
    progress(f"  timeline index from the history, {time.monotonic() - index_started:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "rows": rows,
        "seconds": time.monotonic() - started,
        "staff": staff,
        # The copying connection's backend is gone when the build returns: its CPU, read before.
        "copy_backend_cpu": copier.writer.cpu,
    }


def write_access_log(views, links: Links, writer: Writer) -> None:
    """The views in time order as log_access writes them, each linked into the access
    log's keyed chain (the head is moved with the others, by `Links.move_heads`)."""
    views.sort(key=lambda view: view[0])
    chain = chain_for(AccessLog)
    assert chain is not None
    fields = [f for f in AccessLog._meta.concrete_fields if f.name != "id"]
    columns = [f.column for f in fields]
    json_columns = _json_columns(AccessLog, [f.attname for f in fields])
    rows: list[list[Any]] = []
    for at, user, child_id in views:
        values = {
            "at": at,
            "user_id": user.pk,
            "username": user.username,
            "action": "view",
            "object_type": "child",
            "object_id": str(child_id),
            "address": "127.0.0.1",
            "detail": {},
        }
        # The writer's own digest, so the chain is the one verify_audit checks.
        links.link(chain, values)
        rows.append([values[f.attname] for f in fields])
        if len(rows) == CHUNK * VIEWS_PER_CHILD * 4:  # copied while the next are linked
            writer.put(AccessLog._meta.db_table, columns, rows, json_columns)
            rows = []
    if rows:
        writer.put(AccessLog._meta.db_table, columns, rows, json_columns)
