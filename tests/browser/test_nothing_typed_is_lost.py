"""Issue 11's first group, in Chromium at phone and desktop width: an in-place save that fails
says so in place and keeps the text; a session that ends while an interview is typed keeps
it and saves it after signing in again; discreet mode holds after an in-place save; live
search leaves no search words in the browser's history."""

import re

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from casework.models import Interview, Preferences
from children.models import HukouStatus
from children.services import update_child
from tests import factories
from tests.browser.test_login_smoke import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture(params=list(WIDTHS))
def sized_page(page, request):
    page.set_viewport_size(WIDTHS[request.param])
    return page


def open_family_editor(page, case):
    page.goto(case.get_absolute_url())
    page.locator("#section-family").get_by_role("link", name="Edit").click()
    # Focus moves into the form that opened in place, not back to the top of the page.
    expect(page.locator("#section-family form :focus")).to_have_count(1)
    return page.locator("#id_family-notes")


def test_a_conflicting_in_place_save_shows_the_conflict_table(sized_page, cw_a, cw_a2, case_a):
    page = sized_page
    log_in(page, "cw_a", factories.PASSWORD)
    page.goto(case_a.get_absolute_url())
    page.locator("#section-child").get_by_role("link", name="Edit").click()
    page.locator("#id_child-hukou_status").select_option("registered")
    # Someone else saves the same record while the form is open.
    update_child(
        child=case_a,
        by=cw_a,
        values={"hukou_status": HukouStatus.IN_PROGRESS},
        reason="At the police",
        expected_version=case_a.version,
    )

    page.get_by_role("button", name="Save").click()

    conflict = page.locator("#section-child .conflict")
    expect(conflict).to_contain_text("Someone else saved this after you opened it.")
    row = conflict.get_by_role("row", name=re.compile("Household registration"))
    expect(row).to_contain_text("Registration in progress")
    expect(row).to_contain_text("Registered")
    expect(page.locator("#id_child-hukou_status")).to_have_value("registered")  # the choice is kept
    case_a.refresh_from_db()
    assert case_a.hukou_status == HukouStatus.IN_PROGRESS


def test_an_in_place_save_with_a_wrong_field_shows_the_error_in_place_and_keeps_the_text(sized_page, cw_a, case_a):
    page = sized_page
    log_in(page, "cw_a", factories.PASSWORD)
    page.goto(case_a.get_absolute_url())
    page.locator("#section-child").get_by_role("link", name="Edit").click()
    # The form has opened and settled (focus moves into it), as a person sees before typing.
    expect(page.locator("#section-child form input:not([type=hidden])").first).to_be_focused()
    page.locator("#id_child-reason").fill("Checked the birth certificate")
    # The browser's own checks are off (novalidate): the server refuses a date in the future.
    page.locator("#id_child-date_of_birth").fill("2999-12-31")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Save").click()
    assert answer.value.status == 422
    expect(page.locator("#section-child .error").first).to_be_visible()
    expect(page.locator("#id_child-date_of_birth")).to_be_focused()  # the field to correct
    expect(page.locator("#id_child-reason")).to_have_value("Checked the birth certificate")
    expect(page.get_by_text("Not saved")).to_have_count(0)


def test_an_in_place_save_without_a_connection_keeps_the_text_and_says_so(sized_page, cw_a, case_a, screenshot):
    page = sized_page
    log_in(page, "cw_a", factories.PASSWORD)
    notes = open_family_editor(page, case_a)
    notes.fill("Grandmother moved in; the house is crowded.")

    page.context.set_offline(True)
    page.get_by_role("button", name="Save").click()
    status = page.locator("#section-family .form-status")
    expect(status).to_contain_text("Not saved: no connection.")
    expect(status).to_contain_text("Your text is still here.")
    expect(notes).to_have_value("Grandmother moved in; the house is crowded.")
    screenshot(f"offline-{page.viewport_size['width']}")
    case_a.family.refresh_from_db()
    assert case_a.family.notes == ""

    page.context.set_offline(False)
    status.get_by_role("button", name="Try again").click()
    expect(page.locator("#section-family dl")).to_contain_text("Grandmother moved in")
    case_a.family.refresh_from_db()
    assert case_a.family.notes == "Grandmother moved in; the house is crowded."


def test_an_interview_typed_while_the_session_ended_is_saved_after_signing_in_again(
    sized_page, cw_a, case_a, screenshot
):
    page = sized_page
    log_in(page, "cw_a", factories.PASSWORD)
    page.goto(f"/cases/{case_a.pk}/interviews/new/")
    page.locator("#id_interview-location_type").select_option("school")
    page.locator("#id_interview-notes").fill("Teacher agreed to let her sit in on lessons.")
    page.locator("#id_interview-risk_level").select_option("medium")

    Session.objects.all().delete()  # the session ends while she types
    page.get_by_role("button", name="Save the interview").click()

    status = page.locator("form .form-status")
    expect(status).to_contain_text("Not saved: your session has ended.")
    expect(page.locator("#id_interview-notes")).to_have_value("Teacher agreed to let her sit in on lessons.")
    assert not Interview.objects.exists()
    screenshot(f"session-ended-{page.viewport_size['width']}")

    other_tab = page.context.new_page()
    log_in(other_tab, "cw_a", factories.PASSWORD)
    expect(other_tab.get_by_role("heading", name="My cases")).to_be_visible()
    other_tab.close()

    status.get_by_role("button", name="Save now").click()
    expect(page.get_by_text("Interview logged.")).to_be_visible()
    interview = Interview.objects.get()
    assert interview.notes == "Teacher agreed to let her sit in on lessons." and interview.caseworker == cw_a


def test_text_typed_by_one_person_is_never_sent_under_another_sign_in(page, cw_a, cw_a2, case_a):
    log_in(page, "cw_a", factories.PASSWORD)
    page.goto(f"/cases/{case_a.pk}/interviews/new/")
    page.locator("#id_interview-notes").fill("Not for anyone else.")
    Session.objects.all().delete()
    other_tab = page.context.new_page()
    log_in(other_tab, "cw_a2", factories.PASSWORD)
    other_tab.close()

    page.get_by_role("button", name="Save the interview").click()
    expect(page.locator("form .form-status")).to_contain_text("someone else is signed in")
    assert not Interview.objects.exists()


def test_the_session_warns_before_it_ends_and_can_be_kept(page, cw_a, case_a, settings):
    settings.SESSION_COOKIE_AGE = 123  # the warning comes two minutes before: after 3 s
    log_in(page, "cw_a", factories.PASSWORD)
    warning = page.locator("#session-warning")
    expect(warning).to_contain_text("Your session ends in two minutes", timeout=8_000)
    before = Session.objects.get().expire_date
    warning.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_be_empty()
    assert Session.objects.get().expire_date > before


def test_discreet_mode_shows_no_name_after_an_in_place_save(sized_page, cw_a, case_a):
    page = sized_page
    Preferences.objects.create(user=cw_a, discreet_mode=True)
    log_in(page, "cw_a", factories.PASSWORD)
    page.goto(case_a.get_absolute_url())
    for section, field, value in (("child", "#id_child-hukou_status", "in_progress"), ("mother", None, None)):
        page.locator(f"#section-{section}").get_by_role("link", name="Edit").click()
        if field:
            page.locator(field).select_option(value)
        page.get_by_role("button", name="Save").click()
        expect(page.locator(f"#section-{section} .card-head a")).to_have_text("Edit")
    expect(page.locator("#section-child dl")).to_contain_text("Registration in progress")
    for name in ("Minji", "Sunhee", "Wei", "Zhang", "Sanhe"):
        expect(page.get_by_text(name)).not_to_be_visible()
    assert "Sunhee" not in page.content() and "Zhang" not in page.content()


def test_live_search_leaves_no_search_words_in_the_history(sized_page, cw_a, case_a):
    page = sized_page
    log_in(page, "cw_a", factories.PASSWORD)
    expect(page.get_by_role("heading", name="My cases")).to_be_visible()
    entries = page.evaluate("history.length")
    page.get_by_label("Search by name or case number").fill("Minji")
    expect(page.locator("#results .results-count")).to_have_text("1 case")
    expect(page.locator("#results-status")).to_have_text("1 case")  # said in the live region
    assert "Minji" not in page.url
    assert page.evaluate("history.length") == entries
    page.locator("#results").get_by_role("link", name=re.compile(case_a.case_number)).click()
    page.go_back()
    assert "Minji" not in page.url
