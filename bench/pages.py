"""Server time of the caseworker's pages on demo data (issue 3 closing note).

    .venv/bin/python bench/pages.py [--children N] [--repeat R]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/casework_bench_pages .venv/bin/python bench/pages.py

Builds (or reuses) a bench database with `seed_demo`'s data and times, through Django's
test client (the whole request: middleware, gate, access log, queries, template), the
case list, a search, a filtered list and a case page for caseworker1 and supervisor1.
Prints the median and the spread of R requests and the number of queries of each page.
Runs with DEBUG off; the default database is an SQLite file under bench/ (gitignored).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'bench' / 'pages-bench.sqlite3'}")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-any-deployment-0123456789")
os.environ.setdefault("AUDIT_CHAIN_KEY", "bench-only-audit-chain-key-0123456789abcdef")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DEMO_PASSWORD", "bench-only-demo-password")
os.environ["DEBUG"] = "0"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from children import access  # noqa: E402


def timed(client, url, params, repeat):
    client.get(url, params)  # warm caches, compile templates
    queries = []

    def count(execute, sql, params_, many, context):
        queries.append(sql)
        return execute(sql, params_, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(url, params)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), min(samples), max(samples), len(queries)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--children", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("migrate", verbosity=0)
    call_command("seed_demo", children=args.children, force=True, verbosity=0)
    users = get_user_model().objects
    print(f"database: {connection.vendor}, demo children: {args.children}, repeat: {args.repeat}")
    print(f"{'user':<12} {'page':<22} {'median ms':>10} {'min':>7} {'max':>7} {'queries':>8}")
    for username in ("caseworker1", "supervisor1"):
        user = users.get(username=username)
        client = Client()
        client.force_login(user)
        child = access.children_visible_to(user).order_by("case_number").first()
        pages = [
            ("list", reverse("children:list"), {}),
            ("list page 2", reverse("children:list"), {"page": 2}),
            ("search", reverse("children:list"), {"q": "C-"}),
            ("filtered: overdue", reverse("children:list"), {"overdue": "on", "sort": "follow_up"}),
            ("case page", child.get_absolute_url(), {}),
            ("follow-ups", reverse("interviews:follow-ups"), {}),
        ]
        for label, url, params in pages:
            median, low, high, queries = timed(client, url, params, args.repeat)
            print(f"{username:<12} {label:<22} {median:>10.1f} {low:>7.1f} {high:>7.1f} {queries:>8}")


if __name__ == "__main__":
    main()
