"""End to end through Chromium at phone width (390 px): team A's supervisor proposes to
transfer a case to team B; team B's supervisor, whose pages are in Korean, sees only the
child's age, province and the reason, accepts, and assigns one of her caseworkers. The
old team's caseworker has lost the case. Screenshots in test-output/screenshots/."""

import re

import pytest
from playwright.sync_api import expect

from casework.models import AccessAction, AccessLog, Assignment, Preferences, Transfer, TransferStatus
from casework.plans import services as plan_services
from children import access
from tests import factories
from tests.browser.test_case_plan_journey import record_goal_service_and_referral
from tests.browser.test_login_smoke import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "The family moved to the Yanji area in October"


def propose_transfer_to_team_b(page, case, screenshot=None):
    """Team A's supervisor, signed in, proposes the transfer of `case` to Team B."""
    page.goto("/team/")
    page.locator(f"a[href='/team/cases/{case.pk}/transfer/']").click()
    expect(page.get_by_role("heading", name=f"Transfer {case.case_number} to another team")).to_be_visible()
    page.get_by_label("Transfer to team").select_option(label="Team B")
    page.get_by_label("Reason").fill(REASON)
    if screenshot:
        screenshot("proposing")
    page.get_by_role("button", name="Propose the transfer").click()
    expect(page.get_by_role("heading", name=f"Transfer of {case.case_number} to Team B")).to_be_visible()
    transfer = Transfer.objects.get()
    assert transfer.status == TransferStatus.PENDING
    return transfer


def accept_and_assign_to_cw_b(page, case, transfer, screenshot=None):
    """Team B's supervisor, signed in (in Korean), reads the proposal (only the age, the
    province and the reason), accepts it and assigns cw_b."""
    page.goto("/team/")
    page.locator(f"a[href='/team/transfers/{transfer.pk}/']").click()
    body = page.locator("main")
    expect(body).to_contain_text(REASON)
    expect(body).to_contain_text("Team A")
    # Only the age, the province and the reason: no name, no case number.
    for hidden in (case.case_number, case.given_name, "Minji", "Sanhe", "Longjing", "Sunhee"):
        expect(body).not_to_contain_text(hidden)
    if screenshot:
        screenshot("ko-proposal")
    page.locator("form[action$='/accept/'] button[type=submit]").click()

    # The case is hers now, unassigned: the assignment page asks for a caseworker.
    page.wait_for_url(re.compile(rf"/team/cases/{case.pk}/assignment/"))
    expect(body).to_contain_text(case.case_number)
    page.locator("#id_caseworker").select_option("cw_b")
    page.locator("#id_reason").fill("Lives near the family")
    page.locator("#id_caseworker").locator("xpath=ancestor::form").locator("button[type=submit]").click()
    expect(page.locator("table.cases").first).to_contain_text("cw_b")
    if screenshot:
        screenshot("ko-assigned")


def test_a_case_moves_from_team_a_to_team_b(page, screenshot, sup_a, sup_b, cw_a, cw_b, case_a, team_b):
    Preferences.objects.create(user=sup_b, language="ko")
    page.set_viewport_size({"width": 390, "height": 844})

    log_in(page, "sup_a", factories.PASSWORD)
    transfer = propose_transfer_to_team_b(page, case_a, screenshot)

    page.context.clear_cookies()
    log_in(page, "sup_b", factories.PASSWORD)
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    accept_and_assign_to_cw_b(page, case_a, transfer, screenshot)
    assert Assignment.objects.filter(child=case_a, caseworker=cw_b, revoked_at__isnull=True).exists()
    assert access.may_access(cw_b, case_a.pk) and not access.may_access(cw_a, case_a.pk)


def test_a_planned_case_whose_slip_was_printed_moves_to_team_b_with_its_plan(
    page, sup_a, sup_b, cw_a, cw_b, case_a, team_a, team_b
):
    """Issue 15's journey in one go: the caseworker records a goal, a service with a partner
    and a referral with consent, prints the slip; her supervisor transfers the case to team
    B, whose supervisor accepts it and assigns cw_b, who finds the plan on the case page."""
    partner = plan_services.add_partner(
        team=team_a, by=sup_a, values={"name": "Village primary school", "kind": "school", "province": "jilin"}
    )
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "cw_a", factories.PASSWORD)
    page.goto(case_a.get_absolute_url())
    record_goal_service_and_referral(page, partner)
    page.goto(page.locator("#section-referrals a[target=_blank]").get_attribute("href"))
    page.emulate_media(media="print")
    expect(page.locator("#slip")).to_contain_text(partner.name)
    page.emulate_media(media="screen")
    assert AccessLog.objects.filter(
        user_id=cw_a.pk, action=AccessAction.EXPORT, object_type="child", object_id=str(case_a.pk)
    ).exists()

    page.context.clear_cookies()
    log_in(page, "sup_a", factories.PASSWORD)
    transfer = propose_transfer_to_team_b(page, case_a)
    page.context.clear_cookies()
    log_in(page, "sup_b", factories.PASSWORD)
    accept_and_assign_to_cw_b(page, case_a, transfer)
    assert not access.may_access(cw_a, case_a.pk)

    page.context.clear_cookies()
    log_in(page, "cw_b", factories.PASSWORD)
    page.goto(case_a.get_absolute_url())
    expect(page.locator("#section-plan")).to_contain_text("新学期前以旁听生身份入读村小")
    expect(page.locator("#section-services")).to_contain_text(partner.name)
    expect(page.locator("#section-referrals")).to_contain_text(partner.name)
