"""Server time of the supervisor's change history on demo data (issue 4 closing note).

    .venv/bin/python bench/timeline.py [--children N] [--repeat R]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casework_bench .venv/bin/python bench/timeline.py

Builds (or reuses) a bench database with `seed_demo`'s data, tops the history up to at
least 10,000 rows with ordinary service edits if the seed alone has fewer, then times
GET /team/history/ for supervisor1 through Django's test client (the whole request:
middleware, gate, queries, template) and prints the median of R requests for a few
variants of the page. Runs with DEBUG off; the default database is an SQLite file,
test-output/timeline-bench.sqlite3 (gitignored), never the development database.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'test-output' / 'timeline-bench.sqlite3'}")
(ROOT / "test-output").mkdir(exist_ok=True)
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-any-deployment-0123456789")
os.environ.setdefault("AUDIT_CHAIN_KEY", "bench-only-audit-chain-key-0123456789abcdef")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ["DEBUG"] = "0"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from casework.access.queries import supervised_team, team_caseworkers  # noqa: E402
from casework.core.pages import PAGE_SIZE  # noqa: E402
from casework.demo import services as demo  # noqa: E402
from casework.supervision import queries as review  # noqa: E402
from children.models import Child, HukouStatus  # noqa: E402
from children.queries import current_versions  # noqa: E402
from children.services import update_child  # noqa: E402

MIN_HISTORY = 10_000


def history_rows() -> int:
    return sum(model.history.count() for model in review.KINDS.values())


def top_up(target: int) -> None:
    """Ordinary edits through the services until there are `target` history rows."""
    children = list(Child.objects.select_related("team").order_by("case_number"))
    editors = {}
    for child in children:
        holder = child.assignments.filter(revoked_at__isnull=True).select_related("caseworker").first()
        editors[child.pk] = holder.caseworker if holder else None
    statuses = [HukouStatus.UNREGISTERED, HukouStatus.IN_PROGRESS]
    n = 0
    while history_rows() < target:
        for child in children:
            if editors[child.pk] is None:
                continue
            update_child(
                child=child,
                by=editors[child.pk],
                values={"hukou_status": statuses[n % 2]},
                expected_version=current_versions(child)["child"],
                reason=f"Bench edit {n}",
            )
        n += 1


def timed(client, url, params, repeat) -> tuple[float, int, int]:
    client.get(url, params)  # warm up
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url, params)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    entries = response.content.decode().count('class="card entry"')
    return statistics.median(times), len(queries), entries


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    demo.seed_demo(children=args.children, seed=demo.DEFAULT_SEED)
    if history_rows() < MIN_HISTORY:
        top_up(MIN_HISTORY)
    if connection.vendor == "postgresql":
        # Fresh tables have no planner statistics until autovacuum gets to them; without
        # them PostgreSQL picks nested loops over the whole team (2-3x slower here).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    supervisor = get_user_model().objects.get(username="supervisor1")
    team = supervised_team(supervisor)
    team_rows = review.history_rows(team, review.ReviewFilter()).count()

    client = Client()
    client.force_login(supervisor)
    url = reverse("supervision:timeline")
    caseworker = team_caseworkers(team).first().username
    last_page = -(-team_rows // PAGE_SIZE)
    print(f"database: {connection.vendor}, history rows: {history_rows()} (team A: {team_rows})")
    print(f"{'variant':<32} {'median ms':>10} {'queries':>8} {'entries':>8}")
    for label, params in [
        ("first page", {}),
        ("page 10", {"page": 10}),
        (f"last page ({last_page})", {"page": last_page}),
        (f"caseworker {caseworker}", {"person": caseworker}),
        ("kind=mother", {"kind": "mother"}),
    ]:
        median, queries, entries = timed(client, url, params, args.repeat)
        print(f"{label:<32} {median:>10.1f} {queries:>8} {entries:>8}")


if __name__ == "__main__":
    # The manifest storage needs collectstatic; the page's own time does not depend on it.
    plain_static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain_static}):
        main()
