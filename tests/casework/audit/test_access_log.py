"""casework.audit.services.log_access: the one writer of the append-only access log."""

import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.test import RequestFactory

from casework.audit.services import client_address, log_access
from casework.models import AccessAction, AccessLog
from children import access
from tests import factories


@pytest.fixture
def rf():
    return RequestFactory()


def test_log_access_writes_one_row_with_who_what_and_where(rf, cw_a, case_a):
    request = rf.get("/cases/", REMOTE_ADDR="203.0.113.7")
    entry = log_access(user=cw_a, action=AccessAction.VIEW, object_type="child", object_id=case_a.pk, request=request)
    assert AccessLog.objects.get() == entry
    entry.refresh_from_db()
    assert (entry.user_id, entry.username, entry.action) == (cw_a.pk, "cw_a", "view")
    assert (entry.object_type, entry.object_id, entry.address) == ("child", str(case_a.pk), "203.0.113.7")
    assert entry.at is not None


def test_log_access_keeps_details_but_is_given_no_case_content(cw_a):
    entry = log_access(user=cw_a, action=AccessAction.SEARCH, object_type="child", detail={"results": 3})
    entry.refresh_from_db()
    assert entry.detail == {"results": 3}
    assert entry.address is None  # no request: a management command, say


def test_an_anonymous_attempt_is_logged_without_a_user(rf, db):
    entry = log_access(user=AnonymousUser(), action=AccessAction.DENIED, object_type="child", object_id="x")
    entry.refresh_from_db()
    assert (entry.user_id, entry.username, entry.action) == (None, "", "denied")


def test_an_unknown_action_is_refused_and_writes_nothing(cw_a):
    with pytest.raises(ValueError):
        log_access(user=cw_a, action="peek")
    assert not AccessLog.objects.exists()


def test_the_log_outlives_the_account(db):
    user = factories.UserFactory(username="temp")
    log_access(user=user, action=AccessAction.LIST, object_type="child")
    pk = user.pk
    user.delete()
    entry = AccessLog.objects.get()
    assert (entry.user_id, entry.username) == (pk, "temp")


def test_a_denied_attempt_at_the_gate_is_logged_with_the_object_and_permission(cw_b, case_a):
    with pytest.raises(Http404):
        access.child_for(cw_b, case_a.pk, access.CHANGE)
    entry = AccessLog.objects.get()
    assert (entry.user_id, entry.action, entry.object_id) == (cw_b.pk, "denied", str(case_a.pk))
    assert entry.detail == {"perm": access.CHANGE}


def test_a_permitted_read_at_the_gate_is_logged_once(cw_a, case_a):
    access.child_for(cw_a, case_a.pk)
    assert list(AccessLog.objects.values_list("action", "object_id")) == [("view", str(case_a.pk))]


def test_a_write_lookup_at_the_gate_is_not_logged_as_a_read(cw_a, case_a):
    """Writes are in history; log_as=None keeps them out of the read log."""
    access.child_for(cw_a, case_a.pk, access.CHANGE, log_as=None)
    assert not AccessLog.objects.exists()


def test_an_overlong_garbage_id_is_logged_truncated(cw_a):
    with pytest.raises(Http404):
        access.child_for(cw_a, "x" * 500)
    assert AccessLog.objects.get().object_id == "x" * 64


# --- the client address ----------------------------------------------------------------------


def test_without_a_trusted_proxy_forwarded_headers_are_ignored(rf, settings):
    """A client could otherwise write any address it likes into the log."""
    settings.TRUSTED_PROXY_COUNT = 0
    request = rf.get("/", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert client_address(request) == "198.51.100.1"


def test_behind_one_trusted_proxy_the_address_it_saw_is_used(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    # The client put a fake address first; the proxy appended the one it saw.
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert client_address(request) == "203.0.113.9"


def test_behind_two_trusted_proxies_the_outer_proxys_entry_is_used(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 2
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9, 10.0.0.1")
    assert client_address(request) == "203.0.113.9"


def test_a_forwarded_header_shorter_than_the_proxy_chain_falls_back_to_the_peer(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 2
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_address(request) == "10.0.0.2"


def test_the_logged_address_follows_the_proxy_setting(rf, settings, cw_a):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="2001:db8::1")
    log_access(user=cw_a, action=AccessAction.LIST, request=request)
    assert AccessLog.objects.get().address == "2001:db8::1"


def test_a_forwarded_header_from_an_untrusted_peer_is_ignored(rf, settings):
    """SE-10: with the application port reachable, a client that connects directly cannot
    choose its address by sending the header a proxy would."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    request = rf.get("/", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert client_address(request) == "198.51.100.1"


def test_a_garbage_forwarded_address_does_not_break_logging(rf, settings, cw_a):
    """A client-controlled header must never turn a page view into an error (or go unlogged)."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-ip")
    log_access(user=cw_a, action=AccessAction.VIEW, object_type="child", object_id=uuid.uuid4(), request=request)
    entry = AccessLog.objects.get()
    assert entry.address in (None, "10.0.0.2")
