"""Reading the audit trail back: the walk of every keyed chain (casework.audit.chain)
behind verify_audit and the supervisors' integrity page.

Every chain is read in one snapshot of the database (PostgreSQL: a REPEATABLE READ,
READ ONLY transaction; SQLite: one read transaction), so rows and heads written while the
check runs are either all seen or not at all: a busy application raises no false alarm.
"""

import dataclasses
import datetime
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils.translation import gettext as _

from casework.audit.chain import GENESIS_HASH, row_digest
from casework.audit.registry import Chain, chains
from casework.models import AuditChainHead


@dataclass(frozen=True)
class BrokenRow:
    id: Any  # the row's primary key; None when there is no row to name (the table is empty)
    seq: int
    at: datetime.datetime | None
    reason: str


@dataclass(frozen=True)
class ChainReport:
    table: str
    rows_checked: int
    head_seq: int
    head_hash: str
    broken: BrokenRow | None = None
    label: str = ""  # what the table holds, in the reader's language

    @property
    def intact(self) -> bool:
        return self.broken is None


@dataclass(frozen=True)
class AuditReport:
    chains: list[ChainReport]
    seconds: float
    # Findings against signed checkpoints (casework.audit.checkpoints), one line each.
    checkpoint_findings: list[str] = field(default_factory=list)
    checkpoints_checked: int = 0

    @property
    def intact(self) -> bool:
        return all(chain.intact for chain in self.chains) and not self.checkpoint_findings

    @property
    def rows_checked(self) -> int:
        return sum(chain.rows_checked for chain in self.chains)

    @property
    def broken(self) -> list[ChainReport]:
        return [chain for chain in self.chains if not chain.intact]


@contextmanager
def one_snapshot(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Run the block's reads in one consistent, read-only snapshot. Inside a transaction
    that is already open (a test's), its snapshot is used as it is."""
    connection = connections[using]
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            # The transaction's first statement: the snapshot is taken at the next read.
            # history-safe: sets the isolation level, writes nothing
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def verify_audit(*, chunk_size: int = 2000, checkpoints: Any = None) -> AuditReport:
    """Check every audit chain (and, given a casework.audit.checkpoints.CheckpointSet,
    every checkpoint) in one snapshot."""
    started = time.perf_counter()
    with one_snapshot():
        reports = [verify_chain(chain, chunk_size=chunk_size) for chain in chains(apps)]
        findings = checkpoints.findings() if checkpoints is not None else []
    return AuditReport(
        reports,
        time.perf_counter() - started,
        findings,
        len(checkpoints.checkpoints) if checkpoints is not None else 0,
    )


def _broken(chain: Chain, row: Any, reason: str) -> BrokenRow:
    return BrokenRow(row.pk, getattr(row, chain.seq), getattr(row, chain.at), reason)


def verify_chain(chain: Chain, *, chunk_size: int = 2000) -> ChainReport:
    report = _walk(chain, chunk_size=chunk_size)
    return dataclasses.replace(report, label=str(chain.model._meta.verbose_name_plural))


def _walk(chain: Chain, *, chunk_size: int) -> ChainReport:
    """Walk one table in chain order, streaming (constant memory), and stop at the first
    row whose hash, link or sequence number is wrong.

    A changed row fails its own hash; a removed row breaks the next row's link and
    sequence. Rows removed at the very end leave no gap: the head then disagrees (and a
    head set back with them is caught by the signed checkpoints)."""
    model: Any = chain.model
    table = chain.table
    head = AuditChainHead.objects.filter(chain=table).values_list("seq", "row_hash").first()
    unchained = model._base_manager.filter(**{f"{chain.seq}__isnull": True}).order_by("pk").first()
    if unchained is not None:
        outside = _("it is not part of the chain: it was written around the application")
        return ChainReport(table, 0, 0, GENESIS_HASH, BrokenRow(unchained.pk, 0, getattr(unchained, chain.at), outside))
    expected_seq, prev_hash, checked, last = 1, GENESIS_HASH, 0, None
    reason: str | None
    for row in model._base_manager.order_by(chain.seq).iterator(chunk_size=chunk_size):
        seq = getattr(row, chain.seq)
        reason = None
        if seq != expected_seq:
            reason = _("sequence %(seq)s follows %(previous)s: rows are missing before it") % {
                "seq": seq,
                "previous": expected_seq - 1,
            }
        elif getattr(row, chain.prev) != prev_hash:
            reason = _("its link to the previous row does not match that row's hash")
        elif getattr(row, chain.hash) != row_digest(chain, row):
            reason = _("its content does not match its hash: the row was changed")
        if reason:
            return ChainReport(table, checked, expected_seq - 1, prev_hash, _broken(chain, row, reason))
        checked += 1
        expected_seq, prev_hash, last = seq + 1, getattr(row, chain.hash), row
    if last is not None and head is None:
        reason = _("the chain has no head: it was removed")
        return ChainReport(table, checked, expected_seq - 1, prev_hash, _broken(chain, last, reason))
    if last is not None and head is not None and head != (expected_seq - 1, prev_hash):
        reason = _(
            "the chain head records sequence %(head)s, but the table ends at %(seq)s: rows are missing at the end"
        ) % {"head": head[0], "seq": expected_seq - 1}
        return ChainReport(table, checked, expected_seq - 1, prev_hash, _broken(chain, last, reason))
    if last is None and head is not None and head[0] > 0:
        reason = _("the chain head records sequence %(head)s, but the table is empty") % {"head": head[0]}
        return ChainReport(table, 0, 0, GENESIS_HASH, BrokenRow(None, head[0], None, reason))
    return ChainReport(table, checked, expected_seq - 1, prev_hash)
