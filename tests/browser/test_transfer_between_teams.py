"""End to end through Chromium at phone width (390 px): team A's supervisor proposes to
transfer a case to team B; team B's supervisor, whose pages are in Korean, sees only the
child's age, province and the reason, accepts, and assigns one of her caseworkers. The
old team's caseworker has lost the case. Screenshots in test-output/screenshots/."""

import re

import pytest
from playwright.sync_api import expect

from casework.models import Assignment, Preferences, Transfer, TransferStatus
from children import access
from tests import factories
from tests.browser.test_login_smoke import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "The family moved to the Yanji area in October"


def test_a_case_moves_from_team_a_to_team_b(page, screenshot, sup_a, sup_b, cw_a, cw_b, case_a, team_b):
    Preferences.objects.create(user=sup_b, language="ko")
    page.set_viewport_size({"width": 390, "height": 844})

    log_in(page, "sup_a", factories.PASSWORD)
    page.goto("/team/")
    page.locator(f"a[href='/team/cases/{case_a.pk}/transfer/']").click()
    expect(page.get_by_role("heading", name=f"Transfer {case_a.case_number} to another team")).to_be_visible()
    page.get_by_label("Transfer to team").select_option(label="Team B")
    page.get_by_label("Reason").fill(REASON)
    screenshot("proposing")
    page.get_by_role("button", name="Propose the transfer").click()
    expect(page.get_by_role("heading", name=f"Transfer of {case_a.case_number} to Team B")).to_be_visible()
    transfer = Transfer.objects.get()
    assert transfer.status == TransferStatus.PENDING

    page.context.clear_cookies()
    log_in(page, "sup_b", factories.PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    page.goto("/team/")
    page.locator(f"a[href='/team/transfers/{transfer.pk}/']").click()
    body = page.locator("main")
    expect(body).to_contain_text(REASON)
    expect(body).to_contain_text("Team A")
    # Only the age, the province and the reason: no name, no case number.
    for hidden in (case_a.case_number, case_a.given_name, "Minji", "Sanhe", "Longjing", "Sunhee"):
        expect(body).not_to_contain_text(hidden)
    screenshot("ko-proposal")
    page.locator("form[action$='/accept/'] button[type=submit]").click()

    # The case is hers now, unassigned: the assignment page asks for a caseworker.
    page.wait_for_url(re.compile(rf"/team/cases/{case_a.pk}/assignment/"))
    expect(body).to_contain_text(case_a.case_number)
    assert not access.may_access(cw_a, case_a.pk)
    page.locator("#id_caseworker").select_option("cw_b")
    page.locator("#id_reason").fill("Lives near the family")
    page.locator("#id_caseworker").locator("xpath=ancestor::form").locator("button[type=submit]").click()
    expect(page.locator("table.cases").first).to_contain_text("cw_b")
    screenshot("ko-assigned")
    assert Assignment.objects.filter(child=case_a, caseworker=cw_b, revoked_at__isnull=True).exists()
    assert access.may_access(cw_b, case_a.pk) and not access.may_access(cw_a, case_a.pk)
