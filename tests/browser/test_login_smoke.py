"""End to end through Chromium: the login page, the second factor, the session cookie, and
the caseworker's list."""

import base64
import re
import time

import pytest
from django.contrib.auth import get_user_model
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests import factories
from tests.signin import authenticator, code_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOGIN_ERROR = re.compile("enter a correct username and password", re.IGNORECASE)


def enter_code(page, user) -> None:
    """The second step: the code the person's authenticator (a known key) shows now. The
    field and the button are found by id and type, so the step works in every language."""
    device = authenticator(user)
    device.last_t = -1  # a second login within the same 30 seconds gets a fresh window
    device.save(update_fields=["last_t"])
    page.wait_for_url(re.compile(r"/login/code/"))
    page.locator("#id_token").fill(code_for(device))
    page.locator("#id_token").press("Enter")
    page.wait_for_url(lambda url: "/login/" not in url)


def enrol(page) -> list[str]:
    """First login: what a person does with an authenticator app. It reads the key the page
    shows (as the app reads the QR code), types the code the app then shows, and gets the
    backup codes. Returns them."""
    page.wait_for_url(re.compile(r"/login/enrol/"))
    expect(page.locator("figure.qr svg")).to_be_visible()
    key = base64.b32decode(page.locator("#totp-key").inner_text())
    generator = TOTP(key)
    generator.time = time.time()
    page.locator("#id_token").fill(f"{generator.token():06d}")
    page.locator("#id_token").press("Enter")
    expect(page.locator(".backup-codes li")).to_have_count(10)
    codes = page.locator(".backup-codes li").all_inner_texts()
    page.locator("#backup-codes-continue").click()
    page.wait_for_url(lambda url: "/login/" not in url)
    return codes


def log_in(page, username, password):
    """The password, then (when it was right) the code from the person's authenticator."""
    user = get_user_model().objects.filter(username=username).first()
    if user is not None:
        authenticator(user)  # set up before: this login is not the first
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    if user is not None and user.is_active and user.check_password(password):
        enter_code(page, user)


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


def test_first_login_sets_up_the_authenticator_and_shows_the_backup_codes(page, cw_a, case_a, screenshot):
    page.goto("/login/")
    page.get_by_label("Username").fill("cw_a")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Set up your second factor")).to_be_visible()
    screenshot("enrol")
    codes = enrol(page)

    assert len(set(codes)) == 10
    expect(page.get_by_role("heading", name="My cases")).to_be_visible()
    expect(page.get_by_role("link", name=case_a.case_number)).to_be_visible()


def test_the_password_alone_shows_no_case(page, cw_a, case_a):
    authenticator(cw_a)
    page.goto("/login/")
    page.get_by_label("Username").fill("cw_a")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.goto(case_a.get_absolute_url())
    expect(page).to_have_url(re.compile(r"/login/code/"))
    assert case_a.case_number not in page.content()
