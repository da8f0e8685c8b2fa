"""manage.py verify_audit: walks the access log's chain and names the first broken row."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from casework.audit import append_only
from casework.audit.services import log_access
from casework.models import AccessAction, AccessLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_rows(cw_a):
    return [
        log_access(user=cw_a, action=AccessAction.VIEW, object_type="child", object_id=f"case-{n}") for n in range(5)
    ]


@pytest.fixture
def triggers_dropped():
    # Inside the test's transaction: rolled back with it, triggers and all.
    append_only.drop(connection, [append_only.ACCESS_LOG_TABLE])


def _verify():
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def _raw(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_an_intact_chain_passes_and_says_how_many_rows_and_how_long(five_rows):
    output = _verify()
    assert "chain intact: 5 rows checked in" in output
    assert f"seq 5, hash {five_rows[-1].row_hash}" in output


def test_an_empty_log_passes():
    assert "0 rows checked" in _verify()


def test_a_changed_row_fails_and_is_named(five_rows, triggers_dropped):
    victim = five_rows[2]
    _raw("UPDATE casework_accesslog SET object_id = %s WHERE id = %s", ["case-elsewhere", victim.pk])

    with pytest.raises(CommandError) as failure:
        _verify()
    message = str(failure.value)
    assert f"row id {victim.pk} (seq 3, at {timezone.localtime(victim.at).isoformat()})" in message
    assert "was changed" in message


def test_a_changed_row_with_a_recomputed_hash_breaks_the_next_link(five_rows, triggers_dropped):
    from casework.audit.chain import row_digest

    victim = AccessLog.objects.get(pk=five_rows[1].pk)
    victim.username = "someone-else"
    _raw(
        "UPDATE casework_accesslog SET username = %s, row_hash = %s WHERE id = %s",
        [victim.username, row_digest(victim), victim.pk],
    )

    with pytest.raises(CommandError, match=f"row id {five_rows[2].pk} \\(seq 3,.*link to the previous row"):
        _verify()


def test_a_row_deleted_in_the_middle_is_detected(five_rows, triggers_dropped):
    _raw("DELETE FROM casework_accesslog WHERE id = %s", [five_rows[2].pk])

    with pytest.raises(CommandError, match=f"row id {five_rows[3].pk} \\(seq 4,.*rows are missing before it"):
        _verify()


def test_rows_deleted_at_the_end_are_detected_by_the_chain_head(five_rows, triggers_dropped):
    _raw("DELETE FROM casework_accesslog WHERE id = %s", [five_rows[4].pk])

    with pytest.raises(CommandError, match=f"row id {five_rows[3].pk} .*missing at the end"):
        _verify()


def test_a_log_emptied_behind_the_chain_heads_back_is_detected(five_rows, triggers_dropped):
    _raw("DELETE FROM casework_accesslog WHERE seq > %s", [0])

    with pytest.raises(CommandError, match="head records sequence 5, but the log is empty"):
        _verify()


def test_the_first_broken_row_is_named_when_several_are(five_rows, triggers_dropped):
    for victim in (five_rows[3], five_rows[1]):
        _raw("UPDATE casework_accesslog SET action = %s WHERE id = %s", [AccessAction.EXPORT, victim.pk])

    with pytest.raises(CommandError, match=f"row id {five_rows[1].pk} \\(seq 2,"):
        _verify()


def test_verification_streams_in_chunks(five_rows, django_assert_max_num_queries):
    out = io.StringIO()
    # 5 rows in chunks of 2: the rows come in one query (a cursor, or chunked fetches),
    # plus the head; never a query per row.
    with django_assert_max_num_queries(3):
        call_command("verify_audit", "--chunk-size", "2", stdout=out)
    assert "5 rows checked" in out.getvalue()
