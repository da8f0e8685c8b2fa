"""History settings shared by every case-data model.

Each tracked model says ``history = case_history()`` so that all of them agree:
a 64-bit history id, a change reason of any length, and an attribution that
survives the user account. The acting user is kept as a plain id plus the
username at the time, with no foreign key: deleting or deactivating an account
never rewrites (or is blocked by) the append-only history rows.
"""

from typing import Any

from django.contrib.auth.models import User
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.sql import InsertQuery
from django.dispatch import Signal, receiver
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

# Sent inside the transaction that inserts a history row, right before the INSERT, with
# `row` and `using`: casework.audit links the row into its table's keyed chain.
history_row_inserting = Signal()

# PostgreSQL advisory lock that orders writers of case data (see serialise_history_writers).
HISTORY_WRITERS_LOCK = 0x63617365776F726B  # "casework"


def serialise_history_writers(connection: BaseDatabaseWrapper) -> None:
    """Let one transaction at a time write history, from its first tracked save to its
    commit. A history row moves its table's chain head, and that head stays locked
    until the commit; two services that touch two tables in opposite orders, or lock a
    row another holds a head for, would otherwise deadlock. Taken before any row lock,
    it gives every writer the same order. SQLite serialises writers by itself."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return
    # Once per transaction: a no-op on-commit callback marks that this one holds the lock
    # (Django empties the list at the commit or the rollback that releases it).
    if any(entry[1] is _holds_history_lock for entry in connection.run_on_commit):
        return
    # history-safe: takes a lock, writes nothing
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [HISTORY_WRITERS_LOCK])
    transaction.on_commit(_holds_history_lock, using=connection.alias)


def _holds_history_lock() -> None:
    """Marker only (see serialise_history_writers)."""


class HistoryAttribution(models.Model):
    history_username = models.CharField(max_length=150, blank=True, default="")
    # Each history table is a keyed hash chain (casework.audit.chain): the row's place in
    # it, the previous row's hash and its own. Set as the row is inserted; a row without
    # them was written around the chain and fails verify_audit.
    chain_seq = models.BigIntegerField(null=True, unique=True, editable=False)
    chain_prev = models.CharField(max_length=64, blank=True, default="", editable=False)
    chain_hash = models.CharField(max_length=64, blank=True, default="", editable=False)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The chain link and the INSERT in one transaction, even when the caller has none.
        using = kwargs.get("using") or DEFAULT_DB_ALIAS
        with transaction.atomic(using=using, savepoint=False):
            if self._state.adding:
                serialise_history_writers(connections[using])
                history_row_inserting.send(sender=type(self), row=self, using=using)
            super().save(*args, **kwargs)

    def _do_insert(self, manager, using, fields, returning_fields, raw):  # type: ignore[no-untyped-def]
        """The INSERT, led by the statement prefix the chain's writer left on the row (on
        PostgreSQL it moves the chain head's hash in the same statement: one round trip
        fewer for every history row)."""
        prefix = self.__dict__.pop("_insert_prefix", None)
        if prefix is None:
            return super()._do_insert(manager, using, fields, returning_fields, raw)  # type: ignore[misc]
        query = InsertQuery(type(self))
        query.insert_values(fields, [self], raw=raw)
        compiler = query.get_compiler(using=using)
        compiler.returning_fields = returning_fields
        [(sql, params)] = compiler.as_sql()
        # history-safe: the history row's own INSERT, as the ORM wrote it
        with connections[using].cursor() as cursor:
            cursor.execute(prefix[0] + sql, [*prefix[1], *params])
            returned = cursor.fetchone() if returning_fields else None
        return [returned] if returned else []


def case_history(**options: Any) -> HistoricalRecords:
    return HistoricalRecords(
        history_id_field=models.BigAutoField(),
        history_change_reason_field=models.TextField(null=True, blank=True),
        history_user_id_field=models.BigIntegerField(null=True, blank=True, db_index=True),
        bases=[HistoryAttribution],
        cascade_delete_history=False,
        **options,
    )


@receiver(pre_create_historical_record)
def remember_username(
    sender: type[models.Model], history_instance: models.Model, history_user: User | None = None, **kwargs: Any
) -> None:
    if history_user is not None and hasattr(history_instance, "history_username"):
        history_instance.history_username = history_user.get_username()
