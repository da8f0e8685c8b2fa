"""AU-1: nothing in the application changes case data without writing history.

simple-history writes its rows from post_save/post_delete signals. QuerySet.update(),
bulk_create(), bulk_update(), raw SQL and cursors skip those signals, so a change made
that way leaves no trace of who did it or why. This test scans the application's source
(casework/, children/, families/; not migrations or tests) and fails on any such call.

The rule, per call expression:
- `.bulk_create(...)` and `.bulk_update(...)` on anything: only managers and querysets
  have them. (simple_history.utils.bulk_create_with_history / bulk_update_with_history
  are plain functions with other names and are not caught.)
- `.update(...)` when the receiver is a queryset or manager: its expression mentions
  `objects`, `history`, `_default_manager`, `_base_manager` or a `*_set` related manager,
  contains a queryset-returning call (filter, exclude, all, select_for_update, ...), or is
  a name assigned from such an expression in the same module or called `qs`/`*queryset`.
  `dict.update` and friends are left alone.
- `.raw(...)`, `.extra(...)`, `RawSQL(...)`, `.cursor(...)`/`cursor(...)`,
  `._raw_delete(...)`, `.executemany(...)`: always.

A reviewed exception carries `# history-safe: <why>` on one of the call's lines or on a
comment line right above it (for instance raw SQL that installs the append-only
triggers). A marker without a reason is no waiver. The exceptions reviewed before the
markers existed are listed in REVIEWED below, by file and function, each with its reason;
a new cursor anywhere else fails.
"""

import ast
import re
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
APPS = ("casework", "children", "families")
EXCLUDED_PARTS = {"migrations", "tests", "__pycache__"}

ALWAYS = {"bulk_create", "bulk_update", "raw", "extra", "cursor", "_raw_delete", "executemany"}
BARE_NAMES = {"RawSQL", "cursor"}
QUERYSET_METHODS = {
    "all",
    "filter",
    "exclude",
    "select_for_update",
    "select_related",
    "prefetch_related",
    "order_by",
    "annotate",
    "alias",
    "only",
    "defer",
    "distinct",
    "using",
    "none",
    "get_queryset",
    "union",
    "intersection",
    "difference",
    "reverse",
}
MANAGER_WORDS = re.compile(r"(^|\.)(objects|history|_default_manager|_base_manager|all_grants|\w+_set)(\.|$)")
QUERYSET_NAME = re.compile(r"^(qs|\w*queryset|\w*_qs)$", re.IGNORECASE)
WAIVER = re.compile(r"#\s*history-safe:\s*\S")


# (file, function) -> why raw SQL there cannot bypass case-data history.
REVIEWED = {
    ("casework/audit/append_only.py", "install"): "DDL: creates the triggers that make history append-only",
    ("casework/audit/append_only.py", "drop"): "DDL: drops those triggers (test flush, migrations)",
    ("casework/audit/append_only.py", "installed_triggers"): "reads the trigger catalogue",
    ("casework/audit/services.py", "_append"): "appends one access-log row (not history-tracked, append-only)",
}


def _functions_by_line(tree: ast.AST) -> dict[int, str]:
    """The innermost function around each line."""
    owner: dict[int, str] = {}
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    for function in sorted(functions, key=lambda f: f.lineno):  # inner ones overwrite outer
        for line in range(function.lineno, (function.end_lineno or function.lineno) + 1):
            owner[line] = function.name
    return owner


def _is_queryset_expression(node: ast.AST, tainted: set[str]) -> bool:
    for inner in ast.walk(node):
        if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute):
            if inner.func.attr in QUERYSET_METHODS:
                return True
        if isinstance(inner, ast.Name) and (inner.id in tainted or QUERYSET_NAME.match(inner.id)):
            return True
    return bool(MANAGER_WORDS.search(ast.unparse(node)))


def _tainted_names(tree: ast.AST) -> set[str]:
    """Names bound to a queryset or manager anywhere in the module (one pass is enough for
    `qs = Model.objects.filter(...)`; a second pass catches `qs2 = qs.exclude(...)`)."""
    tainted: set[str] = set()
    for _pass in range(2):
        for node in ast.walk(tree):
            targets, value = [], None
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AnnAssign | ast.AugAssign) and node.value is not None:
                targets, value = [node.target], node.value
            if value is not None and _is_queryset_expression(value, tainted):
                tainted |= {t.id for t in targets if isinstance(t, ast.Name)}
    return tainted


def offending_calls(source: str, filename: str = "<snippet>") -> list[str]:
    """`file:line: code` for every call that would change rows without history."""
    tree = ast.parse(source, filename)
    lines = source.splitlines()
    tainted = _tainted_names(tree)
    owners = _functions_by_line(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        bad = False
        if isinstance(func, ast.Attribute):
            if func.attr in ALWAYS or func.attr == "RawSQL":
                bad = True
            elif func.attr == "update":
                bad = _is_queryset_expression(func.value, tainted)
        elif isinstance(func, ast.Name):
            bad = func.id in BARE_NAMES
        if not bad:
            continue
        span = lines[node.lineno - 1 : (node.end_lineno or node.lineno)]
        if node.lineno >= 2 and lines[node.lineno - 2].lstrip().startswith("#"):
            span.append(lines[node.lineno - 2])  # a comment line right above the call
        if any(WAIVER.search(line) for line in span) or (filename, owners.get(node.lineno)) in REVIEWED:
            continue
        found.append(f"{filename}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    return found


def application_files() -> list[Path]:
    files = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if not EXCLUDED_PARTS & set(path.relative_to(ROOT).parts):
                files.append(path)
    return files


def test_the_scan_covers_the_write_paths():
    scanned = {str(path.relative_to(ROOT)) for path in application_files()}
    assert {
        "children/services.py",
        "families/services.py",
        "casework/access/services.py",
        "casework/interviews/services.py",
        "casework/transfers/services.py",
        "children/access.py",
    } <= scanned
    assert not any("/migrations/" in name for name in scanned)


def test_every_reviewed_exception_still_exists():
    """A stale entry would silently waive whatever code later takes that name."""
    for path, function in REVIEWED:
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        assert function in _functions_by_line(tree).values(), (path, function)


def test_a_reviewed_function_waives_only_itself():
    source = "def install(c):\n    c.cursor()\n\ndef other(c):\n    c.cursor()\n"
    assert offending_calls(source, "casework/audit/append_only.py") == ["casework/audit/append_only.py:5: c.cursor()"]


def test_no_application_code_writes_around_history():
    offending = []
    for path in application_files():
        offending += offending_calls(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert offending == [], (
        "These calls change rows without writing history. Save through the model (a service with "
        "`by=`), use simple_history.utils.bulk_create_with_history / bulk_update_with_history, or, "
        "after review, mark the line `# history-safe: <why>`:\n" + "\n".join(offending)
    )


@pytest.mark.parametrize(
    "snippet",
    [
        "Child.objects.filter(case_status='open').update(case_status='closed')",
        "Child.objects.update(hukou_status='registered')",
        "Mother.objects.all().update(status='unknown')",
        "qs = Child.objects.filter(team=team)\nqs.update(case_status='closed')",
        "open_cases = Child.objects.filter(case_status='open')\nlater = open_cases.exclude(pk=1)\nlater.update(x=1)",
        "def close_all(queryset):\n    queryset.update(case_status='closed')",
        "child.family.children.filter(sex='male').update(sex='other')",
        "family.child_set.update(team=None)",
        "DocumentAccess.objects.bulk_create(rows)",
        "DocumentAccess.objects.bulk_update(rows, ['status'])",
        "manager.bulk_create(rows)",
        "Child.objects.raw('SELECT * FROM children_child')",
        "Child.objects.extra(where=['1=1'])",
        "Child.objects.annotate(x=RawSQL('1', []))",
        "with connection.cursor() as c:\n    c.execute('UPDATE families_mother SET status = %s', ['x'])",
        "Child.objects.filter(pk=1)._raw_delete('default')",
        "Child.history.filter(pk=1).update(history_change_reason='')",
        "Child.objects.filter(pk=1).update(x=1)  # history-safe:",
        "Child.objects.filter(\n    pk=1\n).update(x=1)  # history safe, no colon",
        "# history-safe: reviewed\nx = 1\nChild.objects.update(x=1)",
    ],
)
def test_the_rule_catches_writes_around_history(snippet):
    assert offending_calls(snippet), snippet


@pytest.mark.parametrize(
    "snippet",
    [
        "values = {}\nvalues.update(status='present')",
        "self.fields.update(extra)",
        "context.update({'child': child})",
        "bulk_create_with_history(rows, DocumentAccess, default_user=by)",
        "bulk_update_with_history(rows, DocumentAccess, ['status'], default_user=by)",
        "Child.objects.update_or_create(pk=1, defaults={})",
        "Child.objects.filter(pk=1).delete()",
        "save_tracked(child, by=by, reason=reason)",
        "with connection.cursor() as c:  # history-safe: installs the append-only triggers\n    c.execute(SQL)",
        "Child.objects.filter(\n    pk=1\n).update(x=1)  # history-safe: reviewed, not a tracked model",
        "# history-safe: the access-log chain head, not case data\nwith connection.cursor() as c:\n    pass",
    ],
)
def test_the_rule_leaves_ordinary_code_alone(snippet):
    assert offending_calls(snippet) == []


def test_migrations_are_in_step_with_the_models(db):
    """makemigrations --check exits non-zero (SystemExit) when a model change has no migration."""
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
