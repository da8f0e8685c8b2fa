"""AC-12: deactivating an account deletes its sessions at once, by whatever path the
account is deactivated, so reactivating it later does not revive an old cookie."""

from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from casework.accounts.sessions import end_sessions_of


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_deactivating_a_user_deletes_every_session_of_theirs_and_no_other(cw_a, cw_b):
    signed_in(cw_a), signed_in(cw_a), signed_in(cw_b)
    assert Session.objects.count() == 3
    cw_a.is_active = False
    cw_a.save()
    assert [s.get_decoded()["_auth_user_id"] for s in Session.objects.all()] == [str(cw_b.pk)]


def test_a_deactivated_users_cookie_after_reactivation_gets_the_login_page(cw_a, case_a):
    phone = signed_in(cw_a)
    cookie = phone.cookies[settings.SESSION_COOKIE_NAME].value
    cw_a.is_active = False
    cw_a.save(update_fields=["is_active"])
    cw_a.is_active = True
    cw_a.save(update_fields=["is_active"])
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = cookie
    response = replay.get(case_a.get_absolute_url())
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_saving_an_active_user_keeps_their_sessions(cw_a):
    signed_in(cw_a)
    cw_a.first_name = "Changed"
    cw_a.save()
    assert Session.objects.count() == 1


def test_end_sessions_of_counts_what_it_deleted(cw_a):
    signed_in(cw_a), signed_in(cw_a)
    assert end_sessions_of(cw_a) == 2
    assert end_sessions_of(cw_a) == 0
