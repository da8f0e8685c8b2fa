"""Imports only point down (README, "Where code lives"): import-linter's contracts in
.importlinter hold for the code as it is, and fail for code that breaks the rule."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("casework", "children", "families")


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    # A separate process: grimp reads the packages found on sys.path, and this process has
    # the real ones imported already.
    return subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; lint_imports_command()"]
        + ["--config", str(root / ".importlinter"), "--no-cache"],
        cwd=root,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        # The kernel reaching up into a page.
        ("casework/core/tracked.py", "from children import views", "Imports only point down the layers"),
        # A service reaching up into the web layer.
        ("children/services.py", "from casework.web import gates", "Imports only point down the layers"),
        # A view importing another app's view.
        ("children/views.py", "from casework.supervision import views", "Imports only point down the layers"),
        # A model importing a service.
        ("families/models.py", "from children import services", "Models import only the kernel's model helpers"),
    ],
)
def test_an_import_that_breaks_the_rule_breaks_the_contract(tmp_path, module, line, contract):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    target = tmp_path / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{contract} BROKEN" in result.stdout
    assert "1 kept, 1 broken" in result.stdout
