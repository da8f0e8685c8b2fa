"""AU-21: a statement that fails leaves no name in PostgreSQL's own log.

PostgreSQL logs a failing statement. With parameters bound on the client (psycopg's
default) the statement it logs holds the values: the child's and the mother's names. The
application binds on the server (casework/settings.py), so the log holds $1, $2 ...; and
the server runs with the logging settings of docker-compose.yml, which this test applies to
its own session before provoking the failures and reading the server's log file. It needs
the file to be readable (CI runs as root on the machine whose PostgreSQL it starts) and is
skipped otherwise."""

import re
import uuid
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction

from children.models import Child
from families.models import Mother

ROOT = Path(__file__).resolve().parents[2]
SERVER_LOG = Path("/var/log/postgresql/postgresql-15-main.log")

pytestmark = pytest.mark.skipif("connection.vendor != 'postgresql'")


def compose_logging_settings() -> dict[str, str]:
    """The `-c name=value` settings of the db service in docker-compose.yml."""
    compose = (ROOT / "docker-compose.yml").read_text()
    return dict(re.findall(r"^\s*- (log_[a-z_]+)=(\S+)\s*$", compose, flags=re.M))


def test_the_compose_file_spells_out_what_the_server_logs():
    assert compose_logging_settings() == {
        "log_error_verbosity": "terse",
        "log_min_error_statement": "error",
        "log_parameter_max_length_on_error": "0",
        "log_parameter_max_length": "0",
        "log_statement": "none",
        "log_min_duration_statement": "-1",
    }


def test_the_application_binds_parameters_on_the_server():
    assert connection.settings_dict["OPTIONS"]["server_side_binding"] is True


@pytest.fixture
def server_log():
    try:
        with SERVER_LOG.open("rb") as log:
            log.seek(0, 2)
            start = log.tell()
    except OSError:
        pytest.skip(f"{SERVER_LOG} is not readable here")

    def written_since() -> str:
        with SERVER_LOG.open("rb") as log:
            log.seek(start)
            return log.read().decode("utf-8", "replace")

    return written_since


def test_failing_inserts_of_a_child_and_a_mother_log_no_name(case_a, server_log):
    with connection.cursor() as cursor:
        # The server's own setting, before this session applies the compose file's.
        cursor.execute("SHOW log_parameter_max_length_on_error")
        assert cursor.fetchone()[0] == "0"
        for name, value in compose_logging_settings().items():
            cursor.execute(f"SET {name} = '{value}'")
    given, family = f"Sunhui{uuid.uuid4().hex[:8]}", f"Kim{uuid.uuid4().hex[:8]}"

    # A case number already taken (the clash two openings at one instant used to cause) ...
    with pytest.raises(DatabaseError), transaction.atomic():
        Child.objects.create(
            case_number=case_a.case_number,
            given_name=given,
            family_name=family,
            sex="female",
            family=case_a.family,
            team=case_a.team,
            living_arrangement="father_only",
        )
    # ... a CHECK constraint refusing a row (its DETAIL would quote the whole row) ...
    with pytest.raises(DatabaseError), transaction.atomic():
        Child.objects.create(
            case_number="C-1999-0001",
            given_name=given,
            family_name=family,
            sex="not-a-sex",
            family=case_a.family,
            team=case_a.team,
            living_arrangement="father_only",
        )
    # ... and a mother whose status is longer than its column.
    with pytest.raises(DatabaseError), transaction.atomic():
        Mother.objects.create(given_name=given, family_name=family, status="no-such-status" * 10)

    logged = server_log()
    assert "children_child" in logged, "the failures were not logged where this test looks"
    assert "$1" in logged, "the logged statements should carry placeholders"
    assert given not in logged
    assert family not in logged
    assert "Failing row contains" not in logged
