"""A caseworker at phone width (390 px), in Chinese: records a plan goal, a service with a
partner and a referral with the guardian's consent on the case page (each edited in place),
then opens the referral slip to print it. The slip shows only the consented fields.
Screenshots go to test-output/screenshots/ (look at them: Chinese needs fonts-noto-cjk)."""

import datetime

import pytest
from playwright.sync_api import expect

from casework.models import PlanGoal, Preferences, Referral, Service
from casework.plans import services as plan_services
from tests import factories
from tests.browser.test_login_smoke import enter_code
from tests.signin import authenticator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGE = "zh-hans"


def sign_in(page, user):
    authenticator(user)
    page.goto("/login/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(factories.PASSWORD)
    page.locator("form button[type=submit]").last.click()
    enter_code(page, user)


def record_goal_service_and_referral(page, partner, screenshot=None):
    """On an open case page: a goal, a service with `partner` and an amount, and a referral
    to `partner` with the guardian's consent to share the age and the door only, each in
    place."""
    # A goal, in place.
    page.locator("#section-plan .card-head a").click()
    page.locator("#id_goal-area").select_option("education")
    page.locator("#id_goal-text").fill("新学期前以旁听生身份入读村小")
    page.locator("#id_goal-target_on").fill((datetime.date.today() + datetime.timedelta(days=60)).isoformat())
    if screenshot:
        screenshot(f"{LANGUAGE}-goal-form")
    page.locator("#section-plan button[type=submit]").click()
    expect(page.locator("#section-plan")).to_contain_text("新学期前以旁听生身份入读村小")

    # A service with the partner and an amount, in place.
    page.locator("#section-services .card-head a").click()
    page.locator("#id_service-kind").select_option("school_fees")
    page.locator("#id_service-partner").select_option(str(partner.pk))
    page.locator("#id_service-amount_yuan").fill("350")
    page.locator("#section-services button[type=submit]").click()
    expect(page.locator("#section-services")).to_contain_text(partner.name)

    # A referral with the guardian's consent to share the age and the door only.
    page.locator("#section-referrals .card-head a").click()
    page.locator("#id_referral-partner").select_option(str(partner.pk))
    page.locator("#id_referral-area").select_option("education")
    page.locator("#id_referral-need").fill("NEED-STAYS-HOME")
    page.locator("#id_referral-share_age").check()
    page.locator("#id_referral-share_door").check()
    page.locator("#id_referral-consent_given_on").fill(datetime.date.today().isoformat())
    page.locator("#id_referral-consent_method").select_option("thumbprint")
    page.locator("#id_referral-send").check()
    if screenshot:
        screenshot(f"{LANGUAGE}-referral-form")
    page.locator("#section-referrals button[type=submit]").click()
    expect(page.locator("#section-referrals")).to_contain_text(partner.name)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    if screenshot:
        screenshot(f"{LANGUAGE}-case-plan")


def test_a_caseworker_records_a_plan_a_service_and_a_referral_and_prints_the_slip(page, screenshot):
    team = factories.TeamFactory("Team A")
    supervisor = factories.supervisor(team, username="sup_a")
    cw = factories.caseworker(team, username="cw_a")
    case = factories.open_case_for(cw, child={"family_name": "王", "given_name": "桂兰"})
    partner = plan_services.add_partner(
        team=team,
        by=supervisor,
        values={"name": "三合村小学", "kind": "school", "province": "jilin", "county": "龙井", "contact": "朴老师 139"},
    )
    Preferences.objects.create(user=cw, language=LANGUAGE)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, cw)
    expect(page.locator("html")).to_have_attribute("lang", LANGUAGE)
    page.goto(case.get_absolute_url())

    record_goal_service_and_referral(page, partner, screenshot)

    assert PlanGoal.objects.count() == 1 and Service.objects.get().partner == partner
    referral = Referral.objects.get()
    assert referral.status == "sent"

    # The slip, as it prints: only the partner, the date, the age and the door.
    slip_url = page.locator("#section-referrals a[target=_blank]").get_attribute("href")
    page.goto(slip_url)
    page.emulate_media(media="print")
    slip = page.locator("#slip")
    expect(slip).to_contain_text(partner.name)
    expect(slip).to_contain_text("教育")  # the door concerned, consented
    text = page.locator("body").inner_text()
    for never in ("桂兰", "王", case.case_number, str(case.pk), str(referral.pk), "NEED-STAYS-HOME", "朴老师", "Sanhe"):
        assert never not in text, never
    expect(page.locator(".topbar")).to_be_hidden()
    screenshot(f"{LANGUAGE}-slip-print")
