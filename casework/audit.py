"""The access log writer: every case page, list, search and export, and every denied attempt.

Each row is a link of a hash chain (see AccessLog). What orders the chain is the lock
on the one AccessLogHead row, and it is held only for this module's own short
transaction: lock the head, insert the row, move the head, commit. Never for the rest of
a request, so the access log does not serialise the application.

Where that transaction runs:

- outside any transaction (the normal case: views are not wrapped in ATOMIC_REQUESTS):
  on the request's own connection, in a durable atomic block of its own;
- inside an application transaction (a view or service that wrapped the call in
  `transaction.atomic`): on a private connection of its own, opened for the call and
  closed after it. Joining the outer transaction would hold the head lock until the outer
  commit, and a denied attempt logged just before `raise Http404` would vanish with the
  outer rollback. On SQLite the outer transaction may already hold the database's single
  write lock; the private connection then gives up after a short wait and the row is
  written inside the outer transaction instead (SQLite writers are serialised anyway);
- inside a TestCase's per-test transaction (Django marks it `_from_testcase`): joined,
  as a private connection could neither see the test's rows nor wait for its locks.
"""

import datetime
import hashlib
import ipaddress
import json
import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, OperationalError, connections, transaction
from django.db.utils import load_backend
from django.utils import timezone
from django.utils.translation import gettext as _

from casework.models import AccessAction, AccessLog, AccessLogHead

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "seq",
    "at",
    "user_id",
    "username",
    "action",
    "object_type",
    "object_id",
    "address",
    "detail",
    "prev_hash",
)
# How long a private SQLite connection waits for the write lock before writing inside
# the caller's transaction instead.
SQLITE_PRIVATE_TIMEOUT = 0.5


def client_address(request) -> str | None:
    """REMOTE_ADDR, or the address a trusted reverse proxy reports (TRUSTED_PROXY_COUNT).
    Anything that is not an IP address is dropped rather than stored."""
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR") or None
    hops = settings.TRUSTED_PROXY_COUNT
    if hops > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    if address is None:
        return None
    try:
        return ipaddress.ip_address(address).compressed
    except ValueError:
        return None


def _stable_json(value):
    """Detail as it reads back from every backend: floats become strings (jsonb and
    JSON text disagree on how to write some of them), keys become strings."""
    if isinstance(value, dict):
        return {str(key): _stable_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_stable_json(item) for item in value]
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


def _timestamp(at: datetime.datetime) -> str:
    return at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_digest(row: AccessLog) -> str:
    """SHA-256 over the canonical JSON of the row's content and the previous row's hash."""
    content = {name: getattr(row, name) for name in HASHED_FIELDS}
    content["at"] = _timestamp(row.at)
    content["user_id"] = None if row.user_id is None else int(row.user_id)
    content["address"] = row.address or None
    content["detail"] = _stable_json(row.detail)
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(b"casework-access-log-v1\n" + canonical.encode()).hexdigest()


def access_logging_enabled() -> bool:
    # Off only in the throughput benchmark's own settings (bench/settings.py), to measure
    # what the log costs; production settings have no switch.
    return getattr(settings, "ACCESS_LOG_ENABLED", True)


def log_access(
    *, user, action: str, object_type: str = "", object_id="", request=None, detail: dict | None = None
) -> AccessLog | None:
    """Append one access-log row. `detail` holds parameters (filters, counts), never case content."""
    if action not in AccessAction.values:
        raise ValueError(f"unknown access action {action!r}")
    if not access_logging_enabled():
        return None
    authenticated = getattr(user, "is_authenticated", False)
    row = AccessLog(
        user_id=user.pk if authenticated else None,
        username=user.get_username() if authenticated else "",
        action=action,
        object_type=str(object_type)[:50],
        object_id=str(object_id or "")[:64],
        address=client_address(request),
        detail=_stable_json(detail or {}),
    )
    for attempt in range(3):
        try:
            return _write(row)
        except IntegrityError:
            # Two writers rebuilt a missing head row at once; the loser retries.
            if attempt == 2:
                raise
    return None  # pragma: no cover


def _write(row: AccessLog) -> AccessLog:
    connection = connections[DEFAULT_DB_ALIAS]
    blocks = connection.atomic_blocks
    if not connection.in_atomic_block:
        with transaction.atomic(using=DEFAULT_DB_ALIAS, durable=True):
            return _append(connection, row)
    if blocks and blocks[0]._from_testcase:
        with transaction.atomic(using=DEFAULT_DB_ALIAS, savepoint=not all(b._from_testcase for b in blocks)):
            return _append(connection, row)
    try:
        return _append_on_private_connection(row)
    except OperationalError:
        if connection.vendor != "sqlite":
            raise
        logger.info("access log: SQLite write lock held by the caller's transaction; writing inside it")
        with transaction.atomic(using=DEFAULT_DB_ALIAS):
            return _append(connection, row)


def _append_on_private_connection(row: AccessLog) -> AccessLog:
    settings_dict = connections.settings[DEFAULT_DB_ALIAS]
    if settings_dict["ENGINE"].endswith("sqlite3"):
        options = {**settings_dict.get("OPTIONS", {}), "timeout": SQLITE_PRIVATE_TIMEOUT}
        settings_dict = {**settings_dict, "OPTIONS": options}
    private = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, DEFAULT_DB_ALIAS)
    try:
        private.set_autocommit(False)
        try:
            appended = _append(private, row)
            private.commit()
        except BaseException:
            private.rollback()
            raise
        return appended
    finally:
        private.close()


def _advance_head(connection) -> tuple[int, str]:
    """Lock the chain head and move it one on: the new row's seq and the previous hash.
    The UPDATE comes first, so that on SQLite the write lock is taken before any read."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE casework_accessloghead SET seq = seq + 1 WHERE id = 1 RETURNING seq, row_hash")
        head = cursor.fetchone()
        if head is not None:
            return head[0], head[1]
        # No head row: a new database, or one the test runner has just flushed. Rebuild
        # it from the log's tail (a concurrent rebuild fails on the primary key, retried).
        cursor.execute("SELECT seq, row_hash FROM casework_accesslog ORDER BY seq DESC LIMIT 1")
        tail = cursor.fetchone()
        seq, prev_hash = (tail[0] + 1, tail[1]) if tail else (1, GENESIS_HASH)
        cursor.execute("INSERT INTO casework_accessloghead (id, seq, row_hash) VALUES (1, %s, %s)", [seq, prev_hash])
        return seq, prev_hash


def _append(connection, row: AccessLog) -> AccessLog:
    row.seq, row.prev_hash = _advance_head(connection)
    row.at = timezone.now()
    row.row_hash = row_digest(row)
    fields = [field for field in AccessLog._meta.concrete_fields if field.name != "id"]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    values = [field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields]
    with connection.cursor() as cursor:
        # Column names come from the model, never from input.
        cursor.execute(
            f"INSERT INTO casework_accesslog ({columns}) VALUES ({placeholders}) RETURNING id",  # noqa: S608
            values,
        )
        row.id = cursor.fetchone()[0]
        cursor.execute("UPDATE casework_accessloghead SET row_hash = %s WHERE id = 1", [row.row_hash])
    row._state.adding = False
    row._state.db = DEFAULT_DB_ALIAS
    return row


@dataclass(frozen=True)
class BrokenRow:
    id: int | None  # None: no row to name (the whole log is gone)
    seq: int
    at: datetime.datetime | None
    reason: str


@dataclass(frozen=True)
class ChainReport:
    rows_checked: int
    seconds: float
    head_seq: int
    head_hash: str
    broken: BrokenRow | None = None

    @property
    def intact(self) -> bool:
        return self.broken is None


def verify_chain(*, chunk_size: int = 2000) -> ChainReport:
    """Walk the whole access log in chain order, streaming (constant memory), and stop at
    the first row whose hash, link or sequence number is wrong.

    A changed row fails its own hash; a removed row breaks the next row's link and
    sequence. Removing rows at the very end leaves no gap: the head row then disagrees,
    and operators who keep the reported head (seq, hash) elsewhere can check it too."""
    started = time.perf_counter()
    expected_seq, prev_hash, checked, last = 1, GENESIS_HASH, 0, None
    for row in AccessLog.objects.order_by("seq").iterator(chunk_size=chunk_size):
        reason = None
        if row.seq != expected_seq:
            reason = _("sequence %(seq)s follows %(previous)s: rows are missing before it") % {
                "seq": row.seq,
                "previous": expected_seq - 1,
            }
        elif row.prev_hash != prev_hash:
            reason = _("its link to the previous row does not match that row's hash")
        elif row.row_hash != row_digest(row):
            reason = _("its content does not match its hash: the row was changed")
        if reason:
            return ChainReport(
                checked,
                time.perf_counter() - started,
                expected_seq - 1,
                prev_hash,
                BrokenRow(row.id, row.seq, row.at, reason),
            )
        checked += 1
        expected_seq, prev_hash, last = row.seq + 1, row.row_hash, row
    head = AccessLogHead.objects.filter(pk=1).values_list("seq", "row_hash").first()
    if head is not None and last is not None and head != (last.seq, last.row_hash):
        reason = _(
            "the chain head records sequence %(head)s, but the log ends at %(seq)s: rows are missing at the end"
        ) % {
            "head": head[0],
            "seq": last.seq,
        }
        return ChainReport(
            checked,
            time.perf_counter() - started,
            last.seq,
            last.row_hash,
            BrokenRow(last.id, last.seq, last.at, reason),
        )
    if head is not None and last is None and head[0] > 0:
        reason = _("the chain head records sequence %(head)s, but the log is empty") % {"head": head[0]}
        return ChainReport(0, time.perf_counter() - started, 0, GENESIS_HASH, BrokenRow(None, head[0], None, reason))
    return ChainReport(checked, time.perf_counter() - started, expected_seq - 1, prev_hash)
