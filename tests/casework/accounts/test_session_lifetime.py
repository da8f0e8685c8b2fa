"""SE-5: an idle session ends, and so does any session eight hours after login; DP-5: no
case data is put in Django's cache."""

import time

from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.web.middleware import SessionLifetimeMiddleware


def test_an_active_session_ends_eight_hours_after_login(client, cw_a, case_a, settings):
    client.force_login(cw_a)
    assert case_a.case_number in client.get(case_a.get_absolute_url()).content.decode()
    session = client.session
    session[SessionLifetimeMiddleware.STARTED] = time.time() - settings.SESSION_MAX_SECONDS - 1
    session.save()
    response = client.get(case_a.get_absolute_url())
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session  # logged out, not just redirected
    again = client.get(case_a.get_absolute_url())
    assert again.status_code == 302 and again["Location"].startswith(reverse("login"))


def test_a_session_within_its_lifetime_is_kept(client, cw_a, case_a, settings):
    client.force_login(cw_a)
    session = client.session
    session[SessionLifetimeMiddleware.STARTED] = time.time() - settings.SESSION_MAX_SECONDS + 60
    session.save()
    response = client.get(case_a.get_absolute_url())
    assert response.status_code == 200 and case_a.case_number in response.content.decode()
    assert client.session["_auth_user_id"] == str(cw_a.pk)


def test_an_idle_session_expires(client, cw_a, case_a, settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    client.force_login(cw_a)
    Session.objects.update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    response = client.get(case_a.get_absolute_url())
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert case_a.case_number not in response.content.decode()


def _expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_activity_renews_the_idle_limit_at_most_once_a_minute(client, cw_a, case_a, settings):
    """A page view saves the session (a second commit) only when the last renewal is a
    minute old; the idle limit is then exact to within that minute."""
    client.force_login(cw_a)
    client.get(case_a.get_absolute_url())
    renewed = _expiry(client)
    with CaptureQueriesContext(connection) as captured:
        client.get(case_a.get_absolute_url())
    assert _expiry(client) == renewed
    assert not any("UPDATE" in q["sql"] and "django_session" in q["sql"] for q in captured.captured_queries)

    session = client.session
    session[SessionLifetimeMiddleware.RENEWED] = time.time() - settings.SESSION_RENEW_SECONDS - 1
    session.save()
    before = _expiry(client)
    client.get(case_a.get_absolute_url())
    assert _expiry(client) > before
    assert _expiry(client) >= timezone.now() + timezone.timedelta(seconds=settings.SESSION_COOKIE_AGE - 5)


def test_the_seconds_left_count_from_the_last_renewal(client, cw_a, settings):
    client.force_login(cw_a)
    client.get(reverse("children:list"))
    session = client.session
    session[SessionLifetimeMiddleware.RENEWED] = time.time() - 50  # renewed 50 s ago: not again yet
    session.save()
    left = int(client.get(reverse("children:list"))["X-Session-Seconds"])
    assert settings.SESSION_COOKIE_AGE - 55 <= left <= settings.SESSION_COOKIE_AGE - 50


def test_browsing_puts_no_case_data_in_the_cache(client, cw_a, case_a):
    cache.clear()
    client.force_login(cw_a)
    client.get(reverse("children:list"))
    client.get(case_a.get_absolute_url())
    client.get(reverse("children:list"), {"q": "Minji"})
    stored = cache._cache  # the default local-memory cache: every stored value is here
    assert not any("Minji" in str(value) or case_a.case_number in str(value) for value in stored.values())


def test_an_htmx_request_after_the_session_ended_is_answered_401_with_nowhere_to_go(client, cw_a):
    """The page keeps what was typed and offers to sign in again (static/js/casework.js);
    no login `next` carries the search words."""
    response = client.get(reverse("children:list"), {"q": "Kim"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 401 and response["HX-Reswap"] == "none"
    assert "HX-Redirect" not in response and "Location" not in response
    assert b"Kim" not in response.content


def test_the_session_status_answers_who_and_how_long_and_401_when_signed_out(client, cw_a, settings):
    url = reverse("accounts:session")
    signed_out = client.get(url)
    assert signed_out.status_code == 401 and signed_out.json() == {"signed_in": False}
    client.force_login(cw_a)
    answer = client.get(url).json()
    assert answer["signed_in"] is True and answer["user"] == cw_a.pk
    assert 0 < answer["seconds_left"] <= settings.SESSION_COOKIE_AGE
    assert answer["csrf_token"]


def test_every_signed_in_answer_says_how_long_the_session_lasts(client, cw_a, settings):
    client.force_login(cw_a)
    session = client.session
    session[SessionLifetimeMiddleware.STARTED] = time.time() - settings.SESSION_MAX_SECONDS + 90
    session.save()
    # Ninety seconds of the eight hours are left: sooner than the idle limit.
    assert 85 <= int(client.get(reverse("children:list"))["X-Session-Seconds"]) <= 90
    assert "X-Session-Seconds" not in Client().get(reverse("login"))


def test_an_ordinary_request_after_the_session_ended_is_redirected(client, cw_a):
    response = client.get(reverse("children:list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_asking_for_the_session_renews_it_at_once(client, cw_a, settings):
    """The page's 'Stay signed in' asks the session status: that always renews the idle
    limit, however recently a page did."""
    client.force_login(cw_a)
    client.get(reverse("children:list"))
    before = _expiry(client)
    time.sleep(0.01)
    assert client.get(reverse("accounts:session")).status_code == 200
    assert _expiry(client) > before
