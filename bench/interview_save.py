"""What a keyed audit chain costs a write: the median time of saving an interview.

    .venv/bin/python bench/interview_save.py [--repeat R]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casework_bench_save .venv/bin/python bench/interview_save.py

Builds (or reuses) a bench database with `seed_demo`'s data and times R calls of
`record_interview` by caseworker1 on one of their cases, each also changing the mother's
status and one door (history rows in three history tables, one transaction), the
service alone, without the request around it. Prints the median wall time and the median
CPU time spent on it (this thread plus, on PostgreSQL, the server backend; from
/proc/.../schedstat), which a busy shared machine disturbs far less than the wall time.
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
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'bench' / 'save-bench.sqlite3'}")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-any-deployment-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DEMO_PASSWORD", "bench-only-demo-password")
os.environ.setdefault("AUDIT_CHAIN_KEY", "bench-only-audit-chain-key-0123456789abcdef")
os.environ["DEBUG"] = "0"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from casework.interviews.services import record_interview  # noqa: E402
from children import access  # noqa: E402
from children.queries import current_versions  # noqa: E402
from children.services import DoorUpdate  # noqa: E402

STATUSES = ("present", "unknown")
DOORS = ("no_access", "in_progress")


def _cpu_ms(backend_pid):
    """CPU time so far of this thread and of the PostgreSQL backend serving it, in ms."""
    total = int(Path("/proc/thread-self/schedstat").read_text().split()[0])
    if backend_pid is not None:
        total += int(Path(f"/proc/{backend_pid}/schedstat").read_text().split()[0])
    return total / 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=60)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("seed_demo", children=100, force=True, verbosity=0)
    caseworker = get_user_model().objects.get(username="caseworker1")
    child = access.children_visible_to(caseworker).order_by("case_number").first()
    held_on = datetime.date.today()
    backend_pid = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend_pid = cursor.fetchone()[0]
    samples, cpu = [], []
    for n in range(args.repeat + 3):
        # The versions the form was rendered with: read before the clock starts.
        versions = current_versions(child)
        start, start_cpu = time.perf_counter(), _cpu_ms(backend_pid)
        record_interview(
            child=child,
            expected_versions=versions,
            by=caseworker,
            held_on=held_on,
            location_type="home",
            notes="bench",
            mother_status=STATUSES[n % 2],
            doors={"education": DoorUpdate(status=DOORS[n % 2])},
        )
        if n >= 3:  # the first saves warm caches
            samples.append((time.perf_counter() - start) * 1000)
            cpu.append(_cpu_ms(backend_pid) - start_cpu)
    print(f"database: {connection.vendor}, saves: {args.repeat}")
    print(f"wall: median {statistics.median(samples):.2f} ms, min {min(samples):.2f}, max {max(samples):.2f}")
    print(f"CPU (this thread + database backend): median {statistics.median(cpu):.2f} ms, min {min(cpu):.2f}")


if __name__ == "__main__":
    main()
