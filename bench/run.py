"""The benchmark: build a large NGO's dataset in a database of its own, measure every page
of issue 14 against its budget, and write the results.

    .venv/bin/python bench/run.py                      # 100,000 children, writes docs/benchmarks.md
    .venv/bin/python bench/run.py --quick              # 5,000 children, prints only (CI)
    .venv/bin/python bench/run.py --database-url postgres://postgres@127.0.0.1:5432/wt14_bench

Steps, all on loopback:
1. the database named in --database-url is created, marked as the benchmark's (a table
   `bench_marker`), migrated and filled by bench/dataset.py. A database of that name that
   exists without the marker is refused, never touched; one with the marker is dropped and
   rebuilt (or reused with --reuse).
2. Each page is requested through Django's test client (DEBUG off, the access log on):
   median and p95 wall time, queries, and the time on the CPU per request of this thread
   (`time.thread_time`) and of its PostgreSQL backend (`/proc/<pid>/schedstat`).
3. The case list's SQL is compared with its floor (the minimal query for the same 25 rows)
   and with guardian's default `get_objects_for_user` query.
4. Unless --no-wrk: the list and case pages through gunicorn (2 workers) under wrk.
5. The access-log chain is verified (`manage.py verify_audit`); --write puts the results
   into docs/benchmarks.md. --drop drops the database at the end.
"""

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import signin  # noqa: E402  (the second factor for force_login)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/casework_bench"
MARKER_TABLE = "bench_marker"
RESULTS = ROOT / "test-output" / "bench-results.json"  # the last run's numbers (gitignored)


def admin_url(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def prepare_database(url: str, reuse: bool) -> bool:
    """Create the database (or find the benchmark's own); True if it holds a built dataset."""
    import psycopg

    name = database_name(url)
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise SystemExit(f"refusing the database name {name!r}: letters, digits and _ only")
    with psycopg.connect(admin_url(url), autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            with psycopg.connect(url) as conn:
                marked = conn.execute("SELECT to_regclass(%s)", [MARKER_TABLE]).fetchone()[0]
                built = marked and conn.execute(f"SELECT count(*) FROM {MARKER_TABLE} WHERE built").fetchone()[0]  # noqa: S608
            if not marked:
                raise SystemExit(f"refusing to touch {name}: it exists and the benchmark did not create it")
            if reuse and built:
                _as_deployed(admin, name)
                return True
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
        _as_deployed(admin, name)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {MARKER_TABLE} (created_at timestamptz DEFAULT now(), built boolean DEFAULT false)")
        conn.execute(f"INSERT INTO {MARKER_TABLE} DEFAULT VALUES")
    return False


# The server settings of docker-compose.yml that a database can hold for its sessions.
DATABASE_SETTINGS = ("jit", "random_page_cost", "work_mem", "effective_cache_size")


def deployed_settings() -> dict[str, str]:
    """Those settings as docker-compose.yml runs the server (`- name=value` lines)."""
    compose = (Path(__file__).resolve().parent.parent / "docker-compose.yml").read_text()
    found = dict(re.findall(r"^\s*- ([a-z_]+)=(\S+)\s*$", compose, flags=re.M))
    return {name: found[name] for name in DATABASE_SETTINGS}


def _as_deployed(admin, name: str) -> None:
    """The benchmark's database plans as the deployment's server does (its memory is the
    machine's: shared_buffers cannot be set for one database)."""
    from psycopg import sql

    for setting, value in deployed_settings().items():
        statement = sql.SQL("ALTER DATABASE {} SET {} = {}")
        admin.execute(statement.format(sql.Identifier(name), sql.Identifier(setting), sql.Literal(value)))


def drop_database(url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url(url), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database_name(url)}" WITH (FORCE)')


def configure(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    # DEBUG is off: the settings want a key of 50+ characters and an audit chain key of 32+.
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-any-deployment-0123456789")
    os.environ.setdefault("AUDIT_CHAIN_KEY", "bench-only-audit-chain-key-0123456789abcdef")
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("DEMO_PASSWORD", "bench-password-not-secret")
    import django

    django.setup()


# --- Measuring -------------------------------------------------------------------------


def schedstat_ns(pid: int | str) -> int:
    """Time on the CPU so far (ns) of a process or thread: the first field of schedstat."""
    with open(f"/proc/{pid}/schedstat") as handle:
        return int(handle.read().split()[0])


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


class FormValues(HTMLParser):
    """The values a browser would submit from the page's forms (inputs, selects, textareas)."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.values[name] = a.get("value", "on")
            elif kind not in ("submit", "button"):
                self.values.setdefault(name, a.get("value") or "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            if "selected" in a or self._select not in self.values:
                self.values[self._select] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.values.setdefault(name, "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea" and self._textarea:
            # A browser drops the newline that follows <textarea>.
            self.values[self._textarea] = self.values[self._textarea].removeprefix("\n")
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data


class Meter:
    def __init__(self, repeat: int):
        from django.db import connection

        self.repeat = repeat
        self.connection = connection

    def backend_pid(self) -> int:
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]

    def measure(self, request, repeat: int | None = None) -> dict:
        """`request()` returns a response; it is called once to warm up, then `repeat` times."""
        from django.db import connection

        prepare = getattr(request, "prepare", lambda: None)
        prepare()
        response = request()
        assert response.status_code in (200, 302), response.status_code
        queries: list[str] = []

        def count(execute, sql, params, many, context):
            queries.append(sql)
            return execute(sql, params, many, context)

        # Counted on the connection itself: CaptureQueriesContext's log stops at 9,000.
        prepare()
        with connection.execute_wrapper(count):
            request()
        walls, django_cpu, pg_cpu = [], [], []
        for _ in range(repeat or self.repeat):
            prepare()
            pid = self.backend_pid()
            pg0, cpu0, t0 = schedstat_ns(pid), time.thread_time_ns(), time.perf_counter()
            response = request()
            t1, cpu1 = time.perf_counter(), time.thread_time_ns()
            # The backend is the same one (persistent connection); if Django reconnected,
            # the old backend's time is lost, so the sample's PostgreSQL time is left out.
            pg = schedstat_ns(pid) - pg0 if self.backend_pid() == pid else None
            walls.append((t1 - t0) * 1000)
            django_cpu.append((cpu1 - cpu0) / 1e6)
            if pg is not None:
                pg_cpu.append(pg / 1e6)
        return {
            "median": statistics.median(walls),
            "p95": percentile(walls, 0.95),
            "django_cpu": statistics.median(django_cpu),
            "pg_cpu": statistics.median(pg_cpu) if pg_cpu else float("nan"),
            "queries": len(queries),
            "status": response.status_code,
        }


def pick_users():
    from django.contrib.auth import get_user_model

    from casework.access.services import grant_role  # the data admin joins no team
    from casework.core import roles

    users = get_user_model().objects
    caseworker = users.get(username="caseworker1")
    supervisor = users.get(username="supervisor1")
    admin, created = users.get_or_create(username="dataadmin1")
    if created:
        grant_role(user=admin, role=roles.DATA_ADMIN, reason="benchmark")
    return caseworker, supervisor, admin


def publish_first_release(admin, results: dict) -> None:
    """The aggregates page and its downloads serve the latest published release (404 with
    none): publish one, as a data admin would, unless a reused database has it already."""
    from casework.aggregates import queries
    from casework.aggregates.services import publish_release

    if queries.latest_release() is not None:
        return
    started = time.perf_counter()
    publish_release(by=admin, reason="benchmark")
    results["publish_ms"] = (time.perf_counter() - started) * 1000
    print(f"  publishing the aggregates release (once, not a page): {results['publish_ms']:.0f} ms")


def measure_pages(repeat: int, results: dict) -> None:
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from children.models import Child

    caseworker, supervisor, admin = pick_users()
    publish_first_release(admin, results)
    meter = Meter(repeat)
    as_caseworker, as_supervisor, as_admin = Client(), Client(), Client()
    as_caseworker.force_login(caseworker)
    signin.verify(as_caseworker, caseworker)
    as_supervisor.force_login(supervisor)
    signin.verify(as_supervisor, supervisor)
    as_admin.force_login(admin)
    signin.verify(as_admin, admin)
    child = Child.objects.filter(assignments__caseworker=caseworker).order_by("case_number").first()
    case_url = reverse("children:detail", args=[child.pk])
    # The timeline is paged by marks: page 100 is the page after the 99th page's last
    # row, found once (not timed) with the whole union, as following 99 "Older" links would.
    page_100_mark = timeline_mark_at(supervisor, 99 * 25 - 1)
    list_url = reverse("children:list")
    interview_url = reverse("interviews:new", args=[child.pk])
    counter = iter(range(10**9))
    results["case_interviews"] = child.interviews.count()  # before the save adds more

    class SaveInterview:
        """POST of the interview form; `prepare` (not timed) fetches the form first."""

        data: dict[str, str] = {}

        def prepare(self):
            page = as_caseworker.get(interview_url)
            form = FormValues()
            form.feed(page.content.decode())
            form.values.update(
                {
                    "interview-held_on": timezone.localdate().isoformat(),
                    "interview-location_type": "home",
                    "interview-participants": "child, father",
                    "interview-notes": f"Benchmark interview {next(counter)}.",
                }
            )
            self.data = {k: v for k, v in form.values.items() if k}

        def __call__(self):
            response = as_caseworker.post(interview_url, self.data)
            if response.status_code != 302:
                raise RuntimeError(f"saving an interview answered {response.status_code}")
            return response

    pages = [
        ("list", "caseworker's list, page 1", lambda: as_caseworker.get(list_url)),
        ("search", "search", lambda: as_caseworker.get(list_url, {"q": "Kim"})),
        ("case", f"case page, {child.interviews.count()} interviews", lambda: as_caseworker.get(case_url)),
        ("save", "saving an interview (the POST)", SaveInterview()),
        ("timeline1", "supervisor's timeline, page 1", lambda: as_supervisor.get(reverse("supervision:timeline"))),
        (
            "timeline100",
            "supervisor's timeline, page 100",
            lambda: as_supervisor.get(reverse("supervision:timeline"), {"before": page_100_mark}),
        ),
        ("team", "supervisor's team view", lambda: as_supervisor.get(reverse("supervision:team"))),
        ("access", "access review", lambda: as_supervisor.get(reverse("supervision:access"))),
        ("aggregates", "aggregates page", lambda: as_admin.get(reverse("aggregates:dashboard"))),
        ("csv", "aggregates CSV", lambda: as_admin.get(reverse("aggregates:download", args=["csv"]))),
    ]
    for key, label, request in pages:
        heavy = key in ("aggregates", "csv")
        try:
            row = meter.measure(request, repeat=min(repeat, 5) if heavy else None)
        except Exception as error:  # a page that fails is reported, the others still run
            row = {"error": f"{type(error).__name__}: {error}"[:300]}
        row["label"] = label
        results["pages"][key] = row
        print(f"  {label:<58} {_fmt(row)}", flush=True)
    results["case_url"] = case_url
    results["list_url"] = list_url


def _fmt(row: dict) -> str:
    if "error" in row:
        return "ERROR " + row["error"]
    return (
        f"{row['median']:8.1f} / {row['p95']:7.1f} ms  cpu {row['django_cpu']:6.1f} + {row['pg_cpu']:6.1f} ms"
        f"  {row['queries']:3d} queries"
    )


def explain(sql: str, params) -> tuple[float, str]:
    """Execution time (ms) and plan of EXPLAIN (ANALYZE, BUFFERS)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    found = re.search(r"Execution Time: ([0-9.]+) ms", plan)
    return float(found.group(1)) if found else float("nan"), plan


def best_of(sql: str, params, runs: int = 7) -> tuple[float, str]:
    timings = [explain(sql, params) for _ in range(runs)]
    return min(t for t, _ in timings), timings[-1][1]


def list_sql_against_floor(results: dict) -> None:
    """The list's SQL (as the page runs it), the floor, and guardian's default query."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from guardian.shortcuts import get_objects_for_user

    from children.models import Child

    caseworker, _supervisor, _admin = pick_users()
    client = Client()
    client.force_login(caseworker)
    signin.verify(client, caseworker)
    with CaptureQueriesContext(connection) as captured:
        client.get(results["list_url"])
    child_queries = [q["sql"] for q in captured.captured_queries if 'FROM "children_child"' in q["sql"]]
    page_sql = max(child_queries, key=lambda sql: ("LIMIT" in sql, len(sql)))
    page_ms, page_plan = best_of(page_sql, None)
    # The floor: the same 25 rows by the assignment alone, the columns the list shows.
    floor_sql = (
        "SELECT c.id, c.case_number, c.given_name, c.family_name, c.date_of_birth, c.case_status "
        "FROM children_child c JOIN casework_assignment a ON a.child_id = c.id "
        "WHERE a.caseworker_id = %s AND a.revoked_at IS NULL ORDER BY c.case_number LIMIT 25"
    )
    floor_ms, floor_plan = best_of(floor_sql, [caseworker.pk])
    guardian = get_objects_for_user(caseworker, "children.view_child", klass=Child).order_by("case_number")[:25]
    guardian_sql, guardian_params = guardian.query.sql_with_params()
    guardian_ms, guardian_plan = best_of(guardian_sql, guardian_params)
    count_sql, count_params = (
        get_objects_for_user(caseworker, "children.view_child", klass=Child)
        .order_by()
        .values("pk")
        .query.sql_with_params()
    )
    guardian_count_ms, guardian_count_plan = best_of(f"SELECT count(*) FROM ({count_sql}) AS visible", count_params)  # noqa: S608
    results["sql"] = {
        "page_ms": page_ms,
        "floor_ms": floor_ms,
        "guardian_ms": guardian_ms,
        "guardian_count_ms": guardian_count_ms,
        "page_seq_scan_children": "Seq Scan on children_child" in page_plan,
        "guardian_seq_scan_children": "Seq Scan on children_child" in guardian_count_plan,
    }
    results["plans"]["list (as the page runs it)"] = (page_sql, page_plan)
    results["plans"]["list floor"] = (floor_sql, floor_plan)
    results["plans"]["guardian get_objects_for_user, page"] = (guardian_sql, guardian_plan)
    print(
        f"  list SQL {page_ms:.2f} ms, floor {floor_ms:.2f} ms ({page_ms / floor_ms:.1f}x), "
        f"guardian {guardian_ms:.2f} ms ({guardian_ms / floor_ms:.1f}x), guardian count {guardian_count_ms:.1f} ms"
    )


def capture_plans(results: dict) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the heaviest query of each supervisor page and of search."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    caseworker, supervisor, _admin = pick_users()
    for label, user, url, params in [
        ("search", caseworker, reverse("children:list"), {"q": "Kim"}),
        ("timeline page 1", supervisor, reverse("supervision:timeline"), {}),
        ("team view", supervisor, reverse("supervision:team"), {}),
        ("access review", supervisor, reverse("supervision:access"), {}),
    ]:
        client = Client()
        client.force_login(user)
        signin.verify(client, user)
        with CaptureQueriesContext(connection) as captured:
            client.get(url, params)
        # Reads only: a union starts with "(SELECT"; the access log's append (WITH ... UPDATE
        # ... INSERT) would run again under EXPLAIN ANALYZE.
        reads = [q for q in captured.captured_queries if q["sql"].lstrip().upper().startswith(("SELECT", "(SELECT"))]
        timed = []
        for query in reads:
            try:
                ms, plan = explain(query["sql"], None)
            except Exception:  # noqa: S112 (a statement that cannot be re-run alone is skipped)
                connection.rollback() if connection.in_atomic_block else None
                continue
            timed.append((ms, query["sql"], plan))
        if timed:
            ms, sql, plan = max(timed)
            results["plans"][f"{label} (slowest query, {ms:.1f} ms)"] = (sql, plan)


# --- Through gunicorn ---------------------------------------------------------------


def gunicorn_under_wrk(url: str, results: dict, seconds: int, ports=(18771,), label="one server") -> None:
    """The list and case pages through gunicorn (2 workers) under wrk, 8 connections."""
    import shutil

    caseworker, _s, _a = pick_users()
    wrk = shutil.which("wrk")
    if not wrk:
        results["wrk"] = {"error": "wrk is not installed (apt-get install -y wrk)"}
        return
    from django.test import Client

    client = Client()
    client.force_login(caseworker)
    signin.verify(client, caseworker)
    client.get(results["list_url"])  # the session middleware stamps the new session
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bench.settings", "PYTHONPATH": str(ROOT)}
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    servers = []
    try:
        for port in ports:
            servers.append(
                subprocess.Popen(
                    [gunicorn, "casework.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
        for port in ports:
            _wait_for_page(port, results["list_url"], cookie)
        rows = {}
        for page, path in (("list", results["list_url"]), ("case", results["case_url"])):
            app_cpu0, pg_cpu0 = _tree_cpu_ns([s.pid for s in servers]), _backends_cpu_ns(url)
            runs = []
            for port in ports:
                runs.append(
                    subprocess.Popen(
                        [
                            wrk,
                            "-t2",
                            "-c8",
                            f"-d{seconds}s",
                            # Longer than any page: wrk's default (2 s) drops slow answers from the latencies.
                            "--timeout",
                            "30s",
                            "--latency",
                            "-H",
                            f"Cookie: {cookie}",
                            f"http://127.0.0.1:{port}{path}",
                        ],
                        stdout=subprocess.PIPE,
                        text=True,
                    )
                )
            outputs = [run.communicate(timeout=seconds + 60)[0] for run in runs]
            rates = [float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1)) for out in outputs]
            p99s = [re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1) for out in outputs]
            p90s = [re.search(r"^\s+90%\s+(\S+)", out, re.M).group(1) for out in outputs]
            app_cpu, pg_cpu = _tree_cpu_ns([s.pid for s in servers]) - app_cpu0, _backends_cpu_ns(url) - pg_cpu0
            done = sum(int(re.search(r"(\d+) requests in", out).group(1)) for out in outputs)
            timeouts = sum(int(m.group(1)) for out in outputs for m in re.finditer(r"timeout (\d+)", out))
            non2xx = timeouts + sum(
                int(m.group(1)) for out in outputs for m in re.finditer(r"Non-2xx or 3xx responses: (\d+)", out)
            )
            rows[page] = {
                "per_server": rates,
                "total": sum(rates),
                "p90": p90s,
                "p99": p99s,
                "non2xx": non2xx,
                "requests": done,
                "app_cpu_ms": app_cpu / 1e6 / max(done, 1),
                "pg_cpu_ms": pg_cpu / 1e6 / max(done, 1),
            }
            print(
                f"  {label}: {page} {sum(rates):.1f} pages/s {rates} p90 {p90s} p99 {p99s} non-2xx {non2xx}, "
                f"CPU per page {rows[page]['app_cpu_ms']:.1f} + {rows[page]['pg_cpu_ms']:.1f} ms"
            )
        results.setdefault("wrk", {})[label] = rows
    finally:
        for server in servers:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)


def _tree_cpu_ns(pids: list[int]) -> int:
    """CPU time so far of the processes and their children (gunicorn's master and workers)."""
    total = 0
    for pid in pids:
        for child in [pid, *_children(pid)]:
            try:
                for task in os.listdir(f"/proc/{child}/task"):
                    total += schedstat_ns(f"{child}/task/{task}")
            except (FileNotFoundError, ProcessLookupError):
                pass
    return total


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except FileNotFoundError:
        return []


def _backends_cpu_ns(url: str) -> int:
    """CPU time so far of every PostgreSQL backend connected to the benchmark's database."""
    import psycopg

    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        pids = [
            row[0]
            for row in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", [database_name(url)]
            ).fetchall()
        ]
    total = 0
    for pid in pids:
        try:
            total += schedstat_ns(pid)
        except FileNotFoundError:
            pass
    return total


def _wait_for_page(port: int, path: str, cookie: str) -> None:
    """Until the server answers the page with 200 for the session (not a redirect to login)."""
    import http.client

    deadline = time.monotonic() + 60
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", path, headers={"Cookie": cookie})
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return
            raise RuntimeError(f"gunicorn on {port} answered {status} for {path}")
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def verify_chain(results: dict) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    try:
        call_command("verify_audit", stdout=out)
        results["chain"] = "valid: " + out.getvalue().strip().splitlines()[-1]
    except SystemExit as exit_:
        results["chain"] = f"INVALID (exit {exit_.code}): {out.getvalue().strip()}"
    except Exception as error:
        results["chain"] = f"INVALID: {error}"
    print(f"  audit trail (verify_audit): {results['chain']}")


def machine() -> dict:
    import django
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        buffers = cursor.fetchone()[0]
        cursor.execute("SHOW work_mem")
        work_mem = cursor.fetchone()[0]
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "commit": commit.strip(),
        "cpu": f"{cpu}, {os.cpu_count()} cores",
        "load": " ".join(open("/proc/loadavg").read().split()[:3]),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": f"{pg} (shared_buffers {buffers}, work_mem {work_mem})",
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="5,000 children, fewer repeats, no wrk")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="reuse the benchmark's database if it is built")
    parser.add_argument(
        "--check-at-end-only",
        action="store_true",
        help="check the audit trail after the measurements only, not before them as well",
    )
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--no-wrk", action="store_true")
    parser.add_argument("--only-wrk", action="store_true", help="only gunicorn under wrk (and the chain check)")
    parser.add_argument("--scale-out", action="store_true", help="also two gunicorn instances under wrk")
    parser.add_argument("--wrk-seconds", type=int, default=15)
    parser.add_argument("--write", action="store_true", help="write the results into docs/benchmarks.md")
    parser.add_argument(
        "--column",
        choices=("before", "after"),
        default="after",
        help="which column of docs/benchmarks.md the results go into",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.children, args.repeat, args.no_wrk = 5000, 5, True

    built = prepare_database(args.database_url, args.reuse)
    try:
        configure(args.database_url)
        from django.core.management import call_command
        from django.db import connection

        from bench import dataset

        results: dict = {"pages": {}, "plans": {}, "children": args.children, "seed": args.seed}
        if built:
            print(f"reusing {database_name(args.database_url)}")
        else:
            started = time.monotonic()
            call_command("migrate", verbosity=0)
            print(f"  migrated in {time.monotonic() - started:.0f} s")
            print(f"building {args.children:,} children (seed {args.seed}) in {database_name(args.database_url)}")
            backend = Meter(1).backend_pid()
            cpu0, pg0 = time.process_time(), schedstat_ns(backend)
            built_info = dataset.build(args.children, args.seed)
            results["build_seconds"] = time.monotonic() - started
            # CPU time too: on a shared machine the wall time says more about the neighbours.
            results["build_cpu"] = {
                "python": time.process_time() - cpu0,
                # Django's backend and the one the builder copied through, beside it.
                "postgresql": (schedstat_ns(backend) - pg0) / 1e9 + built_info.get("copy_backend_cpu", 0.0),
            }
            results["rows"] = built_info["rows"]
            with connection.cursor() as cursor:
                cursor.execute(f"UPDATE {MARKER_TABLE} SET built = true")  # noqa: S608
            print(f"  built {built_info['rows']:,} rows in {results['build_seconds']:.0f} s (with migrations)")
        results["machine"] = machine()
        results["counts"] = counts()
        if args.only_wrk:
            results["list_url"] = "/cases/"
            results["case_url"] = _case_url()
        else:
            if not args.check_at_end_only:
                verify_chain(results)
            print("pages (median / p95 wall, CPU per request Django + PostgreSQL, queries):")
            measure_pages(args.repeat, results)
            list_sql_against_floor(results)
        if not args.quick and not args.only_wrk:
            capture_plans(results)
        if not args.no_wrk:
            gunicorn_under_wrk(args.database_url, results, args.wrk_seconds)
            if args.scale_out:
                # Two application servers on one database: does throughput add up?
                gunicorn_under_wrk(
                    args.database_url, results, args.wrk_seconds, ports=(18771, 18772), label="two servers"
                )
        verify_chain(results)
        RESULTS.parent.mkdir(exist_ok=True)
        (RESULTS.with_name("bench-wrk.json") if args.only_wrk else RESULTS).write_text(
            json.dumps(results, indent=1, default=str)
        )
        errors = [key for key, row in results["pages"].items() if "error" in row]
        if args.write:
            from bench import report

            report.write(results, args.column)
            print("wrote docs/benchmarks.md")
        if errors or not results["chain"].startswith("valid"):
            print(f"FAILED: pages {errors}, chain {results['chain']}")
            return 1
        return 0
    finally:
        if args.drop:
            from django.db import connections

            connections.close_all()
            drop_database(args.database_url)
            print(f"dropped {database_name(args.database_url)}")


def timeline_mark_at(supervisor, position: int) -> str:
    """The mark (casework.supervision.queries.Mark) of the row at `position` of the
    supervisor's whole timeline, newest first."""
    from casework.access.queries import supervised_team
    from casework.supervision import queries as review

    team = supervised_team(supervisor)
    history_id, at, kind = review.history_rows(team, review.ReviewFilter())[position]
    return review.Mark(at, history_id, kind).token()


def _case_url() -> str:
    from django.urls import reverse

    from children.models import Child

    caseworker, _supervisor, _admin = pick_users()
    child = Child.objects.filter(assignments__caseworker=caseworker).order_by("case_number").first()
    return reverse("children:detail", args=[child.pk])


def counts() -> dict:
    from django.contrib.auth import get_user_model

    from casework.models import AccessLog, Interview, Team
    from children.models import Child, DocumentAccess
    from families.models import Family

    return {
        "children": Child.objects.count(),
        "families": Family.objects.count(),
        "doors": DocumentAccess.objects.count(),
        "interviews": Interview.objects.count(),
        "staff": get_user_model().objects.count(),
        "teams": Team.objects.count(),
        "access log": AccessLog.objects.count(),
        "history (child)": Child.history.count(),
        "history (interview)": Interview.history.count(),
    }


if __name__ == "__main__":
    sys.exit(main())
