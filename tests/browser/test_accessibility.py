"""Every page of every role through axe-core, at phone (390×844) and desktop (1280×900) width:
no violation of serious or critical impact under the WCAG 2.0, 2.1 and 2.2 A/AA rules (2.2's
target-size among them). A full-page screenshot of each is saved under
test-output/screenshots/ for a person to look at.

axe-core is vendored in tests/browser/vendor/axe-core/ (from the npm registry; see VERSION)
and injected into a context that bypasses our CSP, which otherwise allows only our own
scripts. One context per role: the role signs in once and visits every page."""

import datetime
import re
from pathlib import Path
from pprint import pformat

import pytest
from django.db import connection
from django.urls import reverse
from playwright.sync_api import expect

from casework.aggregates.services import publish_release
from casework.interviews.services import record_interview
from casework.models import Preferences
from casework.plans import services as plan_services
from casework.transfers.services import propose_transfer
from tests import factories
from tests.browser.conftest import OUTPUT_DIR
from tests.browser.test_login_smoke import enrol, enter_code, log_in
from tests.signin import authenticator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
WIDTHS = {"390": {"width": 390, "height": 844}, "1280": {"width": 1280, "height": 900}}
RULE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({rule: v.id, impact: v.impact, where: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}));
}"""


def pages_of(role, case, assignment, transfer=None):
    referral = case.referrals.first()
    case_pages = [
        ("case-list", reverse("children:list")),
        ("case-new", reverse("children:new")),
        ("case", case.get_absolute_url()),
        ("edit-child", reverse("children:edit", args=[case.pk, "child"])),
        ("edit-family", reverse("children:edit", args=[case.pk, "family"])),
        ("edit-mother", reverse("children:edit", args=[case.pk, "mother"])),
        ("edit-father", reverse("children:edit", args=[case.pk, "father"])),
        ("edit-door", reverse("children:edit-door", args=[case.pk, "education"])),
        ("interview", reverse("interviews:new", args=[case.pk])),
        ("follow-ups", reverse("interviews:follow-ups")),
        ("settings", reverse("accounts:preferences")),
        ("password", reverse("accounts:password")),
        ("goal-new", reverse("plans:goal-new", args=[case.pk])),
        ("service-new", reverse("plans:service-new", args=[case.pk])),
        ("referral-new", reverse("plans:referral-new", args=[case.pk])),
        ("referral-slip", reverse("plans:referral-slip", args=[case.pk, referral.pk])),
        ("partners", reverse("plans:partners")),
        ("offline", reverse("offline:home")),
        ("offline-take", reverse("offline:take")),
        ("offline-devices", reverse("offline:devices")),
    ]
    return {
        "anon": [("login", reverse("login")), ("calendar", reverse("accounts:neutral"))],
        "caseworker": case_pages,
        "supervisor": case_pages
        + [
            ("team", reverse("supervision:team")),
            ("caseload", reverse("supervision:caseload")),
            ("transfer-propose", reverse("transfers:propose", args=[case.pk])),
            ("transfer", reverse("transfers:detail", args=[transfer.pk])),
            ("timeline", reverse("supervision:timeline")),
            ("access-review", reverse("supervision:access")),
            ("assignment", reverse("supervision:assignment", args=[case.pk])),
            ("case-history", reverse("supervision:case-history", args=[case.pk])),
            ("case-access", reverse("supervision:case-access", args=[case.pk])),
            ("integrity", reverse("audit:integrity")),
            ("partner-new", reverse("plans:partner-new")),
            ("referral-override", reverse("plans:referral-override", args=[case.pk, referral.pk])),
            ("offline-limits", reverse("offline:limits")),
        ],
        "data-admin": [("aggregates", reverse("aggregates:dashboard")), ("settings", reverse("accounts:preferences"))],
    }[role]


@pytest.fixture
def world(cw_a, sup_a, data_admin, settings):
    # Two releases around one new case: the dashboard shows the second, whose tables repeat
    # the first's figures with their notice (casework.aggregates.differencing).
    settings.AGGREGATES_RELEASES_PER_MONTH = 0
    for _ in range(5):
        factories.open_case_for(cw_a)
    publish_release(by=data_admin, reason="first")
    case = factories.open_case_for(cw_a)
    record_interview(
        child=case,
        by=cw_a,
        held_on=datetime.date.today(),
        location_type="home",
        notes="Mother works nights; the child is alone in the evenings.",
        risk_level="high",
        follow_up_on=datetime.date.today() + datetime.timedelta(days=7),
    )
    others = [factories.open_case_for(cw_a) for _ in range(3)]
    team_b = factories.TeamFactory(name="Team B")
    factories.supervisor(team_b, username="sup_b")
    transfer = propose_transfer(child=others[0], to_team=team_b, by=sup_a, reason="The family moved to Yanji")
    partner = plan_services.add_partner(
        team=case.team, by=sup_a, values={"name": "Village school", "kind": "school", "province": "jilin"}
    )
    plan_services.add_goal(child=case, by=cw_a, values={"area": "education", "text": "Enrol", "responsible": cw_a})
    plan_services.record_service(
        child=case,
        by=cw_a,
        entry=plan_services.ServiceEntry(kind="school_enrolment", given_on=datetime.date.today(), partner=partner),
    )
    plan_services.add_referral(child=case, by=cw_a, values={"partner": partner, "area": "education", "share_age": True})
    publish_release(by=data_admin, reason="second")
    Preferences.objects.create(user=sup_a, discreet_mode=True)  # both modes are audited
    return {
        "caseworker": cw_a,
        "supervisor": sup_a,
        "data-admin": data_admin,
        "case": case,
        "transfer": transfer,
    }


@pytest.mark.parametrize("role", ["anon", "caseworker", "supervisor", "data-admin"])
def test_every_page_passes_axe_at_phone_and_desktop_width(browser, live_server, world, role):
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    folder = OUTPUT_DIR / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    assignment = world["case"].assignments.first()
    found: dict = {}
    if role != "anon":
        user = world[role]
        if role != "caseworker":
            authenticator(user)  # the caseworker signs in for the first time and enrols
        page.goto("/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(factories.PASSWORD)
        page.get_by_role("button", name="Log in").click()
        # The sign-in steps are pages too.
        if role == "caseworker":
            page.wait_for_url(re.compile(r"/login/enrol/"))
            inspect(page, role, "enrol", reverse("accounts:enrol"), folder, found)
            enrol(page)
        else:
            page.wait_for_url(re.compile(r"/login/code/"))
            inspect(page, role, "code", reverse("accounts:two-factor"), folder, found)
            enter_code(page, user)
    for name, url in pages_of(role, world["case"], assignment, world["transfer"]):
        inspect(page, role, name, url, folder, found)
    context.close()
    assert found == {}, pformat(found)


def inspect(page, role, name, url, folder, found) -> None:
    """axe-core, sideways scrolling and the top bar's height, at both widths; a screenshot."""
    for width, size in WIDTHS.items():
        page.set_viewport_size(size)
        response = page.goto(url)
        if response.status == 503 and connection.vendor == "sqlite":
            # The SQLite test database lives in memory with a shared cache, where a query
            # that meets another thread's write fails at once ("database table is locked")
            # instead of waiting, as a file database in WAL mode does. The other thread is
            # the browser's own background request (the session check, the service worker).
            # Seen once in CI on the aggregates page; one more try, never more.
            page.wait_for_timeout(500)
            response = page.goto(url)
        assert response.status == 200, (name, response.status)
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(RUN_AXE, RULE_TAGS)
        if violations:
            found[f"{name}@{width}"] = violations
        # Nothing wider than the screen: no sideways scrolling on a phone.
        if width == "390" and page.evaluate("document.documentElement.scrollWidth") > 390:
            found[f"{name}@{width}"] = found.get(f"{name}@{width}", []) + ["scrolls sideways"]
        # A compact top bar on phones: no more than 56 px of the screen.
        bar = page.evaluate("document.querySelector('.topbar')?.getBoundingClientRect().height || 0")
        if width == "390" and bar > 56:
            found[f"{name}@{width}"] = found.get(f"{name}@{width}", []) + [f"top bar {bar} px"]
        page.screenshot(path=folder / f"{role}-{name}-{width}.png", full_page=True)


def test_the_charts_clip_no_value_and_cut_no_label(page, live_server, data_admin, cw_a):
    """The largest bar's value ("95 · 100.0%") and the longest label fit inside the chart,
    measured as Chromium draws them."""
    for _ in range(6):
        factories.open_case_for(cw_a)  # six alike: shares of 100.0%
    publish_release(by=data_admin, reason="Charts checked in the browser")  # the page shows releases only
    log_in(page, data_admin.username, factories.PASSWORD)
    page.goto(reverse("aggregates:dashboard"))
    overflow = page.evaluate(
        """() => Array.from(document.querySelectorAll("svg.agg-chart")).flatMap((svg) => {
          const width = svg.viewBox.baseVal.width;
          return Array.from(svg.querySelectorAll("text")).filter((t) => {
            const box = t.getBBox();
            const bars = svg.querySelector("rect, .agg-suppressed");
            const limit = t.classList.contains("agg-label") ? Number(bars?.getAttribute("x") || width) : width;
            return box.x + box.width > limit || t.textContent.endsWith("…");
          }).map((t) => t.textContent);
        })"""
    )
    assert overflow == []
    assert page.locator("svg.agg-chart text", has_text="100.0%").count() > 0


def test_on_a_phone_the_whole_case_card_is_the_link_and_a_focused_field_is_not_under_the_bar(page, cw_a):
    for _ in range(12):
        factories.open_case_for(cw_a)
    page.set_viewport_size(WIDTHS["390"])
    log_in(page, cw_a.username, factories.PASSWORD)
    card = page.locator(".case-row").first.bounding_box()
    # A tap near the bottom of the card, far from the case number, opens the case.
    page.mouse.click(card["x"] + card["width"] / 2, card["y"] + card["height"] - 8)
    page.wait_for_url(lambda url: "/cases/" in url and url.rstrip("/").split("/")[-1] != "cases")
    child = page.url.rstrip("/").split("/")[-1]
    page.goto(f"/cases/{child}/interviews/new/")
    page.locator("#id_interview-follow_up_on").focus()
    bar = page.locator(".topbar").bounding_box()
    field = page.locator("#id_interview-follow_up_on").bounding_box()
    assert field["y"] >= bar["y"] + bar["height"]  # WCAG 2.2, 2.4.11: not hidden under the bar
    exit_box = page.get_by_role("button", name="Exit").bounding_box()
    assert exit_box["height"] >= 44 and exit_box["width"] >= 44


def test_on_a_phone_the_case_lists_filters_are_folded_unless_one_is_in_use(page, cw_a):
    factories.open_case_for(cw_a)
    log_in(page, cw_a.username, factories.PASSWORD)
    page.set_viewport_size(WIDTHS["390"])
    page.goto(reverse("children:list"))
    # The search stays at hand; the five filters wait under "Filters".
    expect(page.get_by_role("searchbox")).to_be_visible()
    expect(page.get_by_label("Door shut")).to_be_hidden()
    page.get_by_text("Filters", exact=True).click()
    expect(page.get_by_label("Door shut")).to_be_visible()
    # A filter in use stays open, so the user sees why the list is short.
    page.goto(reverse("children:list") + "?shut_door=bank")
    expect(page.get_by_label("Door shut")).to_be_visible()
    # On a wide screen nothing is folded.
    page.set_viewport_size(WIDTHS["1280"])
    page.goto(reverse("children:list"))
    expect(page.get_by_label("Door shut")).to_be_visible()
