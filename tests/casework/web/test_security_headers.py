"""SE-8 and DP-5: headers on a representative page with personal data."""

from django.conf import settings
from django.urls import reverse


def test_case_page_is_never_cached(client, cw_a, case_a):
    client.force_login(cw_a)
    response = client.get(case_a.get_absolute_url())
    cache_control = response["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control


def test_content_security_policy_allows_no_inline_script_or_framing(client, cw_a, case_a):
    client.force_login(cw_a)
    policy = client.get(case_a.get_absolute_url())["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


def test_other_security_headers(client, cw_a):
    client.force_login(cw_a)
    response = client.get(reverse("children:list"))
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "geolocation=()" in response["Permissions-Policy"]


def test_session_cookie_is_secure_and_http_only(client, cw_a):
    from tests import factories

    response = client.post(reverse("login"), {"username": "cw_a", "password": factories.PASSWORD})
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["path"] == "/" and not cookie["domain"]


def test_login_changes_the_session_key(client, cw_a):
    """SE-3: a session id planted before login is worthless after it."""
    from tests import factories

    client.get(reverse("login"))
    session = client.session
    session["planted"] = True
    session.save()
    before = session.session_key
    client.post(reverse("login"), {"username": "cw_a", "password": factories.PASSWORD})
    assert client.session.session_key != before
