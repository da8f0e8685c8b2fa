"""Issue 3's journey through Chromium: open a case, log an interview that changes the mother's
status and a document door, find the case by search and see the change; another team's
caseworker can neither find nor open it. Once on a desktop and once at phone width."""

import re

import pytest
from playwright.sync_api import expect

from casework.models import AccessLog
from children.models import Child
from tests import factories
from tests.browser.test_login_smoke import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_a_case(page):
    page.get_by_role("link", name="Open a case").click()
    page.get_by_label("Given name").first.fill("Haeun")
    page.get_by_label("Family name").first.fill("Jeon")
    page.locator("#id_child-date_of_birth").fill("2015-09-01")
    page.locator("#id_child-sex").select_option("female")
    page.locator("#id_child-living_arrangement").select_option("father_only")
    page.locator("#id_family-province").select_option("jilin")
    page.locator("#id_family-county").fill("Longjing")
    page.locator("#id_mother-status").select_option("present")
    page.locator("#id_mother-whereabouts").select_option("china")
    page.get_by_role("button", name="Open the case").click()
    expect(page.get_by_text(re.compile(r"Case C-\d{4}-\d{4} opened"))).to_be_visible()
    return Child.objects.get(given_name="Haeun")


def log_an_interview(page):
    page.get_by_role("link", name="Log an interview").click()
    page.locator("#id_interview-location_type").select_option("home")
    page.locator("#id_interview-notes").fill("Mother left for Shenyang two weeks ago; school refused enrolment.")
    page.locator("#id_interview-risk_level").select_option("high")
    page.locator("#id_mother-status").select_option("ran_away")
    page.locator("#id_mother-whereabouts").select_option("unknown")
    # The doors are folded with their state; she opens the one she changes.
    expect(page.locator("#id_door-education-status")).to_be_hidden()
    page.locator("summary", has_text="Education").click()
    page.locator("#id_door-education-status").select_option("no_access")
    page.locator("#id_door-education-barrier").select_option("no_hukou")
    page.get_by_role("button", name="Save the interview").click()
    expect(page.get_by_text("Interview logged.")).to_be_visible()


def journey(page, screenshot, label):
    team_a, team_b = factories.TeamFactory("Team A"), factories.TeamFactory("Team B")
    factories.caseworker(team_a, username="cw_a")
    factories.caseworker(team_b, username="cw_b")

    log_in(page, "cw_a", factories.PASSWORD)
    expect(page.get_by_role("heading", name="My cases")).to_be_visible()
    child = open_a_case(page)
    log_an_interview(page)

    page.get_by_role("link", name="My cases").click()
    page.get_by_label("Search by name or case number").fill("Haeun")
    expect(page.locator("#results").get_by_text("1 case")).to_be_visible()  # htmx, as she types
    page.locator("#results").get_by_role("link", name=re.compile(child.case_number)).click()

    mother = page.locator("#section-mother")
    expect(mother).to_contain_text("Ran away")
    expect(page.locator("#section-doors")).to_contain_text("No household registration")
    expect(page.locator("#interviews")).to_contain_text("school refused enrolment")
    expect(page).to_have_title(re.compile(child.case_number))
    assert "Haeun" not in page.title()
    screenshot(f"{label}-case-page")

    page.get_by_role("button", name="Exit").click()
    expect(page).to_have_title("Calendar")

    log_in(page, "cw_b", factories.PASSWORD)
    page.get_by_label("Search by name or case number").fill(child.case_number)
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#results")).to_contain_text("0 cases")
    response = page.goto(child.get_absolute_url())
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    assert "Haeun" not in page.content() and child.case_number not in page.content()
    assert AccessLog.objects.filter(username="cw_b", action="denied", object_id=str(child.pk)).exists()


def test_caseworker_journey_on_a_desktop(page, screenshot):
    page.set_viewport_size({"width": 1280, "height": 900})
    journey(page, screenshot, "desktop")


def test_caseworker_journey_on_a_phone(page, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    journey(page, screenshot, "phone-390")
    page.get_by_role("button", name="Exit").click()
    # The exit's answer clears the site's cookies: wait for it, or it wipes the new login's.
    expect(page).to_have_title("Calendar")
    # Nothing wider than the phone: no sideways scrolling on the case list.
    log_in(page, "cw_a", factories.PASSWORD)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    screenshot("phone-390-my-cases")


def test_no_request_leaves_the_machine(page, cw_a, case_a):
    """Every asset is served by the application itself: no CDN, no third party."""
    origins = set()
    page.on("request", lambda request: origins.add(re.match(r"^[a-z]+://[^/]+", request.url).group(0)))
    log_in(page, "cw_a", factories.PASSWORD)
    page.goto(case_a.get_absolute_url())
    page.goto(f"/cases/{case_a.pk}/interviews/new/")
    assert len(origins) == 1 and next(iter(origins)).startswith("http://localhost")
