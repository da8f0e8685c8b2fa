"""log_access: the one access-log writer, a hash chain that stays valid under concurrency."""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.http import Http404

from casework.audit import append_only
from casework.audit.chain import GENESIS_HASH, ChainHeadMissing
from casework.audit.chain import row_digest as chain_digest
from casework.audit.queries import verify_chain as verify_one_chain
from casework.audit.registry import chain_for
from casework.audit.services import log_access
from casework.models import AccessAction, AccessLog, AuditChainHead
from children import access
from tests.app_role import as_owner

pytestmark = pytest.mark.django_db

ACCESS_LOG = chain_for(AccessLog)


def row_digest(row):
    return chain_digest(ACCESS_LOG, row)


def verify_chain():
    return verify_one_chain(ACCESS_LOG)


postgresql_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="SQLite serialises every writer; the race exists on PostgreSQL"
)


def _view(user, n=0, **kwargs):
    return log_access(user=user, action=AccessAction.VIEW, object_type="child", object_id=f"case-{n}", **kwargs)


def test_each_row_links_to_the_hash_of_the_row_before(cw_a):
    rows = [_view(cw_a, n) for n in range(3)]

    stored = list(AccessLog.objects.order_by("seq"))
    assert [row.seq for row in stored] == [1, 2, 3]
    assert stored[0].prev_hash == GENESIS_HASH
    assert [row.prev_hash for row in stored[1:]] == [row.row_hash for row in stored[:-1]]
    assert [row.row_hash for row in stored] == [row_digest(row) for row in stored] == [row.row_hash for row in rows]
    head = AuditChainHead.objects.values_list("seq", "row_hash").get(chain="casework_accesslog")
    assert head == (3, stored[-1].row_hash)


def test_the_hash_covers_who_what_when_and_where(cw_a, rf):
    row = _view(cw_a, request=rf.get("/", REMOTE_ADDR="203.0.113.9"), detail={"page": 2})
    stored = AccessLog.objects.get(pk=row.pk)
    for field, value in [("username", "someone"), ("object_id", "case-9"), ("address", "203.0.113.10"), ("detail", {})]:
        original = getattr(stored, field)
        setattr(stored, field, value)
        assert row_digest(stored) != row.row_hash, field
        setattr(stored, field, original)
    assert row_digest(stored) == row.row_hash


def test_detail_hashes_the_same_after_the_round_trip_through_the_database(cw_a):
    row = _view(cw_a, detail={"ratio": 0.1, "big": 1e20, "nested": {"b": [1, True, None], "a": "한글"}})
    assert row_digest(AccessLog.objects.get(pk=row.pk)) == row.row_hash


def test_an_address_that_is_not_an_ip_address_is_dropped(cw_a, rf, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXIES = ["127.0.0.1"]  # the request factory's REMOTE_ADDR
    row = _view(cw_a, request=rf.get("/", HTTP_X_FORWARDED_FOR="not-an-address"))
    assert AccessLog.objects.get(pk=row.pk).address is None


def test_anonymous_attempts_are_logged_without_a_user(cw_a):
    from django.contrib.auth.models import AnonymousUser

    row = log_access(user=AnonymousUser(), action=AccessAction.DENIED, object_type="child", object_id="x")
    assert (row.user_id, row.username) == (None, "")
    assert verify_chain().intact


def test_an_unknown_action_is_refused(cw_a):
    with pytest.raises(ValueError):
        log_access(user=cw_a, action="edit")
    assert not AccessLog.objects.exists()


def test_a_head_removed_behind_the_triggers_back_stops_the_log_instead_of_restarting_it(cw_a):
    # Continuing from the table's tail would hide rows cut off together with the head.
    _view(cw_a, 1)
    with as_owner():  # the owner, triggers off (rolled back with the test)
        append_only.drop(connection, [append_only.HEAD_TABLE])
        AuditChainHead.objects.filter(chain="casework_accesslog").delete()

    with pytest.raises(ChainHeadMissing), transaction.atomic():
        _view(cw_a, 2)
    assert AccessLog.objects.count() == 1


def test_no_setting_switches_the_access_log_off(cw_a, settings):
    # The old benchmark switch is gone: a settings module cannot silence the log.
    settings.ACCESS_LOG_ENABLED = False
    assert _view(cw_a) is not None
    assert AccessLog.objects.filter(user_id=cw_a.pk, action="view").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_denied_attempt_survives_the_rollback_of_the_callers_transaction(case_a, cw_b):
    with pytest.raises(Http404), transaction.atomic():
        access.child_for(cw_b, case_a.pk)

    denied = AccessLog.objects.get(action=AccessAction.DENIED)
    assert (denied.username, denied.object_id) == ("cw_b", str(case_a.pk))
    assert verify_chain().intact


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_inside_a_long_transaction_the_chain_lock_is_released_when_log_access_returns(cw_a, cw_b):
    done = threading.Event()

    def other_request():
        try:
            _view(cw_b, 2)
            done.set()
        finally:
            connections.close_all()

    with transaction.atomic():
        _view(cw_a, 1)
        thread = threading.Thread(target=other_request)
        thread.start()
        # The outer transaction is still open: another writer must not wait for it.
        assert done.wait(timeout=10), "log_access held the chain lock past its own insert"
    thread.join()
    assert AccessLog.objects.count() == 2
    assert verify_chain().intact


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_the_chain_valid(cw_a):
    threads, per_thread, errors = 8, 25, []
    start = threading.Barrier(threads)

    def writer(n):
        try:
            start.wait()
            for i in range(per_thread):
                _view(cw_a, n * 1000 + i)
        except Exception as error:  # reported below, with the thread's number
            errors.append((n, error))
        finally:
            connections.close_all()

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not errors
    assert time.perf_counter() - started < 60

    report = verify_chain()
    assert report.intact, report.broken
    assert report.rows_checked == threads * per_thread
    assert list(AccessLog.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, threads * per_thread + 1)
    )
    assert connection.vendor == "postgresql"
