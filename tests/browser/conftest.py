"""Browser tests: pytest-playwright driving Debian's Chromium against pytest-django's live server.

Nothing is downloaded: `playwright install` cannot reach its servers from our machines and is
not needed. Install the browser with `apt-get install -y --no-install-recommends chromium`;
without it every test marked `browser` is skipped with that instruction. Screenshots and
Playwright's artifacts go under test-output/ (gitignored).

DJANGO_ALLOW_ASYNC_UNSAFE is set in tests/conftest.py: Playwright's sync API runs an event
loop in the test thread, and Django would otherwise refuse database access from it.
"""

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
OUTPUT_DIR = Path(__file__).resolve().parent.parent.parent / "test-output"
SKIP_REASON = (
    f"Chromium is not installed at {CHROMIUM}: "
    "apt-get install -y --no-install-recommends chromium (and fonts-noto-cjk for Korean and Chinese names)"
)

# Headless and quiet: no sandbox (we run as root in CI), no GPU, and no calls home for
# updates, sync or field trials, since the machines only reach the package registries.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_configure(config):
    # pytest-playwright empties its --output folder at the start of every session, so it
    # gets a folder of its own rather than test-output/ itself.
    if config.getoption("--output", default=None) == "test-results":
        config.option.output = str(OUTPUT_DIR / "playwright")


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).resolve().parent
    for item in items:
        if here not in Path(item.fspath).resolve().parents:
            continue
        # Every test in this folder is a browser test, whether or not its module says so.
        item.add_marker(pytest.mark.browser)
        if not CHROMIUM.exists():
            item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(live_server):
    # live_server listens on http://localhost:<port>. Chromium treats localhost as a secure
    # context, so it keeps the Secure session and CSRF cookies that DEBUG-off settings send.
    return live_server.url


@pytest.fixture
def page(page):
    # Playwright waits 30 s for an element by default; a page that broke shows sooner.
    page.set_default_timeout(10_000)
    return page


@pytest.fixture
def screenshot(page, request):
    """Save a full-page screenshot as test-output/screenshots/<test name>-<label>.png."""
    folder = OUTPUT_DIR / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)

    def take(label: str = "page") -> Path:
        path = folder / f"{request.node.name}-{label}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take
