"""History tables and the access log are append-only in the database itself.

On PostgreSQL every statement is tried twice (tests/app_role.py): as the application role,
which lacks the privilege (or meets the trigger), and as the tables' owner, who holds
every privilege and is stopped by the trigger."""

import datetime

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection

from casework.audit import append_only
from casework.audit.chain import GENESIS_HASH
from casework.audit.registry import chains
from casework.audit.services import log_access
from casework.interviews.services import record_interview
from casework.models import AccessAction, AuditChainHead
from children.models import Child
from children.queries import current_versions
from children.services import update_child
from tests.app_role import refused_to_both

TABLES = ["children_historicalchild", "families_historicalmother", "casework_historicalinterview", "casework_accesslog"]


@pytest.fixture
def one_row_in_each(case_a, cw_a):
    record_interview(child=case_a, by=cw_a, held_on=datetime.date(2026, 11, 1), location_type="home")
    log_access(user=cw_a, action=AccessAction.VIEW, object_type="child", object_id=case_a.pk)
    return case_a


def _count(table):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        return cursor.fetchone()[0]


def _execute(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _refused(sql):
    refused_to_both(lambda: _execute(sql), by_trigger="append-only")


@pytest.mark.django_db
def test_every_history_table_and_the_access_log_have_their_triggers_after_migrate():
    tables = append_only.append_only_tables(apps)
    assert {"children_historicalchild", "families_historicalfamily", "casework_historicalassignment"} <= set(tables)
    assert "casework_accesslog" in tables
    assert append_only.missing_triggers(connection, tables) == {}


@pytest.mark.parametrize("table", TABLES)
def test_raw_sql_update_is_refused(one_row_in_each, table):
    before = _count(table)
    assert before > 0
    _refused(f'UPDATE "{table}" SET id = id')
    assert _count(table) == before


@pytest.mark.parametrize("table", TABLES)
def test_raw_sql_delete_is_refused(one_row_in_each, table):
    before = _count(table)
    _refused(f'DELETE FROM "{table}"')
    assert _count(table) == before


def test_orm_update_and_delete_of_history_rows_are_refused(one_row_in_each):
    history = Child.history.filter(id=one_row_in_each.pk)
    refused_to_both(lambda: history.update(history_change_reason="rewritten"), by_trigger="append-only")
    refused_to_both(lambda: history.first().delete(), by_trigger="append-only")
    assert not history.filter(history_change_reason="rewritten").exists()


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.parametrize("table", ["children_historicalchild", "casework_accesslog"])
def test_truncate_is_refused_on_postgresql(one_row_in_each, table):
    _refused(f'TRUNCATE "{table}" CASCADE')
    assert _count(table) > 0


def test_deleting_a_user_leaves_their_history_intact_and_attributed(case_a, sup_a):
    update_child(
        expected_version=current_versions(case_a)["child"],
        child=case_a,
        by=sup_a,
        values={"given_name": "Jiwoo"},
        reason="name spelt wrong",
    )
    sup_id = sup_a.pk
    rows_before = Child.history.filter(id=case_a.pk).count()

    get_user_model().objects.filter(pk=sup_id).delete()

    assert Child.history.filter(id=case_a.pk).count() == rows_before
    change = Child.history.filter(id=case_a.pk, given_name="Jiwoo").get()
    assert (change.history_user_id, change.history_username) == (sup_id, "sup_a")
    assert change.history_change_reason == "name spelt wrong"


@pytest.mark.django_db
@pytest.mark.as_owner  # dropping a trigger takes the owner's rights
def test_a_table_rebuilt_without_its_triggers_is_reported_missing():
    append_only.drop(connection, ["casework_accesslog"])
    missing = append_only.missing_triggers(connection, append_only.append_only_tables(apps))
    assert set(missing) == {"casework_accesslog"}
    append_only.install(connection, ["casework_accesslog"])
    assert append_only.missing_triggers(connection, append_only.append_only_tables(apps)) == {}


@pytest.mark.django_db(transaction=True)
@pytest.mark.as_owner  # the flush runs as the owner
def test_the_test_runners_flush_empties_the_tables_and_restores_the_triggers(case_a, cw_a):
    # This test's own teardown flushes through tests/audit_flush.py; the next test in
    # this file that needs triggers would fail if they were not reinstalled. Here: the
    # hatch itself, run by hand.
    log_access(user=cw_a, action=AccessAction.VIEW, object_type="child", object_id=case_a.pk)
    with append_only.suspended(connection):
        assert append_only.missing_triggers(connection, TABLES) == {
            t: append_only.expected_triggers(connection.vendor, t) for t in TABLES
        }
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM casework_accesslog")
    assert _count("casework_accesslog") == 0
    assert append_only.missing_triggers(connection, append_only.append_only_tables(apps)) == {}


@pytest.mark.django_db
def test_triggers_and_the_chain_head_are_back_after_an_earlier_transactional_test_flushed():
    assert append_only.missing_triggers(connection, append_only.append_only_tables(apps)) == {}
    heads = set(AuditChainHead.objects.values_list("chain", "seq", "row_hash"))
    # Every chained table has its head back; frozen records (published releases) have none.
    assert heads == {(chain.table, 0, GENESIS_HASH) for chain in chains(apps)}


def _head(table="casework_accesslog"):
    return AuditChainHead.objects.values_list("seq", "row_hash").get(chain=table)


def _refused_on_head(sql, params=()):
    refused_to_both(lambda: _execute(sql, params), by_trigger="audit chain heads cannot be deleted or moved backwards")


def test_deleting_a_chain_head_is_refused(one_row_in_each):
    before = _head()
    _refused_on_head("DELETE FROM casework_auditchainhead WHERE chain = 'casework_accesslog'")
    refused_to_both(
        lambda: AuditChainHead.objects.filter(chain="children_historicalchild").delete(), by_trigger="moved backwards"
    )
    assert _head() == before


def test_moving_a_chain_head_backwards_is_refused(one_row_in_each):
    before = _head()
    assert before[0] >= 1
    _refused_on_head("UPDATE casework_auditchainhead SET seq = seq - 1 WHERE chain = 'casework_accesslog'")
    _refused_on_head("UPDATE casework_auditchainhead SET seq = 0, row_hash = %s", [GENESIS_HASH])
    _refused_on_head("UPDATE casework_auditchainhead SET chain = 'elsewhere' WHERE chain = 'casework_accesslog'")
    assert _head() == before


def test_a_chain_head_moves_forwards(one_row_in_each, cw_a):
    seq, _ = _head()
    log_access(user=cw_a, action=AccessAction.LIST, object_type="child")
    assert _head()[0] == seq + 1


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_truncating_the_chain_heads_is_refused_on_postgresql(one_row_in_each):
    _refused_on_head("TRUNCATE casework_auditchainhead")


@pytest.mark.django_db
def test_the_chain_heads_have_their_triggers_after_migrate():
    assert append_only.missing_triggers(connection, [append_only.HEAD_TABLE]) == {}
