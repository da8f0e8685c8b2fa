"""The caseworker's journey at phone width (390 px), once in Korean and once in Chinese:
choose the language on the login page, log in, open a case for a child named in Chinese
characters or Hangul, find it by the name typed in another script, read the case page.
Screenshots go to test-output/screenshots/ (Korean and Chinese need fonts-noto-cjk)."""

import re

import pytest
from playwright.sync_api import expect

from children.models import Child
from tests import factories
from tests.browser.test_login_smoke import enrol, enter_code
from tests.signin import authenticator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = {
    "ko": {
        "choice": "ko",
        "username": "사용자 이름",
        "password": "비밀번호",
        "log_in": "로그인",
        "my_cases": "내 사례",
        "open": "사례 열기",
        "search": "이름이나 사례 번호로 찾기",
        "mother_status": "함께 있음",
        "family": "김",
        "given": "정화",
        "typed": "金正花",
    },
    "zh-hans": {
        "choice": "zh-hans",
        "username": "用户名",
        "password": "密码",
        "log_in": "登录",
        "my_cases": "我的个案",
        "open": "开案",
        "search": "按姓名或个案编号搜索",
        "mother_status": "在家",
        "family": "王",
        "given": "桂兰",
        "typed": "wang guilan",
    },
}


@pytest.mark.parametrize("language", ["ko", "zh-hans"])
def test_caseworker_journey_at_phone_width(page, screenshot, language):
    words = LANGUAGES[language]
    team = factories.TeamFactory("Team A")
    factories.caseworker(team, username="cw_a")
    page.set_viewport_size({"width": 390, "height": 844})

    # The switch on the login page, before anyone is signed in.
    page.goto("/login/")
    page.locator("#id_switch_language").select_option(words["choice"])
    page.get_by_role("button", name="Change language").click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    screenshot(f"{language}-login")

    page.get_by_label(words["username"]).fill("cw_a")
    page.get_by_label(words["password"]).fill(factories.PASSWORD)
    page.get_by_role("button", name=words["log_in"]).click()
    # The first login sets up the authenticator, in the chosen language too.
    page.wait_for_url(re.compile(r"/login/enrol/"))
    expect(page.locator("html")).to_have_attribute("lang", language)
    screenshot(f"{language}-enrol")
    enrol(page)
    expect(page.get_by_role("heading", name=words["my_cases"])).to_be_visible()

    page.get_by_role("link", name=words["open"]).click()
    page.locator("#id_child-family_name").fill(words["family"])
    page.locator("#id_child-given_name").fill(words["given"])
    page.locator("#id_child-date_of_birth").fill("2015-09-01")
    page.locator("#id_child-sex").select_option("female")
    page.locator("#id_child-living_arrangement").select_option("mother_only")
    page.locator("#id_family-province").select_option("jilin")
    page.locator("#id_mother-status").select_option("present")
    page.locator("#id_mother-whereabouts").select_option("china")
    screenshot(f"{language}-open-a-case")
    page.get_by_role("button", name=words["open"]).click()
    expect(page.get_by_text(re.compile(r"C-\d{4}-\d{4}")).first).to_be_visible()
    child = Child.objects.get(given_name=words["given"])

    page.get_by_role("link", name=words["my_cases"]).click()
    page.get_by_label(words["search"]).fill(words["typed"])  # the name in another script
    results = page.locator("#results")
    expect(results.get_by_role("link", name=re.compile(child.case_number))).to_be_visible()
    screenshot(f"{language}-search")
    results.get_by_role("link", name=re.compile(child.case_number)).click()

    expect(page.locator("#section-mother")).to_contain_text(words["mother_status"])
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert "/ko/" not in page.url and "/zh" not in page.url  # the language is never in the address
    for part in ("header", "#section-mother", "#section-father"):
        for english in ("My cases", "Follow-ups", "Log out", "Mother", "Father", "Edit", "{#"):
            expect(page.locator(part)).not_to_contain_text(english)
    screenshot(f"{language}-case-page")


@pytest.mark.parametrize("language", ["ko", "zh-hans"])
def test_a_supervisors_pages_at_phone_width_fit_in_korean_and_chinese(page, sup_a, cw_a, case_a, language):
    """Each page a supervisor uses, in Korean and in Chinese at 390 px: nothing wider than the
    screen, a top bar of at most 56 px, and a screenshot for a person to look at."""
    import datetime

    from django.urls import reverse

    from casework.interviews.services import record_interview
    from casework.models import Preferences
    from tests.browser.conftest import OUTPUT_DIR

    record_interview(
        child=case_a,
        by=cw_a,
        held_on=datetime.date.today(),
        location_type="home",
        notes="Visited at home.",
        risk_level="high",
        follow_up_on=datetime.date.today() + datetime.timedelta(days=7),
    )
    Preferences.objects.create(user=sup_a, language=language)
    page.set_viewport_size({"width": 390, "height": 844})
    authenticator(sup_a)  # not the first login: the code step follows the password
    page.goto("/login/")
    page.locator("#id_username").fill(sup_a.username)
    page.locator("#id_password").fill(factories.PASSWORD)
    page.locator("form button[type=submit]").last.click()
    enter_code(page, sup_a)
    expect(page.locator("html")).to_have_attribute("lang", language)
    folder = OUTPUT_DIR / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    pages = {
        "case-list": reverse("children:list"),
        "case": case_a.get_absolute_url(),
        "edit-child": reverse("children:edit", args=[case_a.pk, "child"]),
        "interview": reverse("interviews:new", args=[case_a.pk]),
        "team": reverse("supervision:team"),
        "timeline": reverse("supervision:timeline"),
        "access-review": reverse("supervision:access"),
        "assignment": reverse("supervision:assignment", args=[case_a.pk]),
        "settings": reverse("accounts:preferences"),
    }
    problems = {}
    for name, url in pages.items():
        assert page.goto(url).status == 200, name
        if page.evaluate("document.documentElement.scrollWidth") > 390:
            problems[name] = "scrolls sideways"
        bar = page.evaluate("document.querySelector('.topbar').getBoundingClientRect().height")
        if bar > 56:
            problems[name] = f"top bar {bar} px"
        # Every link of the top bar is whole: none squeezed under another.
        squeezed = page.evaluate(
            "Array.from(document.querySelectorAll('.topbar nav a')).filter((a) => a.scrollWidth > a.clientWidth + 1)"
            ".map((a) => a.textContent)"
        )
        if squeezed:
            problems[name] = f"squeezed: {squeezed}"
        page.screenshot(path=folder / f"{language}-supervisor-{name}-390.png", full_page=True)
    assert problems == {}
