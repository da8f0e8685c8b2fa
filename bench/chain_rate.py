"""The access-log chain's maximum append rate: N concurrent writers calling log_access.

    .venv/bin/python bench/chain_rate.py --database-url postgres://postgres@127.0.0.1:5432/casework_bench

Runs against a database bench/run.py built (it must carry run.py's marker table; nothing
else is touched). Each writer is its own process with its own connection, as gunicorn
workers are, and appends view rows through casework.audit.services.log_access for a fixed
time. Prints rows per second in total, the lock wait it implies, and checks the chain
with verify_audit afterwards.
"""

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def writer(url: str, seconds: float, ready, results) -> None:
    from bench.run import configure

    configure(url)
    from django.contrib.auth import get_user_model

    from casework.audit.services import log_access

    user = get_user_model().objects.get(username="caseworker1")
    ready.wait()  # every writer set up and connected before the clock starts
    log_access(user=user, action="view", object_type="child", object_id="chain-rate-benchmark")
    ready.wait()
    count, deadline = 0, time.time() + seconds
    while time.time() < deadline:
        log_access(user=user, action="view", object_type="child", object_id="chain-rate-benchmark")
        count += 1
    results.put(count)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/casework_bench"),
    )
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()

    import psycopg

    from bench.run import MARKER_TABLE

    with psycopg.connect(args.database_url) as conn:
        if not conn.execute("SELECT to_regclass(%s)", [MARKER_TABLE]).fetchone()[0]:
            raise SystemExit("refusing: not a database bench/run.py built")
    results: multiprocessing.Queue = multiprocessing.Queue()
    ready = multiprocessing.Barrier(args.writers)
    processes = [
        multiprocessing.Process(target=writer, args=(args.database_url, args.seconds, ready, results))
        for _ in range(args.writers)
    ]
    for process in processes:
        process.start()
    counts = [results.get(timeout=args.seconds + 120) for _ in processes]
    for process in processes:
        process.join()
    total = sum(counts)
    rate = total / args.seconds
    load = " ".join(open("/proc/loadavg").read().split()[:3])
    print(
        f"load average {load}; {args.writers} writers, {args.seconds:.0f} s: {total} rows, {rate:.0f} rows/s "
        f"({1000 / rate:.2f} ms per append through the head lock); per writer {min(counts)}-{max(counts)}"
    )

    from bench.run import configure

    configure(args.database_url)
    from django.core.management import call_command

    call_command("verify_audit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
