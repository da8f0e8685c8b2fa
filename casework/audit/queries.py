"""Reading the access log back: the walk of the hash chain behind verify_audit and the
supervisors' integrity page."""

import datetime
import time
from dataclasses import dataclass

from django.utils.translation import gettext as _

from casework.audit.chain import GENESIS_HASH, row_digest
from casework.models import AccessLog, AccessLogHead


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
