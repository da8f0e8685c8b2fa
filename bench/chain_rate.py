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
import re
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


# The writer's transaction, statement for statement (casework.audit.services._append), on
# copies of the two tables: the database's own limit for the head lock, without Python.
PGBENCH_SCRIPT = """\
BEGIN;
UPDATE bench_chain_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, row_hash;
INSERT INTO bench_chain_log (at, user_id, username, action, object_type, object_id, address, detail, seq, prev_hash,
  row_hash) SELECT now(), 2, 'caseworker1', 'view', 'child', 'chain-rate-benchmark', '127.0.0.1', '{}', seq, row_hash,
  md5(row_hash) || md5(row_hash) FROM bench_chain_head WHERE id = 1;
UPDATE bench_chain_head SET row_hash = md5(row_hash) || md5(row_hash) WHERE id = 1;
COMMIT;
"""
# The same append as one statement in its own transaction (one round trip): what the
# issue's "single statement that moves the head and inserts the row" would buy.
PGBENCH_ONE_STATEMENT = """\
WITH head AS (UPDATE bench_chain_head SET seq = seq + 1, row_hash = md5(row_hash) || md5(row_hash) WHERE id = 1
  RETURNING seq, row_hash) INSERT INTO bench_chain_log (at, user_id, username, action, object_type, object_id,
  address, detail, seq, prev_hash, row_hash) SELECT now(), 2, 'caseworker1', 'view', 'child', 'chain-rate-benchmark',
  '127.0.0.1', '{}', seq, row_hash, row_hash FROM head;
"""


def pgbench_rate(url: str, clients: int, seconds: int, script_text: str = PGBENCH_SCRIPT) -> str:
    """Appends per second of the bare SQL with `clients` connections (pgbench)."""
    import glob
    import subprocess
    import tempfile

    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_chain_log, bench_chain_head")
        conn.execute("CREATE TABLE bench_chain_log (LIKE casework_accesslog INCLUDING ALL)")
        conn.execute("CREATE TABLE bench_chain_head (LIKE casework_accessloghead INCLUDING ALL)")
        conn.execute("INSERT INTO bench_chain_head (id, seq, row_hash) VALUES (1, 0, repeat('0', 64))")
    pgbench = sorted(glob.glob("/usr/lib/postgresql/*/bin/pgbench"))[-1:] or ["pgbench"]
    with tempfile.NamedTemporaryFile("w", suffix=".sql") as script:
        script.write(script_text)
        script.flush()
        out = subprocess.run(
            [
                pgbench[0],
                "-n",
                "-c",
                str(clients),
                "-j",
                str(min(2, clients)),
                "-T",
                str(seconds),
                "-f",
                script.name,
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE bench_chain_log, bench_chain_head")
    tps = re.search(r"tps = ([0-9.]+)", out)
    latency = re.search(r"latency average = ([0-9.]+) ms", out)
    return f"{float(tps.group(1)):.0f} appends/s, latency {latency.group(1)} ms" if tps and latency else out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/casework_bench"),
    )
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--sql-only", action="store_true", help="only the bare SQL under pgbench")
    args = parser.parse_args()

    import psycopg

    from bench.run import MARKER_TABLE

    with psycopg.connect(args.database_url) as conn:
        if not conn.execute("SELECT to_regclass(%s)", [MARKER_TABLE]).fetchone()[0]:
            raise SystemExit("refusing: not a database bench/run.py built")
    load = " ".join(open("/proc/loadavg").read().split()[:3])
    bare = pgbench_rate(args.database_url, args.writers, int(args.seconds))
    print(f"load average {load}; the append's SQL alone (5 round trips), {args.writers} pgbench clients: {bare}")
    one = pgbench_rate(args.database_url, args.writers, int(args.seconds), PGBENCH_ONE_STATEMENT)
    print(f"the append as one statement (1 round trip), {args.writers} pgbench clients: {one}")
    if args.sql_only:
        return 0
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
