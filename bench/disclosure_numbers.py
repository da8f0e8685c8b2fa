"""The closing numbers of issue 13: cells suppressed and mean absolute perturbation.

    DATABASE_URL=sqlite:////tmp/demo100.sqlite3 .venv/bin/python bench/disclosure_numbers.py --children 100
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_aggregates .venv/bin/python bench/disclosure_numbers.py

Migrates the database named by DATABASE_URL (never the development one: name a scratch
database), runs `seed_demo --children N` when it holds fewer children (skip with
--children 0, e.g. on the 100,000 children of bench/aggregates_bench.py), then counts the
open caseload once and prints: the share of cells suppressed (the same before and after
perturbation, which is applied after suppression), the mean absolute perturbation of the
published cells and of the published non-zero cells (0 before), the largest, and the time
of one unsaved export (queries, suppression, perturbation).
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-any-deployment-0123456789")
os.environ.setdefault("AUDIT_CHAIN_KEY", "bench-only-audit-chain-key-0123456789abcdef")
os.environ["DEBUG"] = "1"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from casework.aggregates.export import records_from  # noqa: E402
from casework.aggregates.layout import build_layout  # noqa: E402
from casework.aggregates.queries import grouped_counts  # noqa: E402
from casework.aggregates.suppression import suppress  # noqa: E402
from children.models import CaseStatus, Child  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=0, help="seed_demo this many children first (0: as is)")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if args.children and Child.objects.count() < args.children:
        call_command("seed_demo", children=args.children, seed=args.seed, verbosity=0)
    threshold = settings.AGGREGATES_MIN_CELL
    today = timezone.localdate()
    began = time.perf_counter()
    layout = build_layout(grouped_counts(today), today)
    suppressed = suppress(layout, threshold)
    published = records_from(layout, suppressed, threshold)
    elapsed = time.perf_counter() - began
    true = records_from(layout, suppressed, threshold, perturb=False)
    shown = [(p.count, t.count) for p, t in zip(published, true, strict=True) if not p.suppressed]
    changes = [abs(p - t) for p, t in shown]
    nonzero = [abs(p - t) for p, t in shown if t]
    share = 100 * len(suppressed) / len(layout.order)
    print(
        f"children {Child.objects.count():,} ({Child.objects.filter(case_status=CaseStatus.OPEN).count():,} open); "
        f"cells {len(layout.order):,}, suppressed {len(suppressed):,} ({share:.1f}%)"
    )
    print(
        f"mean absolute perturbation: {sum(changes) / max(len(changes), 1):.2f} over {len(changes):,} published "
        f"cells, {sum(nonzero) / max(len(nonzero), 1):.2f} over the {len(nonzero):,} non-zero ones; "
        f"largest {max(changes, default=0)}; exact before perturbation (0)"
    )
    print(f"one export (queries, tables, suppression, perturbation): {elapsed * 1000:.0f} ms")


if __name__ == "__main__":
    main()
