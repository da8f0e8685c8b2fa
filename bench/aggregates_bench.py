"""Time and peak memory of the anonymised aggregates export on 100,000 children (issue 5).

    .venv/bin/python bench/aggregates_bench.py [--children N] [--repeat R]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_aggregates .venv/bin/python bench/aggregates_bench.py

Uses its own PostgreSQL database (created if missing, default `bench_aggregates`), never
the development one. The caseload is generated once (seeded, survey-shaped: both parents,
repatriated and runaway mothers in the survey's proportions, four provinces, ages 0 to 20
with a few missing dates of birth, four doors each, 0 to 3 interviews) with
simple-history's bulk_create_with_history, and reused on later runs. Then it times the
export as the download and the command do it (the three grouped queries, suppression,
serialisation, as a release is published) and serving the latest release (as the downloads
and `export_aggregates` do), and prints the median of R runs, with the peak of Python allocations
(tracemalloc) during one export and the process's maximum resident size.
"""

import argparse
import datetime
import io
import os
import random
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_aggregates")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-any-deployment-0123456789")
os.environ.setdefault("AUDIT_CHAIN_KEY", "bench-only-audit-chain-key-0123456789abcdef")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ["DEBUG"] = "0"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")


def ensure_database(url: str) -> None:
    """CREATE DATABASE for a PostgreSQL URL whose database does not exist yet."""
    if not url.startswith("postgres"):
        return
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    with psycopg.connect(
        host=config["HOST"],
        port=config["PORT"] or 5432,
        user=config["USER"],
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{config["NAME"]}"')


ensure_database(os.environ["DATABASE_URL"])

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from simple_history.utils import bulk_create_with_history  # noqa: E402

from casework.access.services import create_team, join_team  # noqa: E402
from casework.aggregates import export as aggregates  # noqa: E402
from casework.aggregates import perturbation, queries  # noqa: E402
from casework.aggregates.layout import build_layout  # noqa: E402
from casework.aggregates.queries import grouped_counts  # noqa: E402
from casework.aggregates.services import publish_release  # noqa: E402
from casework.aggregates.suppression import suppress  # noqa: E402
from casework.core import roles  # noqa: E402
from casework.models import AggregatesRelease, Interview, LocationType, Team  # noqa: E402
from children.models import AccessStatus, Child, DocumentAccess, DocumentKind, HukouStatus, LivingArrangement, Sex  # noqa: E402
from families.models import Family, Mother, MotherStatus, Province  # noqa: E402

BATCH = 5000


def pick(rng, weighted):
    return rng.choices([value for value, _w in weighted], [w for _value, w in weighted])[0]


MOTHER = [
    (MotherStatus.REPATRIATED, 36),
    (MotherStatus.RAN_AWAY, 31),
    (MotherStatus.PRESENT, 25),
    (MotherStatus.UNKNOWN, 8),
]
LIVING = [
    (LivingArrangement.BOTH_PARENTS, 15),
    (LivingArrangement.FATHER_ONLY, 35),
    (LivingArrangement.GRANDPARENTS, 30),
    (LivingArrangement.RELATIVES, 12),
    (LivingArrangement.MOTHER_ONLY, 5),
    (LivingArrangement.OTHER, 3),
]
PROVINCE = [(Province.JILIN, 70), (Province.LIAONING, 12), (Province.HEILONGJIANG, 15), (Province.OTHER, 3)]
DOOR = [(AccessStatus.NO_ACCESS, 55), (AccessStatus.HAS_ACCESS, 25), (AccessStatus.IN_PROGRESS, 15)]


def generate(n: int, seed: int) -> None:
    rng = random.Random(seed)
    team = create_team(name="Bench team")
    user, _ = get_user_model().objects.get_or_create(username="bench_caseworker")
    join_team(user=user, team=team, role=roles.CASEWORKER)
    today = datetime.date.today()
    start = Child.objects.count()
    for offset in range(start, n, BATCH):
        size = min(BATCH, n - offset)
        with transaction.atomic():
            mothers = [Mother(given_name="Bench", family_name="Mother", status=pick(rng, MOTHER)) for _ in range(size)]
            bulk_create_with_history(mothers, Mother, default_user=user)
            families = [
                Family(mother=m, province=pick(rng, PROVINCE), county="Bench", village="Bench") for m in mothers
            ]
            bulk_create_with_history(families, Family, default_user=user)
            children = []
            for i, family in enumerate(families):
                born = None if rng.random() < 0.05 else today - datetime.timedelta(days=rng.randrange(0, 21 * 365))
                children.append(
                    Child(
                        case_number=f"B-{offset + i:07d}",
                        given_name="Bench",
                        family_name="Child",
                        date_of_birth=born,
                        sex=rng.choice([Sex.FEMALE, Sex.MALE]),
                        family=family,
                        team=team,
                        living_arrangement=pick(rng, LIVING),
                        hukou_status=rng.choice(HukouStatus.values),
                    )
                )
            bulk_create_with_history(children, Child, default_user=user)
            doors = [
                DocumentAccess(
                    child=child,
                    kind=kind,
                    status=AccessStatus.NOT_APPLICABLE
                    if kind == DocumentKind.MARRIAGE and rng.random() < 0.9
                    else pick(rng, DOOR),
                )
                for child in children
                for kind in DocumentKind.values
            ]
            bulk_create_with_history(doors, DocumentAccess, default_user=user)
            interviews = [
                Interview(
                    child=child,
                    caseworker=user,
                    held_on=today - datetime.timedelta(days=rng.randrange(0, 3 * 365)),
                    location_type=LocationType.HOME,
                )
                for child in children
                for _ in range(rng.randrange(0, 4))
            ]
            bulk_create_with_history(interviews, Interview, default_user=user)
        print(f"  {offset + size:,} children", flush=True)


def unsaved_release() -> AggregatesRelease:
    return AggregatesRelease(
        number=0,
        reference_date=datetime.date.today(),
        threshold=5,
        perturbation_bound=perturbation.BOUND,
        perturbation_variance=perturbation.VARIANCE,
    )


def export_once(fmt: str) -> int:
    """A live count, as a release is published: grouped queries, suppression, perturbation,
    serialisation."""
    records = aggregates.compute()
    stream = io.StringIO()
    aggregates.WRITERS[fmt](records, stream, unsaved_release())
    return len(stream.getvalue())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    if Child.objects.count() < args.children:
        print(f"generating {args.children:,} children (once; reused on later runs)")
        began = time.perf_counter()
        generate(args.children, args.seed)
        print(f"  generated in {time.perf_counter() - began:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"database: {connection.vendor} {connection.settings_dict['NAME']}; children {Child.objects.count():,}, "
        f"doors {DocumentAccess.objects.count():,}, interviews {Interview.objects.count():,}, teams "
        f"{Team.objects.count()}"
    )

    for fmt in ("csv", "json"):
        export_once(fmt)  # warm up
        times, size = [], 0
        for _ in range(args.repeat):
            began = time.perf_counter()
            size = export_once(fmt)
            times.append(time.perf_counter() - began)
        print(
            f"export {fmt}: median {statistics.median(times) * 1000:.0f} ms "
            f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}, {args.repeat} runs), {size:,} bytes"
        )

    began = time.perf_counter()
    layout = build_layout(grouped_counts(), datetime.date.today())
    queried = time.perf_counter()
    suppressed = suppress(layout, 5)
    done = time.perf_counter()
    print(
        f"of which: queries + tables {(queried - began) * 1000:.0f} ms, suppression {(done - queried) * 1000:.0f} ms "
        f"({len(suppressed)} of {len(layout.order)} cells suppressed)"
    )

    # What the downloads and export_aggregates now do: serve the latest published release.
    settings.AGGREGATES_RELEASES_PER_MONTH = 0
    began = time.perf_counter()
    release = publish_release(by=None, reason="benchmark")
    published = time.perf_counter() - began
    times = []
    for _ in range(args.repeat):
        began = time.perf_counter()
        stream = io.StringIO()
        served = queries.release(release.number)
        assert served is not None
        aggregates.write_csv(aggregates.release_records(served), stream, served)
        times.append(time.perf_counter() - began)
    print(
        f"publish a release: {published * 1000:.0f} ms; export the latest release as CSV: median "
        f"{statistics.median(times) * 1000:.0f} ms ({args.repeat} runs)"
    )

    tracemalloc.start()
    export_once("csv")
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    maxrss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak Python allocations during one CSV export (tracemalloc): {peak / 1024 / 1024:.1f} MiB")
    print(
        "process maximum resident size (ru_maxrss; includes the data generation when this run did it): "
        f"{maxrss_kib / 1024:.0f} MiB"
    )


if __name__ == "__main__":
    main()
