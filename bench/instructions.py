"""Instructions the application executes per page, counted by valgrind: a figure that does
not depend on what else the machine is doing.

On a shared machine even CPU time moves with the neighbours (caches, frequency): the same
list page measured 17 and 28 ms of CPU ten minutes apart. valgrind's callgrind counts the
instructions the Python process executes (not PostgreSQL's: the server runs outside it),
the same count for the same code and data whatever the load. Each page runs in two
processes, after the same warm-up, N and 3N times; the difference divided by 2N is one
request, with start-up and warm-up cancelled out.

    .venv/bin/python bench/instructions.py --database-url postgres://…/casework_bench_quick [--requests 5]

Needs a database built by bench/run.py (--quick is enough: the pages' Python work does not
grow with the database) and Debian's valgrind. It takes about a minute and a half per page
and process (valgrind runs Python some fifty times slower).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = {
    "list": ("caseworker", "/cases/"),
    "search": ("caseworker", "/cases/?q=Kim"),
    "case": ("caseworker", "case"),
    "team": ("supervisor", "/team/"),
    "access": ("supervisor", "/team/access/"),
    "timeline": ("supervisor", "/team/history/"),
}

# What each counted process runs: sign in, warm up, then the page `count` times.
CHILD = """
import sys
sys.path.insert(0, {root!r})
from bench import run, signin
run.configure({url!r})
from django.test import Client
from children.models import Child
caseworker, supervisor, _admin = run.pick_users()
user = caseworker if {who!r} == "caseworker" else supervisor
client = Client()
client.force_login(user)
signin.verify(client, user)
path = {path!r}
if path == "case":
    path = Child.objects.filter(assignments__caseworker=caseworker).order_by("case_number").first().get_absolute_url()
for _ in range(3):
    assert client.get(path).status_code == 200
for _ in range({count}):
    client.get(path)
"""


def instructions(url: str, who: str, path: str, count: int) -> int:
    with tempfile.TemporaryDirectory() as scratch:
        script = Path(scratch) / "page.py"
        script.write_text(CHILD.format(root=str(ROOT), url=url, who=who, path=path, count=count))
        done = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={scratch}/callgrind.out",
                sys.executable,
                str(script),
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
            check=False,
        )
        found = re.search(r"Collected : (\d+)", done.stderr)
        if done.returncode != 0 or not found:
            raise RuntimeError(f"valgrind failed on {path}: {done.stderr[-2000:]}")
        return int(found.group(1))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=5, help="N: the processes run N and 3N requests")
    parser.add_argument("--pages", default=",".join(PAGES), help=f"some of {','.join(PAGES)}")
    parser.add_argument("--output", default=str(ROOT / "test-output" / "bench-instructions.json"))
    args = parser.parse_args(argv)
    results = {}
    for key in args.pages.split(","):
        who, path = PAGES[key]
        few = instructions(args.database_url, who, path, args.requests)
        many = instructions(args.database_url, who, path, 3 * args.requests)
        results[key] = (many - few) / (2 * args.requests)
        print(f"  {key:<10} {results[key] / 1e6:8.1f} million instructions per request", flush=True)
    Path(args.output).parent.mkdir(exist_ok=True)
    Path(args.output).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
