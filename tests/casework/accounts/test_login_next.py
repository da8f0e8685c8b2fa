"""SE-12: search words never leave the page they were typed on through the login.

A session that ends during a search sends the browser to the login page. The redirect's
`next` carries the page's path only, the login page renders no query string, and the
throttle's record of a failed attempt (django-axes) keeps no request data at all."""

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from casework.core.redirects import path_only
from tests import factories

SEARCH_WORD = "Kim Sun-hui"
SEARCH = "/cases/?q=Kim+Sun-hui&status=open"


@pytest.fixture
def client():
    return Client()


def test_a_search_page_redirects_to_the_login_with_its_path_only(client, db):
    response = client.get(SEARCH)
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/cases/"


def test_an_htmx_search_after_the_session_ended_is_sent_to_the_login_without_its_query(client, db):
    response = client.get(SEARCH, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/login/?next=/cases/"


def test_the_login_page_does_not_render_a_query_string_handed_to_it(client, db):
    response = client.get(reverse("login"), {"next": SEARCH})
    page = response.content.decode()
    assert 'name="next" value="/cases/"' in page
    assert "Kim" not in page
    assert "q=" not in page


def test_after_login_the_user_lands_on_the_path_without_the_search(client, cw_a):
    response = client.post(
        reverse("login"), {"username": "cw_a", "password": factories.PASSWORD, "next": SEARCH}, REMOTE_ADDR="192.0.2.9"
    )
    assert response.status_code == 302
    assert response["Location"] == "/cases/"


def test_a_failed_login_leaves_no_request_data_in_the_throttle_record(client, cw_a):
    for _ in range(2):
        client.post(
            f"{reverse('login')}?next=/cases/%3Fq%3DKim%2BSun-hui",
            {"username": "cw_a", "password": "wrong-password", "next": SEARCH, "note": SEARCH_WORD},
            REMOTE_ADDR="198.51.100.20",
        )
    attempt = AccessAttempt.objects.get(username="cw_a")
    assert attempt.failures_since_start == 2
    # Axes joins the data of repeated failures with a separator line; nothing else is kept.
    assert attempt.get_data.strip("-\n") == ""
    assert attempt.post_data.strip("-\n") == ""
    assert "Kim" not in attempt.path_info


def test_the_locked_out_page_renders_no_query_string_either(client, cw_a):
    for _ in range(6):
        response = client.post(
            reverse("login"),
            {"username": "cw_a", "password": "wrong-password", "next": SEARCH},
            REMOTE_ADDR="198.51.100.21",
        )
    assert "Kim" not in response.content.decode()
    assert 'name="next" value="/cases/"' in response.content.decode()


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("/cases/?q=Kim", "/cases/"),
        ("https://testserver/cases/x/?q=Kim#top", "/cases/x/"),
        ("//evil.example/cases/", "/cases/"),
        ("https://testserver//evil.example/", ""),
        ("/\\evil.example/", ""),
        ("cases/", ""),
        ("", ""),
    ],
)
def test_path_only_keeps_a_local_path_and_nothing_else(url, path):
    assert path_only(url) == path
