"""The audit chains: one keyed hash chain per audit table (the access log, each history
table; casework.audit.registry lists them).

Each row carries its place in its table's chain (seq), the previous row's hash and its
own: the HMAC-SHA-256, under AUDIT_CHAIN_KEY, of the table's name and the row's content
(every column but the primary key and the hash itself). A changed row fails its own
hash; a removed row breaks the next row's link and sequence; a chain rebuilt without the
key fails every hash it rewrote. The key lives in the environment, never in the database.

Writers call `link_row` just before the INSERT, in the same transaction: it moves the
table's head (AuditChainHead) one on with `UPDATE ... RETURNING`, which locks that one
row until the transaction ends and so orders concurrent writers of the table. The
triggers of casework.audit.append_only refuse to delete a head or move it backwards.
"""

import datetime
import decimal
import hashlib
import hmac
import json
import math
import uuid
from collections.abc import Callable
from typing import Any, TypeAlias

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from casework.audit.registry import HEAD_TABLE, Chain, chain_for

# What stable_json gives back: JSON with no floats (they become strings).
StableJson: TypeAlias = dict[str, "StableJson"] | list["StableJson"] | str | int | bool | None

GENESIS_HASH = "0" * 64
DIGEST_PREFIX = b"casework-audit-chain-v2\n"


class ChainHeadMissing(Exception):
    """A table holds rows but its chain has no head: someone removed it. Writing on from
    the table's tail would hide whatever was cut off, so nothing is written."""


def stable_json(value: object) -> StableJson:
    """Values as they read back from every backend: floats become strings (jsonb and
    JSON text disagree on how to write some of them), keys become strings."""
    if isinstance(value, dict):
        return {str(key): stable_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [stable_json(item) for item in value]
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


def _timestamp(at: datetime.datetime) -> str:
    return at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _canonical(field: models.Field, value: Any) -> StableJson:  # type: ignore[type-arg]
    """One column's value as the same text whether it comes from the writer's instance or
    from the database (Decimal scale, UUID type, SQLite's integers for booleans)."""
    if value is None:
        return None
    if isinstance(field, models.JSONField):
        return stable_json(value)
    value = field.to_python(value)
    if value is None or (value == "" and field.null):
        return None
    if isinstance(value, datetime.datetime):
        return _timestamp(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, uuid.UUID):
        return str(value)
    return stable_json(value)


def row_content(chain: Chain, row: models.Model) -> dict[str, StableJson]:
    """Every column but the primary key and the hash. Empty (NULL) values are left out, so
    that adding a nullable column to an audit table changes no earlier row's hash."""
    content: dict[str, StableJson] = {}
    for field in chain.model._meta.concrete_fields:
        if field.primary_key or field.attname == chain.hash:
            continue
        value = _canonical(field, getattr(row, field.attname))
        if value is not None:
            content[field.attname] = value
    return content


def chain_key() -> bytes:
    return settings.AUDIT_CHAIN_KEY.encode()


def row_digest(chain: Chain, row: models.Model, *, key: bytes | None = None) -> str:
    canonical = json.dumps(
        row_content(chain, row), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    message = DIGEST_PREFIX + chain.table.encode() + b"\n" + canonical.encode()
    return hmac.new(chain_key() if key is None else key, message, hashlib.sha256).hexdigest()


def _advance_head(connection: BaseDatabaseWrapper, table: str) -> tuple[int, str]:
    """Lock the table's chain head and move it one on: the new row's seq and the previous
    hash. The UPDATE comes first, so that on SQLite the write lock is taken before any read."""
    # history-safe: the chain's head, not case data
    with connection.cursor() as cursor:
        advance = f"UPDATE {HEAD_TABLE} SET seq = seq + 1 WHERE chain = %s RETURNING seq, row_hash"  # noqa: S608
        cursor.execute(advance, [table])
        head = cursor.fetchone()
        if head is not None:
            return head[0], head[1]
        # No head: a table new in this migration, or one the test runner has just flushed.
        # Started at the beginning only while the table is empty.
        cursor.execute(f'SELECT 1 FROM "{table}" LIMIT 1')  # noqa: S608  (a table name from the registry)
        if cursor.fetchone() is not None:
            raise ChainHeadMissing(f"the audit chain of {table} has no head; nothing is written")
        cursor.execute(
            f"INSERT INTO {HEAD_TABLE} (chain, seq, row_hash) VALUES (%s, 0, %s) ON CONFLICT DO NOTHING",  # noqa: S608
            [table, GENESIS_HASH],
        )
        cursor.execute(advance, [table])
        head = cursor.fetchone()
        return head[0], head[1]


def link_row(connection: BaseDatabaseWrapper, chain: Chain, row: models.Model, *, with_insert: bool = False) -> None:
    """Give `row` (not saved yet) its place in its table's chain and its hash, and move
    the head to it. Call inside the transaction that inserts the row, right before the
    INSERT: the head stays locked until that transaction ends.

    With `with_insert` on PostgreSQL, the head's new hash is not written here: the row's
    INSERT writes it in the same statement (`head_prefix`), one round trip fewer."""
    seq, prev_hash = _advance_head(connection, chain.table)
    setattr(row, chain.seq, seq)
    setattr(row, chain.prev, prev_hash)
    row_hash = row_digest(chain, row)
    setattr(row, chain.hash, row_hash)
    if with_insert and connection.vendor == "postgresql":
        # history-safe: the chain's head, not case data
        update = f"WITH chain_head AS (UPDATE {HEAD_TABLE} SET row_hash = %s WHERE chain = %s) "  # noqa: S608
        row._insert_prefix = (update, [row_hash, chain.table])  # type: ignore[attr-defined]
        return
    # history-safe: the chain's head, not case data
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {HEAD_TABLE} SET row_hash = %s WHERE chain = %s", [row_hash, chain.table])  # noqa: S608


def head_prefix(row: models.Model) -> tuple[str, list[Any]]:
    """The start of the INSERT of a row that `link_row(..., with_insert=True)` linked: a
    data-modifying WITH that moves the head's hash to the row, so that the head and the
    row are written by one statement (PostgreSQL only; elsewhere nothing is pending and
    the prefix is empty). The head is already locked by this transaction's advance."""
    return row.__dict__.pop("_insert_prefix", None) or ("", [])


def insert_linked(row: models.Model, using: str = DEFAULT_DB_ALIAS) -> None:
    """Insert a new row of a chained audit table that records a change (the admin's log,
    the record of privilege changes): stamped now and linked into its chain, inside the
    caller's transaction, so that a change rolled back leaves no record of itself."""
    chain = chain_for(type(row))
    if chain is None:
        raise ValueError(f"{type(row).__name__} is not a chained audit table")
    with transaction.atomic(using=using):
        setattr(row, chain.at, timezone.now())
        link_row(connections[using], chain, row)
        row.save(force_insert=True, using=using)


def start_heads(connection: BaseDatabaseWrapper, tables: list[str]) -> None:
    """Create the head of every chain that has none yet, at the beginning. For new,
    empty tables only (migrate, the test runner's flush): a table with rows gets its
    head from `rechain`."""
    # history-safe: the chains' heads, not case data
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"INSERT INTO {HEAD_TABLE} (chain, seq, row_hash) VALUES (%s, 0, %s) ON CONFLICT DO NOTHING",  # noqa: S608
                [table, GENESIS_HASH],
            )


def link_history_row(sender: type[models.Model], row: models.Model, using: str, **kwargs: Any) -> None:
    """Receiver of casework.core.history.history_row_inserting (connected in
    casework.apps): every history row is linked into its table's chain."""
    chain = chain_for(sender)
    if chain is None:  # a history model of an app outside TRACKED_APPS
        return
    link_row(connections[using], chain, row, with_insert=True)


def rechain(connection: BaseDatabaseWrapper, chain: Chain) -> None:
    """Hash a whole table again, in its chain order (rows not yet chained last, in the
    order they were written), and move its head to the end. Run on a live chain it would
    hide every change made to it: the tests use it as the insider who holds the key would.
    A migration never imports it: it uses a frozen copy (casework/audit/frozen/), which
    does tomorrow what it did the day the migration was written."""
    quote = connection.ops.quote_name
    pk = chain.model._meta.pk
    assert pk is not None
    update = (
        f"UPDATE {quote(chain.table)} SET {quote(chain.seq)} = %s, {quote(chain.prev)} = %s, "  # noqa: S608
        f"{quote(chain.hash)} = %s WHERE {quote(pk.column)} = %s"
    )
    rows = chain.model._base_manager.using(connection.alias).order_by(
        models.F(chain.seq).asc(nulls_last=True), pk.attname
    )
    seq, prev_hash = 0, GENESIS_HASH
    # history-safe: chains audit rows in a migration; no content changes
    with connection.cursor() as cursor:
        for row in rows.iterator(chunk_size=2000):
            seq += 1
            setattr(row, chain.seq, seq)
            setattr(row, chain.prev, prev_hash)
            row_hash = row_digest(chain, row)
            cursor.execute(update, [seq, prev_hash, row_hash, row.pk])
            prev_hash = row_hash
        # history-safe: the chain's head, not case data
        cursor.execute(f"DELETE FROM {HEAD_TABLE} WHERE chain = %s", [chain.table])  # noqa: S608
        cursor.execute(
            f"INSERT INTO {HEAD_TABLE} (chain, seq, row_hash) VALUES (%s, %s, %s)",  # noqa: S608
            [chain.table, seq, prev_hash],
        )


# row_digest's json.dumps arguments as one encoder: json.dumps builds a new one per call
# when given any argument, a fifth of the digester's time.
_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


class RowDigester:
    """`row_digest` for many rows of one chain given as plain values by attname (the
    benchmark's builder hashes millions): the same text and the same hash, without a
    field's `to_python` per value. Each column's kind is looked up once; a value of a
    type the fast path does not know goes through `_canonical`, so the output never
    differs from `row_digest` (tests/casework/audit/test_chain_digester.py)."""

    def __init__(self, chain: Chain, *, key: bytes | None = None) -> None:
        self.chain = chain
        self.key = chain_key() if key is None else key
        self.prefix = DIGEST_PREFIX + chain.table.encode() + b"\n"
        self.columns: list[tuple[str, str, models.Field]] = []  # type: ignore[type-arg]
        for field in chain.model._meta.concrete_fields:
            if field.primary_key or field.attname == chain.hash:
                continue
            if isinstance(field, models.JSONField):
                kind = "json"
            elif type(field) in (models.CharField, models.TextField):
                kind = "text-null" if field.null else "text"
            elif isinstance(field, models.DateTimeField):
                kind = "datetime"
            elif isinstance(field, models.DateField):
                kind = "date"
            elif isinstance(field, models.BooleanField):
                kind = "bool"
            elif isinstance(field, (models.IntegerField, models.UUIDField, models.ForeignKey)):
                kind = "key"
            else:
                kind = "other"
            self.columns.append((field.attname, kind, field))

        # A builder's rows share their moments (a case's rows are all stamped alike):
        # each moment's text is made once.
        self.stamps: dict[datetime.datetime, str] = {}
        # Per column, one function that turns a value into its canonical text, chosen once
        # here rather than by comparing the kind per value.
        self.converters = [(attname, self._converter(kind, field)) for attname, kind, field in self.columns]
        # The key and the prefix go into the HMAC once; each row hashes a copy.
        self.keyed = hmac.new(self.key, self.prefix, hashlib.sha256)

    def _converter(self, kind: str, field: models.Field) -> Callable[[Any], StableJson]:  # type: ignore[type-arg]
        def fallback(value: Any) -> StableJson:
            return _canonical(field, value)

        if kind == "json":
            return stable_json
        if kind == "text":
            return lambda value: value if type(value) is str else fallback(value)
        if kind == "text-null":
            return lambda value: (None if value == "" else value) if type(value) is str else fallback(value)
        if kind == "datetime":
            stamps = self.stamps

            def stamp(value: Any) -> StableJson:
                if type(value) is not datetime.datetime or value.tzinfo is None:
                    return fallback(value)
                text = stamps.get(value)
                if text is None:
                    if len(stamps) > 100_000:  # bounded: the build's moments only repeat nearby
                        stamps.clear()
                    text = stamps[value] = _timestamp(value)
                return text

            return stamp
        if kind == "date":
            return lambda value: value.isoformat() if type(value) is datetime.date else fallback(value)
        if kind == "bool":
            return lambda value: value if type(value) is bool else fallback(value)
        if kind == "key":

            def key(value: Any) -> StableJson:
                kind_of = type(value)
                if kind_of is int:
                    return int(value)
                return str(value) if kind_of is uuid.UUID else fallback(value)

            return key
        return fallback

    def digest(self, row: dict[str, Any]) -> str:
        content: dict[str, StableJson] = {}
        for attname, convert in self.converters:
            value = row.get(attname)
            if value is None:
                continue
            canonical = convert(value)
            if canonical is not None:
                content[attname] = canonical
        text = _CANONICAL_JSON.encode(content)
        keyed = self.keyed.copy()
        keyed.update(text.encode())
        return keyed.hexdigest()
