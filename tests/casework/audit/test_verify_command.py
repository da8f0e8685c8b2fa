"""manage.py verify_audit: walks every audit chain (the access log and each history table)
and names the first broken row of each broken table (requirement AU-6).

The tests run as the application role on PostgreSQL (tests/app_role.py). The attacks run
as the tables' owner would (an insider with the owner's password): with the append-only
triggers dropped, inside the test's transaction, so they come back with its rollback. As
the application role the same statements are refused."""

import datetime
import io

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from casework.audit import append_only
from casework.audit.chain import rechain, row_digest
from casework.audit.registry import chain_for
from casework.audit.services import log_access
from casework.interviews.services import record_interview
from casework.models import AccessAction, AccessLog, AuditChainHead
from children.models import Child
from children.queries import current_versions
from children.services import update_child
from tests.app_role import NO_PRIVILEGE, as_owner

pytestmark = pytest.mark.django_db

CHILD_HISTORY = "children_historicalchild"


@pytest.fixture
def five_rows(cw_a):
    return [
        log_access(user=cw_a, action=AccessAction.VIEW, object_type="child", object_id=f"case-{n}") for n in range(5)
    ]


@pytest.fixture
def history(case_a, sup_a):
    for name in ("Jiwoo", "Jiwon", "Jiyu"):
        update_child(
            child=case_a,
            by=sup_a,
            expected_version=current_versions(case_a)["child"],
            values={"given_name": name},
            reason="spelling",
        )
    return list(Child.history.filter(id=case_a.pk).order_by("chain_seq"))


@pytest.fixture
def triggers_dropped():
    # As the tables' owner, for the rest of the test: triggers off. Inside the test's
    # transaction: rolled back with it.
    with as_owner():
        append_only.drop(connection, append_only.protected_tables(apps))
        yield


def _verify(*args):
    out = io.StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


def _raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_an_intact_trail_passes_and_lists_every_chain(five_rows, history):
    output = _verify()
    assert "Audit trail intact:" in output
    assert f"casework_accesslog: intact, 5 rows, head seq 5 {five_rows[-1].row_hash}" in output
    assert f"{CHILD_HISTORY}: intact, {len(history)} rows" in output
    assert "families_historicalmother: intact" in output and "casework_historicalinterview: intact" in output


def test_an_empty_trail_passes():
    assert "Audit trail intact: 0 rows" in _verify()


def test_history_rows_are_chained_per_table_under_the_key(history):
    chain = chain_for(Child.history.model)
    assert [row.chain_seq for row in history] == list(range(1, len(history) + 1))
    assert [row.chain_prev for row in history[1:]] == [row.chain_hash for row in history[:-1]]
    head = AuditChainHead.objects.get(chain=CHILD_HISTORY)
    assert (head.seq, head.row_hash) == (history[-1].chain_seq, history[-1].chain_hash)
    assert row_digest(chain, history[1]) == history[1].chain_hash
    assert row_digest(chain, history[1], key=b"another-key-of-at-least-32-characters") != history[1].chain_hash


def test_a_rewritten_history_row_is_named(history):
    victim = history[1]
    rewrite = f"UPDATE {CHILD_HISTORY} SET given_name = %s WHERE history_id = %s"
    # The application role may not (on SQLite: the trigger refuses everyone).
    with pytest.raises(DatabaseError, match=f"{NO_PRIVILEGE}|append-only"), transaction.atomic():
        _raw(rewrite, ["Someone", victim.history_id])
    # The owner may, once the triggers are gone.
    with as_owner():
        append_only.drop(connection, append_only.protected_tables(apps))
        _raw(rewrite, ["Someone", victim.history_id])

    with pytest.raises(CommandError) as failure:
        _verify()
    message = str(failure.value)
    at = timezone.localtime(victim.history_date).isoformat()
    assert f"{CHILD_HISTORY} chain broken at row id {victim.history_id} (seq {victim.chain_seq}, at {at})" in message
    assert "was changed" in message
    assert "casework_accesslog" not in message  # the intact tables are not blamed


@pytest.mark.parametrize("column", ["history_username", "history_change_reason", "history_date", "history_type"])
def test_the_hash_covers_who_why_when_and_what_of_a_history_row(history, triggers_dropped, column):
    values = {
        "history_username": "someone",
        "history_change_reason": "nothing happened",
        "history_date": datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC),
        "history_type": "-",
    }
    _raw(f"UPDATE {CHILD_HISTORY} SET {column} = %s WHERE history_id = %s", [values[column], history[0].history_id])

    with pytest.raises(CommandError, match=f"row id {history[0].history_id} .*was changed"):
        _verify()


def test_a_history_row_deleted_and_the_rest_rehashed_without_the_key_is_caught(history, triggers_dropped, settings):
    # The attacker holds the owner's password but not AUDIT_CHAIN_KEY: they re-hash the
    # table with a key of their own (or plain SHA-256, the old scheme) after the deletion.
    _raw(f"DELETE FROM {CHILD_HISTORY} WHERE history_id = %s", [history[1].history_id])
    settings.AUDIT_CHAIN_KEY = "the-attackers-own-key-not-the-deployments"
    rechain(connection, chain_for(Child.history.model))
    settings.AUDIT_CHAIN_KEY = "test-only-audit-chain-key-not-for-any-deployment"

    with pytest.raises(CommandError, match=f"{CHILD_HISTORY} chain broken at row id {history[0].history_id} .*changed"):
        _verify()


def test_a_history_row_inserted_around_the_chain_is_caught(history):
    # No trigger stops an INSERT: a forged row without its chain columns is found.
    row = Child.history.model.objects.get(pk=history[0].pk)
    row.pk, row.chain_seq, row.chain_hash = None, None, ""
    # Saved past the signal, as raw SQL would be.
    Child.history.model.objects.bulk_create([row])

    with pytest.raises(CommandError, match="not part of the chain"):
        _verify()


def test_a_changed_access_log_row_fails_and_is_named(five_rows, triggers_dropped):
    victim = five_rows[2]
    _raw("UPDATE casework_accesslog SET object_id = %s WHERE id = %s", ["case-elsewhere", victim.pk])

    with pytest.raises(CommandError) as failure:
        _verify()
    message = str(failure.value)
    assert f"casework_accesslog chain broken at row id {victim.pk} (seq 3, at " in message
    assert "was changed" in message


def test_an_access_log_row_rehashed_without_the_key_fails(five_rows, triggers_dropped):
    victim = AccessLog.objects.get(pk=five_rows[1].pk)
    victim.username = "someone-else"
    forged = row_digest(chain_for(AccessLog), victim, key=b"a-guess-at-the-key-which-is-not-it")
    _raw(
        "UPDATE casework_accesslog SET username = %s, row_hash = %s WHERE id = %s", [victim.username, forged, victim.pk]
    )

    with pytest.raises(CommandError, match=f"row id {five_rows[1].pk} \\(seq 2,.*was changed"):
        _verify()


def test_an_access_log_row_deleted_in_the_middle_is_detected(five_rows, triggers_dropped):
    _raw("DELETE FROM casework_accesslog WHERE id = %s", [five_rows[2].pk])

    with pytest.raises(CommandError, match=f"row id {five_rows[3].pk} \\(seq 4,.*rows are missing before it"):
        _verify()


def test_rows_deleted_at_the_end_are_detected_by_the_chain_head(five_rows, triggers_dropped):
    _raw("DELETE FROM casework_accesslog WHERE id = %s", [five_rows[4].pk])

    with pytest.raises(CommandError, match=f"row id {five_rows[3].pk} .*missing at the end"):
        _verify()


def test_a_table_emptied_behind_the_heads_back_is_detected(history, triggers_dropped):
    _raw(f"DELETE FROM {CHILD_HISTORY}")

    with pytest.raises(CommandError, match=f"head records sequence {len(history)}, but the table is empty"):
        _verify()


def test_the_first_broken_row_of_each_broken_table_is_named(five_rows, history, triggers_dropped):
    for victim in (five_rows[3], five_rows[1]):
        _raw("UPDATE casework_accesslog SET action = %s WHERE id = %s", [AccessAction.EXPORT, victim.pk])
    _raw(f"UPDATE {CHILD_HISTORY} SET given_name = 'X' WHERE history_id = %s", [history[2].history_id])

    with pytest.raises(CommandError) as failure:
        _verify()
    lines = str(failure.value).splitlines()
    assert len(lines) == 2
    assert f"row id {five_rows[1].pk} (seq 2," in next(line for line in lines if "casework_accesslog" in line)
    assert f"row id {history[2].history_id} (seq 3," in next(line for line in lines if CHILD_HISTORY in line)


def test_an_interview_chains_every_table_it_writes(case_a, cw_a):
    record_interview(
        child=case_a,
        expected_versions=current_versions(case_a),
        by=cw_a,
        held_on=datetime.date(2026, 11, 1),
        location_type="home",
    )
    output = _verify()
    assert "casework_historicalinterview: intact, 1 rows" in output


def test_verification_streams_in_chunks(five_rows, django_assert_max_num_queries):
    out = io.StringIO()
    # Per chain: its head, the unchained-row probe, the rows (one query, or a cursor). Never one per row.
    chains = AuditChainHead.objects.count()
    with django_assert_max_num_queries(4 * chains):
        call_command("verify_audit", "--chunk-size", "2", stdout=out)
    assert "5 rows, head seq 5" in out.getvalue()


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_as_the_owner_with_triggers_switched_off_by_replication_role_a_rewrite_is_named(history):
    # What the issue describes: the tables' owner (a superuser in the official image)
    # switches every trigger off for the session and rewrites a history row.
    victim = history[0]
    with pytest.raises(DatabaseError, match=NO_PRIVILEGE), transaction.atomic():
        _raw("SET session_replication_role = replica")  # not as the application role
    with as_owner():
        _raw("SET session_replication_role = replica")
        try:
            _raw(
                f"UPDATE {CHILD_HISTORY} SET history_change_reason = 'nothing' WHERE history_id = %s",
                [victim.history_id],
            )
        finally:
            _raw("SET session_replication_role = DEFAULT")

    with pytest.raises(CommandError, match=f"{CHILD_HISTORY} chain broken at row id {victim.history_id} .*changed"):
        _verify()
