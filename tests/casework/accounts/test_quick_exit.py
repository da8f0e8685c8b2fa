"""Quick exit ends the session at once and lands on a neutral page; discreet mode hides names."""

from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from casework.models import Preferences


def test_quick_exit_ends_the_session_and_shows_a_calendar(client, cw_a, case_a):
    client.force_login(cw_a)
    response = client.post(reverse("accounts:quick-exit"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:neutral")
    html = response.content.decode()
    assert "Calendar" in html and "Casework" not in html and case_a.case_number not in html
    assert Session.objects.count() == 0
    response = client.get(case_a.get_absolute_url())  # back to login
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_quick_exit_works_without_a_csrf_token(cw_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cw_a)
    response = client.post(reverse("accounts:quick-exit"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:neutral")
    assert "cookies" in response["Clear-Site-Data"]
    assert Session.objects.count() == 0


def test_every_page_has_the_exit_button(client, cw_a, case_a):
    client.force_login(cw_a)
    for url in (reverse("children:list"), case_a.get_absolute_url(), reverse("interviews:follow-ups")):
        assert 'id="quick-exit"' in client.get(url).content.decode()


def test_discreet_mode_is_a_per_user_setting(client, cw_a, cw_a2, case_a):
    client.force_login(cw_a)
    client.post(reverse("accounts:preferences"), {"discreet_mode": "on"})
    assert Preferences.objects.get(user=cw_a).discreet_mode
    assert not Preferences.objects.filter(user=cw_a2, discreet_mode=True).exists()
    html = client.get(case_a.get_absolute_url()).content.decode()
    # On the case page the name stays one tap away, folded.
    assert "<details><summary>Show the name</summary><span>Kim Minji</span></details>" in html


def test_no_name_in_any_page_title_or_url(client, cw_a, case_a):
    client.force_login(cw_a)
    urls = [
        reverse("children:list"),
        case_a.get_absolute_url(),
        reverse("children:edit", args=[case_a.pk, "child"]),
        reverse("interviews:new", args=[case_a.pk]),
    ]
    for url in urls:
        assert "Minji" not in url
        html = client.get(url).content.decode()
        title = html[html.index("<title>") : html.index("</title>")]
        assert "Minji" not in title and "Kim" not in title
