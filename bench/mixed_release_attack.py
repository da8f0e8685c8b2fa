"""The numbers of the mixed-release attack (docs/disclosure.md, "All tables together, not
table by table"). The figures quoted there were measured while the guard still decided table
by table; with the whole-release guard no release B is mixed, and the script shows it (its
"mixed" count and its failures are 0).

    .venv/bin/python bench/mixed_release_attack.py --scenarios 100 --seed 1

Draws random caseloads (50 to 1,000 children) and batches of random changes (1 to 40:
cases opened and closed, mothers' statuses, birthdays, doors, moves to another province),
publishes release A and then release B as `publish_release` would (no database), and plays
the attacker of tests/casework/aggregates/mixed_attacker.py against the pair, once with
published figures as the perturbation's ranges and once with the true count of every
published cell. Prints, per attacker, the scenarios, how many mixed fresh and repeated
tables, the cells checked by kind and the failures by kind, then one line per failure.
"""

import argparse
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from tests.casework.aggregates.mixed_attacker import attack_mixed  # noqa: E402
from tests.casework.aggregates.mixed_scenarios import random_scenario  # noqa: E402

K, M = 5, 10


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenarios", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    totals = {mode: {"checked": Counter(), "failed": Counter(), "scenarios failed": 0} for mode in (True, False)}
    mixed, lines, started = 0, [], time.perf_counter()
    for _ in range(args.scenarios):
        size, changes, seed = rng.randint(50, 1000), rng.randint(1, 40), rng.randrange(10**6)
        scenario = random_scenario(size, changes, seed, K, M)
        tables = {r.table for r in scenario.records_now}
        mixed += 0 < len(scenario.fresh) < len(tables)
        for perturbed in (True, False):
            outcome = attack_mixed(
                scenario.then, scenario.now, *scenario.published(perturbed), K, M, perturbed=perturbed
            )
            totals[perturbed]["checked"].update(outcome.checked)
            totals[perturbed]["failed"].update(f.kind for f in outcome.findings)
            totals[perturbed]["scenarios failed"] += bool(outcome.findings)
            for f in outcome.findings:
                mode = "perturbed" if perturbed else "exact"
                lines.append(
                    f"{mode} size={size} changes={changes} seed={seed} {f.kind} {f.cell} {f.true} {f.interval}"
                )
    print(f"scenarios {args.scenarios}, mixed {mixed}, {time.perf_counter() - started:.0f} s")
    for perturbed, total in totals.items():
        print(
            "perturbed" if perturbed else "exact",
            dict(total["checked"]),
            dict(total["failed"]),
            total["scenarios failed"],
        )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
