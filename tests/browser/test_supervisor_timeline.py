"""End to end through Chromium: a supervisor opens the team's change history, filters it by
a caseworker and reads a field-level diff."""

import pytest
from playwright.sync_api import expect

from children.models import HukouStatus
from children.queries import current_versions
from children.services import update_child
from tests import factories
from tests.browser.test_login_smoke import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_supervisor_filters_the_timeline_by_caseworker_and_reads_a_diff(page, sup_a, cw_a, cw_a2, case_a, screenshot):
    other = factories.open_case_for(cw_a2)
    update_child(
        expected_version=current_versions(other)["child"],
        child=other,
        by=cw_a2,
        values={"hukou_status": HukouStatus.IN_PROGRESS},
        reason="Applied at the police station",
    )
    update_child(
        expected_version=current_versions(case_a)["child"],
        child=case_a,
        by=cw_a,
        values={"given_name": "Minjeong"},
        reason="Spelling",
    )

    log_in(page, "sup_a", factories.PASSWORD)

    page.get_by_role("link", name="Team", exact=True).first.click()
    page.get_by_role("link", name="Change history").click()
    expect(page.get_by_role("heading", name="Change history of team Team A")).to_be_visible()

    page.get_by_label("Caseworker").select_option("cw_a2")
    page.get_by_role("button", name="Filter").click()

    newest = page.locator("li.entry").first
    expect(newest).to_contain_text(other.case_number)
    expect(newest).to_contain_text("cw_a2")
    expect(newest).to_contain_text("Applied at the police station")
    # One line says what changed; the field-by-field detail is folded under it.
    expect(newest.locator(".entry-head")).to_contain_text(
        "household registration from Unregistered to Registration in progress"
    )
    expect(newest.get_by_role("link", name=other.case_number)).to_have_attribute("href", other.get_absolute_url())
    newest.get_by_text("Field by field").click()
    row = newest.get_by_role("row", name="Household registration")
    expect(row.locator("td.old")).to_have_text("Unregistered")
    expect(row.locator("td.new")).to_have_text("Registration in progress")
    # cw_a's change is filtered out.
    expect(page.get_by_text("Spelling")).to_have_count(0)
    screenshot("filtered-diff")


def test_the_timeline_pages_by_older_and_newer_links_at_phone_width_in_korean(page, sup_a, cw_a, case_a, screenshot):
    for n in range(30):
        update_child(
            expected_version=current_versions(case_a)["child"],
            child=case_a,
            by=cw_a,
            values={"given_name": f"Name{n}"},
            reason=f"edit {n}",
        )
    log_in(page, "sup_a", factories.PASSWORD)
    page.locator("#id_switch_language").select_option("ko")
    page.get_by_role("button", name="Change language").click()
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/team/history/")
    expect(page.locator("li.entry")).to_have_count(25)
    page.get_by_role("link", name="이전").first.click()  # Older
    expect(page.locator("li.entry")).to_have_count(6)
    screenshot("ko-older-page")
    page.get_by_role("link", name="더 최근").first.click()  # Newer
    expect(page.locator("li.entry")).to_have_count(25)
    expect(page.get_by_role("link", name="더 최근")).to_have_count(0)
