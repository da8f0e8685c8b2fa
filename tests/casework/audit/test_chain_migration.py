"""The migration that adds the chain columns chains the rows already there
(casework.audit.frozen.chain_v2.chain_existing_rows, a frozen copy of the chain code), in
the order they were written."""

import datetime
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from casework.audit import append_only
from casework.audit.chain import DIGEST_PREFIX, GENESIS_HASH, row_digest
from casework.audit.frozen import chain_v2
from casework.audit.frozen.chain_v2 import chain_existing_rows
from casework.audit.queries import verify_audit
from casework.audit.registry import chain_for, chains
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


def test_the_frozen_chain_code_hashes_as_the_live_code_while_the_scheme_is_v2(case_a, cw_a):
    # When the live scheme moves on, this test moves to the next frozen copy (chain_v3)
    # and chain_v2 stays as it is, for the migrations that use it.
    assert DIGEST_PREFIX == chain_v2.DIGEST_PREFIX and GENESIS_HASH == chain_v2.GENESIS_HASH
    record_interview(
        child=case_a,
        expected_versions=current_versions(case_a),
        by=cw_a,
        held_on=datetime.date(2026, 11, 1),
        location_type="home",
        mother_status="unknown",
    )
    frozen_chains = {
        chain.table: chain
        for app in ("casework", "children", "families")
        for chain in chain_v2.chains_of_app(apps, app)
    }
    # Audit tables created after the migrations that chain existing rows start empty and
    # need no frozen code: the admin's log and the record of privilege changes.
    born_later = {"casework.AdminLogEntry", "casework.PrivilegeChange"}
    v2_tables = {chain.table for chain in chains(apps) if chain.model._meta.label not in born_later}
    assert set(frozen_chains) == v2_tables
    compared = 0
    for frozen in frozen_chains.values():
        for row in frozen.model._base_manager.all():
            assert (
                chain_v2.row_digest(frozen, row)
                == row_digest(chain_for(frozen.model), row)
                == getattr(row, frozen.hash)
            )
            compared += 1
    assert compared >= 4


def test_no_migration_imports_the_live_chain_code():
    import re
    from pathlib import Path

    live = re.compile(
        r"^\s*(from casework\.audit\.(chain|registry) import|import casework\.audit\.(chain|registry))", re.M
    )
    root = Path(__file__).resolve().parents[3]
    migrations = list(root.glob("*/migrations/0*.py"))
    assert len(migrations) > 10
    assert [str(path) for path in migrations if live.search(path.read_text())] == []
