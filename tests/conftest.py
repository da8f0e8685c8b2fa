import os

# Playwright's sync API runs an event loop in the test thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest  # noqa: E402

import tests.profiles  # noqa: E402,F401  (loads the Hypothesis profile)
from tests import factories  # noqa: E402
from tests.audit_flush import append_only_flush_hatch  # noqa: E402,F401  (flush past the audit triggers)


@pytest.fixture
def team_a(db):
    return factories.TeamFactory(name="Team A")


@pytest.fixture
def team_b(db):
    return factories.TeamFactory(name="Team B")


@pytest.fixture
def cw_a(team_a):
    return factories.caseworker(team_a, username="cw_a")


@pytest.fixture
def cw_a2(team_a):
    return factories.caseworker(team_a, username="cw_a2")


@pytest.fixture
def cw_b(team_b):
    return factories.caseworker(team_b, username="cw_b")


@pytest.fixture
def sup_a(team_a):
    return factories.supervisor(team_a, username="sup_a")


@pytest.fixture
def sup_b(team_b):
    return factories.supervisor(team_b, username="sup_b")


@pytest.fixture
def data_admin(db):
    return factories.data_admin(username="dataadmin")


@pytest.fixture
def sys_admin(db):
    return factories.system_admin(username="sysadmin")


@pytest.fixture
def case_a(cw_a):
    """A case of team A, opened by (and so assigned to) cw_a."""
    return factories.open_case_for(cw_a)


@pytest.fixture
def case_b(cw_b):
    return factories.open_case_for(cw_b)
