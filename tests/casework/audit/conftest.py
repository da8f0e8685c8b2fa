"""The audit and tamper tests run as the application role on PostgreSQL (tests/app_role.py);
a test marked `as_owner` runs as the tables' owner."""

import pytest

from tests.app_role import app_role, application_role  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True)
def _as_the_application(request):
    uses_database = request.node.get_closest_marker("django_db") is not None or bool(
        {"db", "transactional_db"} & set(request.fixturenames)
    )
    if not uses_database or request.node.get_closest_marker("as_owner"):
        yield None
        return
    yield request.getfixturevalue("application_role")
