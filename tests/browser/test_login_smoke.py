"""End to end through Chromium: the login page, the session cookie, and the caseworker's list."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOGIN_ERROR = re.compile("enter a correct username and password", re.IGNORECASE)


def log_in(page, username, password):
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_caseworker_logs_in_and_sees_their_case_in_my_cases(page, cw_a, case_a, case_b, screenshot):
    log_in(page, "cw_a", factories.PASSWORD)

    expect(page.get_by_role("heading", name="My cases")).to_be_visible()
    expect(page.get_by_role("link", name=case_a.case_number)).to_be_visible()
    # Team B's case exists but is not cw_a's: it is not listed.
    expect(page.get_by_text(case_b.case_number)).to_have_count(0)
    screenshot("my-cases")


def test_wrong_password_shows_the_login_error_and_stays_logged_out(page, cw_a, case_a):
    log_in(page, "cw_a", "not-the-password")

    expect(page.get_by_role("alert")).to_have_text(LOGIN_ERROR)
    page.goto("/cases/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/cases/"))


def test_inactive_caseworker_gets_the_same_login_error(page, cw_a, case_a):
    cw_a.is_active = False
    cw_a.save(update_fields=["is_active"])

    log_in(page, "cw_a", factories.PASSWORD)

    expect(page.get_by_role("alert")).to_have_text(LOGIN_ERROR)
    expect(page.get_by_text(case_a.case_number)).to_have_count(0)
