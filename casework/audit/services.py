"""The access log writer: every case page, list, search and export, and every denied
attempt; and the writer of the Django admin's log (`log_admin_action`). (casework.audit.queries
reads them back and checks their chains.)

Each row is a link of a keyed hash chain (casework.audit.chain). What orders the chain is
the lock on the access log's head row (AuditChainHead), and it is held only for this
module's own short transaction: lock the head, insert the row, move the head, commit.
Never for the rest of a request, so the access log does not serialise the application.

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

import functools
import ipaddress
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import load_backend
from django.http import HttpRequest
from django.utils import timezone

from casework.audit.chain import head_prefix, insert_linked, link_row, row_digest, stable_json
from casework.audit.registry import HEAD_TABLE, chain_for
from casework.models import AccessAction, AccessLog, AdminAction, AdminLogEntry

logger = logging.getLogger(__name__)

# How long a private SQLite connection waits for the write lock before writing inside
# the caller's transaction instead.
SQLITE_PRIVATE_TIMEOUT = 0.5


@functools.lru_cache(maxsize=8)
def _proxy_networks(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _from_trusted_proxy(peer: str | None) -> bool:
    try:
        address = ipaddress.ip_address(peer or "")
    except ValueError:
        return False
    return any(address in network for network in _proxy_networks(tuple(settings.TRUSTED_PROXIES)))


def client_address(request: HttpRequest | None) -> str | None:
    """REMOTE_ADDR, or the address a trusted reverse proxy reports (TRUSTED_PROXY_COUNT hops
    deep), when the connection comes from one of TRUSTED_PROXIES. Anything that is not an IP
    address is dropped rather than stored."""
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR") or None
    hops = settings.TRUSTED_PROXY_COUNT
    if hops > 0 and _from_trusted_proxy(address):
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    if address is None:
        return None
    try:
        return ipaddress.ip_address(address).compressed
    except ValueError:
        return None


def log_access(
    *,
    user: User | AnonymousUser,
    action: str,
    object_type: str = "",
    object_id: object = "",
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
) -> AccessLog | None:
    """Append one access-log row. `detail` holds parameters (filters, counts), never case content."""
    if action not in AccessAction.values:
        raise ValueError(f"unknown access action {action!r}")
    authenticated = getattr(user, "is_authenticated", False)
    row = AccessLog(
        user_id=user.pk if authenticated else None,
        username=user.get_username() if authenticated else "",
        action=action,
        object_type=str(object_type)[:50],
        object_id=str(object_id or "")[:64],
        address=client_address(request),
        detail=stable_json(detail or {}),
    )
    return _write(row)


def _write(row: AccessLog) -> AccessLog:
    connection = connections[DEFAULT_DB_ALIAS]
    blocks = connection.atomic_blocks
    if not connection.in_atomic_block:
        if connection.vendor == "postgresql":
            appended = _append_in_one_statement(connection, row)
            if appended is not None:
                return appended
        with transaction.atomic(using=DEFAULT_DB_ALIAS, durable=True):
            return _append(connection, row)
    # `_from_testcase` is set by Django's Atomic itself; the stubs leave it out.
    from_testcase = [block._from_testcase for block in blocks]  # type: ignore[attr-defined]
    if from_testcase and from_testcase[0]:
        with transaction.atomic(using=DEFAULT_DB_ALIAS, savepoint=not all(from_testcase)):
            return _append(connection, row)
    try:
        return _append_on_private_connection(row)
    except OperationalError:
        if connection.vendor != "sqlite":
            raise
        logger.info("access log: SQLite write lock held by the caller's transaction; writing inside it")
        with transaction.atomic(using=DEFAULT_DB_ALIAS):
            return _append(connection, row)


# How often a writer reads the head again when others moved it first (each retry means
# another writer appended: the chain as a whole always makes progress).
ONE_STATEMENT_ATTEMPTS = 100


def _append_in_one_statement(connection: BaseDatabaseWrapper, row: AccessLog) -> AccessLog | None:
    """The append as one statement in autocommit (PostgreSQL, outside any transaction):
    read the head, hash the row after it, then move the head and insert the row in one
    statement that does both only if the head is still where it was read, and otherwise
    nothing (then read again). The head's lock is held for that one statement and its
    commit, inside the server, instead of across four round trips. None when the chain
    has no head yet (the locked path creates it)."""
    chain = chain_for(AccessLog)
    assert chain is not None
    fields = [field for field in AccessLog._meta.concrete_fields if field.name != "id"]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    # Cast: in INSERT ... SELECT an untyped parameter would be taken for text.
    placeholders = ", ".join(f"%s::{field.cast_db_type(connection)}" for field in fields)  # type: ignore[attr-defined]
    statement = (
        f"WITH moved AS (UPDATE {HEAD_TABLE} SET seq = %s, row_hash = %s WHERE chain = %s AND seq = %s "  # noqa: S608
        f"RETURNING seq) INSERT INTO casework_accesslog ({columns}) SELECT {placeholders} FROM moved RETURNING id"
    )
    for _attempt in range(ONE_STATEMENT_ATTEMPTS):
        # history-safe: the access log and its chain head, not case data
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT seq, row_hash FROM {HEAD_TABLE} WHERE chain = %s", [chain.table])  # noqa: S608
            head = cursor.fetchone()
            if head is None:
                return None
            seq, prev_hash = head
            row.at = timezone.now()
            setattr(row, chain.seq, seq + 1)
            setattr(row, chain.prev, prev_hash)
            row_hash = row_digest(chain, row)
            setattr(row, chain.hash, row_hash)
            values = [field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields]
            # Column names come from the model, never from input.
            cursor.execute(statement, [seq + 1, row_hash, chain.table, seq, *values])
            inserted = cursor.fetchone()
        if inserted is not None:
            row.id = inserted[0]
            row._state.adding = False
            row._state.db = DEFAULT_DB_ALIAS
            return row
    raise OperationalError("access log: the chain head kept moving; nothing was written")


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


def _append(connection: BaseDatabaseWrapper, row: AccessLog) -> AccessLog:
    chain = chain_for(AccessLog)
    assert chain is not None
    row.at = timezone.now()
    link_row(connection, chain, row, with_insert=True)
    fields = [field for field in AccessLog._meta.concrete_fields if field.name != "id"]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    values = [field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields]
    # On PostgreSQL the head's new hash is written by this same statement (head_prefix):
    # the append is the head's advance, this statement and the commit.
    prefix, prefix_params = head_prefix(row)
    with connection.cursor() as cursor:
        # Column names come from the model, never from input.
        cursor.execute(
            f"{prefix}INSERT INTO casework_accesslog ({columns}) VALUES ({placeholders}) RETURNING id",  # noqa: S608
            prefix_params + values,
        )
        row.id = cursor.fetchone()[0]
    row._state.adding = False
    row._state.db = DEFAULT_DB_ALIAS
    return row


def log_admin_action(
    *, user: User | AnonymousUser, action: str, obj: models.Model, message: object = None
) -> AdminLogEntry:
    """Append one row to the admin's log (casework.models.AdminLogEntry): who added,
    changed or deleted which account, group or team, and the admin's change message (the
    names of the changed fields, never their values).

    Written in the admin's own transaction, unlike the access log: it records a change,
    and a change that is rolled back did not happen."""
    if action not in AdminAction.values:
        raise ValueError(f"unknown admin action {action!r}")
    authenticated = getattr(user, "is_authenticated", False)
    row = AdminLogEntry(
        user_id=user.pk if authenticated else None,
        username=user.get_username() if authenticated else "",
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk if obj.pk is not None else "")[:64],
        object_repr=str(obj)[:200],
        change_message=stable_json(message or []),
    )
    insert_linked(row)
    return row
