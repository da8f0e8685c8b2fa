"""FROZEN: the keyed chain, version 2 ("casework-audit-chain-v2"), as the migrations that
added the chain columns use it (casework 0006, children 0005 and 0006, families 0002).
Do not edit: see casework/audit/frozen/__init__.py. A copy of casework.audit.chain and
casework.audit.registry as of those migrations, trimmed to what chaining the rows already
in a table needs; it imports nothing of the live code.

`chain_existing_rows(app_label)` is a RunPython operation: it hashes every chained audit
table of the app again, in chain order (rows not yet chained last, in the order they were
written), with HMAC-SHA-256 under settings.AUDIT_CHAIN_KEY, and sets each table's head.
The migration drops the append-only triggers before it and installs them after.
"""

import datetime
import decimal
import hashlib
import hmac
import json
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps.registry import Apps
from django.conf import settings
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

HEAD_TABLE = "casework_auditchainhead"
GENESIS_HASH = "0" * 64
DIGEST_PREFIX = b"casework-audit-chain-v2\n"
TRACKED_APPS = ("casework", "children", "families")
# The chained audit models of version 2 besides the history tables, with their columns.
AUDIT_MODELS = {"casework.AccessLog": ("seq", "prev_hash", "row_hash", "at")}
HISTORY_COLUMNS = ("chain_seq", "chain_prev", "chain_hash", "history_date")


@dataclass(frozen=True)
class Chain:
    model: type[models.Model]
    seq: str
    prev: str
    hash: str
    at: str

    @property
    def table(self) -> str:
        return self.model._meta.db_table


def _field_names(model: type[models.Model]) -> set[str]:
    return {field.name for field in model._meta.get_fields()}


def chains_of_app(apps: Apps, app_label: str) -> list[Chain]:
    """The app's chained audit tables at this point of the migration graph."""
    found = []
    for model in sorted(apps.get_models(), key=lambda m: m._meta.db_table):
        meta = model._meta
        if meta.app_label != app_label or meta.app_label not in TRACKED_APPS:
            continue
        names = _field_names(model)
        if model.__name__.startswith("Historical") and "history_type" in names and set(HISTORY_COLUMNS) <= names:
            found.append(Chain(model, *HISTORY_COLUMNS))
    for label, columns in AUDIT_MODELS.items():
        if label.split(".")[0] != app_label:
            continue
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        if set(columns) <= _field_names(model):
            found.append(Chain(model, *columns))
    return found


def stable_json(value: object) -> Any:
    if isinstance(value, dict):
        return {str(key): stable_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [stable_json(item) for item in value]
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


def _canonical(field: models.Field, value: Any) -> Any:  # type: ignore[type-arg]
    if value is None:
        return None
    if isinstance(field, models.JSONField):
        return stable_json(value)
    value = field.to_python(value)
    if value is None or (value == "" and field.null):
        return None
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, uuid.UUID):
        return str(value)
    return stable_json(value)


def row_content(chain: Chain, row: models.Model) -> dict[str, Any]:
    content = {}
    for field in chain.model._meta.concrete_fields:
        if field.primary_key or field.attname == chain.hash:
            continue
        value = _canonical(field, getattr(row, field.attname))
        if value is not None:
            content[field.attname] = value
    return content


def row_digest(chain: Chain, row: models.Model) -> str:
    canonical = json.dumps(
        row_content(chain, row), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    message = DIGEST_PREFIX + chain.table.encode() + b"\n" + canonical.encode()
    return hmac.new(settings.AUDIT_CHAIN_KEY.encode(), message, hashlib.sha256).hexdigest()


def rechain(connection: BaseDatabaseWrapper, chain: Chain) -> None:
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


def chain_existing_rows(app_label: str) -> Callable[[Apps, BaseDatabaseSchemaEditor], None]:
    def operation(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        for chain in chains_of_app(apps, app_label):
            rechain(schema_editor.connection, chain)

    return operation
