"""No false alarm: verify_audit and the integrity page, run while writers are busy,
report an intact trail every time (requirement AU-7).

Every chain and every head is read in one snapshot (casework.audit.queries.one_snapshot);
before that, the head was read after the rows, and a busy log looked cut off. SQLite
serialises its writers and readers see one snapshot anyway; the race is PostgreSQL's."""

import datetime
import threading

import pytest
from django.db import connection, connections  # noqa: F401  (connection: the skipif condition)
from django.test import Client
from django.urls import reverse

from casework.audit.queries import verify_audit
from casework.audit.services import log_access
from casework.core.tracked import StaleEdit
from casework.interviews.services import record_interview
from casework.models import AccessAction, AccessLog
from children.queries import current_versions
from children.services import DoorUpdate, update_child
from families.models import MotherStatus

pytestmark = [
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="SQLite serialises writers and readers"),
    pytest.mark.django_db(transaction=True),
]

WRITERS = 4


@pytest.fixture
def busy(case_a, cw_a, sup_a, application_role):
    """Writer threads appending to the access log and to several history tables (an
    interview with the mother's status and a door, a change of the child) until stopped.
    Each on a connection of its own, as the application role (tests/app_role.py)."""
    stop, errors, written, roles = threading.Event(), [], [0], []

    def writer(n):
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT current_user")
                roles.append(cursor.fetchone()[0])
            i = 0
            while not stop.is_set():
                i += 1
                log_access(user=cw_a, action=AccessAction.VIEW, object_type="child", object_id=f"w{n}-{i}")
                try:
                    if n % 2:
                        record_interview(
                            child=case_a,
                            expected_versions=current_versions(case_a),
                            by=cw_a,
                            held_on=datetime.date(2026, 11, 1),
                            location_type="home",
                            mother_status=(MotherStatus.UNKNOWN, MotherStatus.PRESENT)[i % 2],
                            doors={"education": DoorUpdate(status=("no_access", "in_progress")[i % 2])},
                        )
                    else:
                        update_child(
                            child=case_a,
                            by=sup_a,
                            expected_version=current_versions(case_a)["child"],
                            values={"given_name": f"Name{i}"},
                            reason="load",
                        )
                except StaleEdit:
                    # Two writers read the same version: the second is refused, as a person
                    # would be. Nothing was written; the writer reads again and goes on.
                    continue
                written[0] += 1
        except Exception as error:  # reported by the test, with the writer's number
            errors.append((n, repr(error)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    yield written
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert roles == [application_role] * WRITERS


def _wait_for_writes(written, at_least):
    deadline = datetime.datetime.now() + datetime.timedelta(seconds=30)
    while written[0] < at_least and datetime.datetime.now() < deadline:
        threading.Event().wait(0.01)


def test_verify_audit_is_intact_every_time_while_writers_are_busy(busy):
    reports = []
    for round_ in range(8):
        _wait_for_writes(busy, (round_ + 1) * 3)
        reports.append(verify_audit())
    assert busy[0] >= 8 * 3
    for report in reports:
        assert report.intact, [(chain.table, chain.broken) for chain in report.broken]
    assert reports[-1].rows_checked > reports[0].rows_checked  # the writers did write in between


def test_the_integrity_page_is_intact_every_time_while_writers_are_busy(busy, sup_a):
    client = Client()
    client.force_login(sup_a)
    pages = []
    for round_ in range(6):
        _wait_for_writes(busy, (round_ + 1) * 3)
        response = client.get(reverse("audit:integrity"))
        pages.append(response.content.decode())
        assert response.context["report"].intact, response.context["report"].broken
    assert all('data-testid="chain-intact"' in page for page in pages)
    assert AccessLog.objects.filter(username="cw_a").count() >= 6 * 3
