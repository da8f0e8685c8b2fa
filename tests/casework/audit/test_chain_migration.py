"""The migration that adds the chain columns chains the rows already there
(casework.audit.chain.chain_existing_rows), in the order they were written."""

import datetime
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from casework.audit import append_only
from casework.audit.chain import GENESIS_HASH, chain_existing_rows
from casework.audit.queries import verify_audit
from casework.interviews.services import record_interview
from casework.models import AuditChainHead
from children.models import Child
from children.queries import current_versions

# Migrations run as the tables' owner.
pytestmark = [pytest.mark.django_db, pytest.mark.as_owner]


def test_rows_written_before_the_chain_existed_are_chained_and_verify(case_a, cw_a):
    record_interview(
        child=case_a,
        expected_versions=current_versions(case_a),
        by=cw_a,
        held_on=datetime.date(2026, 11, 1),
        location_type="home",
        mother_status="unknown",
    )
    # As before the migration: no chain columns set, no heads.
    append_only.drop(connection, append_only.protected_tables(apps))  # rolled back with the test
    tables = {"children": ["children_historicalchild", "children_historicaldocumentaccess"]}
    with connection.cursor() as cursor:
        for table in tables["children"]:
            cursor.execute(f"UPDATE {table} SET chain_seq = NULL, chain_prev = '', chain_hash = ''")  # noqa: S608
            cursor.execute("DELETE FROM casework_auditchainhead WHERE chain = %s", [table])
    assert not verify_audit().intact

    chain_existing_rows("children")(apps, SimpleNamespace(connection=connection))

    report = verify_audit()
    assert report.intact, [chain.broken for chain in report.broken]
    rows = list(Child.history.order_by("chain_seq").values_list("history_id", "chain_seq", "chain_prev"))
    assert [seq for _, seq, _ in rows] == list(range(1, len(rows) + 1))
    assert [history_id for history_id, _, _ in rows] == sorted(history_id for history_id, _, _ in rows)
    assert rows[0][2] == GENESIS_HASH
    assert AuditChainHead.objects.get(chain="children_historicalchild").seq == len(rows)
