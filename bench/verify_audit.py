"""What verify_audit costs: seconds per 100,000 audit rows.

    .venv/bin/python bench/verify_audit.py [--rows N]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casework_bench_verify .venv/bin/python bench/verify_audit.py

Fills the access log of a bench database up to N rows, chained under the bench key
exactly as log_access chains them (built in Python and inserted in batches, which is
quicker than N requests), then times `verify_audit` (every chain, one snapshot) three
times and prints the median, and the CPU time of this process.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'bench' / 'verify-bench.sqlite3'}")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-any-deployment-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("AUDIT_CHAIN_KEY", "bench-only-audit-chain-key-0123456789abcdef")
os.environ["DEBUG"] = "0"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from casework.audit.chain import row_digest  # noqa: E402
from casework.audit.queries import verify_audit  # noqa: E402
from casework.audit.registry import chain_for  # noqa: E402
from casework.models import AccessLog, AuditChainHead  # noqa: E402


def fill(rows: int) -> None:
    chain = chain_for(AccessLog)
    head = AuditChainHead.objects.get(chain=chain.table)
    seq, prev_hash = head.seq, head.row_hash
    at = timezone.now() - datetime.timedelta(days=30)
    while seq < rows:
        batch = []
        for _ in range(min(5000, rows - seq)):
            seq += 1
            row = AccessLog(
                seq=seq,
                prev_hash=prev_hash,
                at=at + datetime.timedelta(seconds=seq),
                user_id=7,
                username="caseworker1",
                action="view",
                object_type="child",
                object_id=f"3f1c6d0e-0000-4000-8000-{seq:012d}",
                address="203.0.113.7",
                detail={"page": seq % 7},
            )
            row.row_hash = row_digest(chain, row)
            prev_hash = row.row_hash
            batch.append(row)
        with transaction.atomic():
            AccessLog.objects.bulk_create(batch)
            AuditChainHead.objects.filter(chain=chain.table).update(seq=seq, row_hash=prev_hash)
        print(f"  {seq} rows", end="\r", flush=True)
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    fill(args.rows)
    samples, cpu = [], []
    for _ in range(3):
        started, started_cpu = time.perf_counter(), time.process_time()
        report = verify_audit()
        samples.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        assert report.intact, report.broken
    rows = report.rows_checked
    median = statistics.median(samples)
    print(f"database: {connection.vendor}, audit rows: {rows}")
    print(f"verify_audit median {median:.2f} s ({median * 100_000 / rows:.2f} s per 100,000 rows), ")
    print(f"CPU of this process {statistics.median(cpu):.2f} s, runs {', '.join(f'{s:.2f}' for s in samples)}")


if __name__ == "__main__":
    main()
