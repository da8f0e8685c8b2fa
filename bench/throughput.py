"""Page views per second through gunicorn, with the access log on and off.

    .venv/bin/python bench/throughput.py [--requests 600] [--threads 8] [--rounds 5]

What it does, all on 127.0.0.1:
1. creates a PostgreSQL database of its own (by default a new name for each run,
   `casework_bench_<pid>_<random>`, so that it never meets another run's database; a name
   given with --database is dropped first), migrates it and seeds it with `seed_demo` (or,
   if that fails, a team, a caseworker and cases opened through the services);
2. starts two gunicorn servers (2 sync workers each, settings bench/settings.py) on the
   same database: the application as deployed (casework.wsgi, access log on), and the
   same with the access log's writer patched out (bench/wsgi_without_access_log.py: the
   application has no setting that turns the log off);
3. logs a caseworker in on each and requests the case detail page (one access-log row per
   view when on) from N client threads, a fixed number of requests per round; rounds
   alternate on/off so that background load hits both alike;
4. prints requests per second per round, the medians, and the on/off ratio; stops both
   servers and drops the database (unless --keep-db).

Bounded: a fixed number of requests per round, a fixed number of rounds, a timeout on
every request and on server start-up.
"""

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import signin  # noqa: E402

PYTHON = sys.executable
PASSWORD = "bench-password-not-secret"


def run(args, env, **kwargs):
    return subprocess.run([PYTHON, *args], cwd=ROOT, env=env, check=True, text=True, capture_output=True, **kwargs)


def recreate_database(admin_url: str, name: str, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


SEED_WITH_SERVICES = """
import datetime, json
from django.contrib.auth import get_user_model
from casework.core import roles
from casework.access import services
from children.services import open_case
caseworker = get_user_model().objects.create_user("bench-caseworker", password=PASSWORD)
team = services.create_team(name="Bench team")
services.join_team(user=caseworker, team=team, role=roles.CASEWORKER)
for n in range(CHILDREN):
    open_case(by=caseworker, team=team,
        child={"given_name": f"Child{n}", "family_name": "Bench", "date_of_birth": datetime.date(2016, 1, 1 + n % 28),
               "sex": "female", "living_arrangement": "father_only", "hukou_status": "unregistered"},
        family=None, family_data={"province": "jilin", "county": "Longjing", "village": "Sanhe"},
        mother={"given_name": "M", "family_name": "Bench", "birth_year": 1988, "origin_province": "North Hamgyong",
                "arrived_china_year": 2008, "status": "repatriated", "whereabouts": "north_korea"},
        father=None)
"""

CASES_OF = """
import json
from django.contrib.auth import get_user_model
from children.access import visible_child_ids
user = get_user_model().objects.get(username=USERNAME)
print("CASES=" + json.dumps([str(pk) for pk in visible_child_ids(user)]))
"""


def seed(env, children: int) -> str:
    """Seed the database; return the caseworker's username."""
    if (ROOT / "casework/management/commands/seed_demo.py").exists():
        try:
            run(["manage.py", "seed_demo", "--children", str(children)], {**env, "DEBUG": "1"}, timeout=600)
            return "caseworker1"
        except subprocess.CalledProcessError as failure:
            print(f"seed_demo failed ({failure.stderr.strip().splitlines()[-1:]}); seeding through the services")
    code = f"PASSWORD={PASSWORD!r}\nCHILDREN={children}\n" + SEED_WITH_SERVICES
    run(["manage.py", "shell", "-c", code], env, timeout=600)
    return "bench-caseworker"


def cases_of(env, username: str) -> list[str]:
    out = run(["manage.py", "shell", "-c", f"USERNAME={username!r}\n" + CASES_OF], env, timeout=120).stdout
    return json.loads(re.search(r"^CASES=(.*)$", out, re.M).group(1))


class Server:
    def __init__(self, env, port: int, workers: int, access_log: bool):
        self.port = port
        gunicorn = shutil.which("gunicorn", path=str(Path(PYTHON).parent)) or "gunicorn"
        app = "casework.wsgi" if access_log else "bench.wsgi_without_access_log"
        self.process = subprocess.Popen(
            [gunicorn, app, "-w", str(workers), "-b", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(f"/tmp/casework-bench-{port}.log", "w"),  # noqa: SIM115 (closed with the process)
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                status, _, _ = request(port, "GET", "/login/")
                if status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn on port {port} did not start")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def request(port, method, path, body=None, cookies=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        all_headers = {"Host": "127.0.0.1", **(headers or {})}
        if cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        conn.request(method, path, body=body, headers=all_headers)
        response = conn.getresponse()
        content = response.read()
        set_cookies = {}
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                set_cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, set_cookies, content
    finally:
        conn.close()


def log_in(port: int, username: str, password: str) -> dict:
    status, cookies, page = request(port, "GET", "/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    body = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
    status, new, _ = request(
        port,
        "POST",
        "/login/",
        body=body,
        cookies=cookies,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://127.0.0.1:{port}/login/"},
    )
    if status != 302 or "sessionid" not in new:
        raise RuntimeError(f"login as {username} failed (status {status})")
    cookies = {**cookies, **new}
    # The second factor: the code the benchmark user's authenticator shows now.
    status, new, page = request(port, "GET", "/login/code/", cookies=cookies)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    body = urllib.parse.urlencode({"token": signin.code_for_key(signin.BENCH_KEY), "csrfmiddlewaretoken": token})
    status, new, _ = request(
        port,
        "POST",
        "/login/code/",
        body=body,
        cookies={**cookies, **new},
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{port}/login/code/",
        },
    )
    if status != 302:
        raise RuntimeError(f"second factor for {username} failed (status {status})")
    return {**cookies, **new}


def one_round(port: int, cookies: dict, cases: list[str], total: int, threads: int) -> float:
    """`total` case-page requests from `threads` client threads; requests per second."""
    counter = iter(range(total))
    lock = threading.Lock()
    failures = []

    def client():
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            status, _, _ = request(port, "GET", f"/cases/{cases[n % len(cases)]}/", cookies=cookies)
            if status != 200:
                failures.append(status)

    workers = [threading.Thread(target=client) for _ in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed: {sorted(set(failures))}")
    return total / elapsed


def access_log_rows(env) -> int:
    code = "from casework.models import AccessLog\nprint('ROWS=%d' % AccessLog.objects.count())"
    return int(re.search(r"ROWS=(\d+)", run(["manage.py", "shell", "-c", code], env).stdout).group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument(
        "--database", help="name of the bench database (default: a new one per run, casework_bench_<pid>_<random>)"
    )
    parser.add_argument("--children", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--threads", type=int, default=8, help="client threads")
    parser.add_argument("--requests", type=int, default=600, help="requests per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per mode (on and off alternate)")
    parser.add_argument("--port", type=int, default=18765, help="the 'on' server; 'off' uses the next port")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    args.database = args.database or f"casework_bench_{os.getpid()}_{secrets.token_hex(4)}"

    base = urllib.parse.urlsplit(args.admin_url)
    database_url = urllib.parse.urlunsplit(base._replace(path=f"/{args.database}"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-only-secret-key-not-for-any-deployment-0123456789",
        "AUDIT_CHAIN_KEY": "bench-only-audit-chain-key-not-for-any-deployment",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEMO_PASSWORD": PASSWORD,
        "DEBUG": "0",
        "PYTHONPATH": str(ROOT),
    }
    recreate_database(args.admin_url, args.database)
    servers = []
    try:
        run(["manage.py", "migrate", "--no-input"], env, timeout=600)
        username = seed(env, args.children)
        cases = cases_of(env, username)
        run(["manage.py", "shell", "-c", f"USERNAME={username!r}\n" + signin.GIVE_AUTHENTICATOR], env, timeout=120)
        print(f"database {args.database}: {len(cases)} cases visible to {username}")
        servers = [
            Server(env, args.port, args.workers, access_log=True),
            Server(env, args.port + 1, args.workers, access_log=False),
        ]
        sessions = [log_in(server.port, username, PASSWORD) for server in servers]
        rows_before = access_log_rows(env)
        for server, cookies in zip(servers, sessions, strict=True):  # warm up both
            one_round(server.port, cookies, cases, min(100, args.requests), args.threads)
        results = {True: [], False: []}
        for n in range(args.rounds):
            for server, cookies, on in zip(servers, sessions, (True, False), strict=True):
                rps = one_round(server.port, cookies, cases, args.requests, args.threads)
                results[on].append(rps)
                print(f"round {n + 1} access log {'on ' if on else 'off'}: {rps:7.1f} requests/s")
        rows = access_log_rows(env) - rows_before
        on, off = statistics.median(results[True]), statistics.median(results[False])
        print(
            f"\n{args.requests} requests x {args.rounds} rounds, {args.threads} client threads, "
            f"{args.workers} gunicorn workers, PostgreSQL"
        )
        print(f"median access log on : {on:7.1f} requests/s")
        print(f"median access log off: {off:7.1f} requests/s")
        print(f"on/off ratio of the medians: {on / off:.3f}")
        # Rounds run back to back, on then off, so a round's pair saw the same background load.
        paired = statistics.median(a / b for a, b in zip(results[True], results[False], strict=True))
        print(f"median of the per-round on/off ratios: {paired:.3f}")
        expected = min(100, args.requests) + args.rounds * args.requests
        print(f"access-log rows written: {rows} (expected {expected} + logins' own rows, if any)")
        verify = run(["manage.py", "verify_audit"], env, timeout=600)
        print(verify.stdout.strip())
    finally:
        for server in servers:
            server.stop()
        if args.keep_db:
            print(f"kept database {args.database}")
        else:
            recreate_database(args.admin_url, args.database, drop_only=True)


if __name__ == "__main__":
    main()
