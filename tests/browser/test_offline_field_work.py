"""Issue 16 in Chromium at 390 px: take cases offline, lose the connection, open a case
from the cache, log an interview, see it wait, send it once; nothing readable in
IndexedDB or the Cache Storage; five wrong PINs wipe; a revoked device wipes at its next
sync; a conflicting server change shows the conflict after sync with nothing lost."""

import re
import time

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from casework.access.services import revoke_assignment
from casework.models import AccessAction, AccessLog, Interview, OfflineDevice, Preferences
from children.models import DocumentAccess
from children.services import update_door
from families.models import Mother
from tests import factories
from tests.browser.test_login_smoke import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PIN = "482913"
PHONE = {"width": 390, "height": 844}

# Everything the page's origin stores, as text: every IndexedDB record and every cached response.
OPEN_DB = """const db = await new Promise((ok, ko) => {
    const r = indexedDB.open("casework-offline");
    r.onsuccess = () => ok(r.result);
    r.onerror = ko;
  });
  const read = (what) => new Promise((ok) => {
    const r = db.transaction("vault").objectStore("vault")[what]();
    r.onsuccess = () => ok(r.result);
  });"""

# Everything the page's origin stores, as text: every IndexedDB record and every cached response.
DUMP_STORAGE = (
    """async () => {
  const out = [];
  """
    + OPEN_DB
    + """
  if (db.objectStoreNames.contains("vault")) out.push(JSON.stringify(await read("getAll")));
  db.close();
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      out.push(request.url);
      out.push(await (await cache.match(request)).text());
    }
  }
  return out.join("\\n");
}"""
)

CACHED_URLS = """async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
  }
  return urls;
}"""

# Every IndexedDB record of the vault as JSON: its length is what the device holds.
STORED_BYTES = (
    """async () => {
  """
    + OPEN_DB
    + """
  const all = db.objectStoreNames.contains("vault") ? await read("getAll") : [];
  db.close();
  return JSON.stringify(all);
}"""
)

VAULT_KEYS = (
    """async () => {
  """
    + OPEN_DB
    + """
  const keys = db.objectStoreNames.contains("vault") ? await read("getAllKeys") : [];
  db.close();
  return keys;
}"""
)

AGE_THE_DEVICE = """async (age) => {
  const db = await new Promise((ok) => {
    const r = indexedDB.open("casework-offline");
    r.onsuccess = () => ok(r.result);
  });
  const meta = await new Promise((ok) => {
    const r = db.transaction("vault").objectStore("vault").get("meta");
    r.onsuccess = () => ok(r.result);
  });
  meta.lastSync = Date.now() - age;
  await new Promise((ok) => {
    const r = db.transaction("vault", "readwrite").objectStore("vault").put(meta, "meta");
    r.onsuccess = ok;
  });
  db.close();
}"""


def eventually(check, seconds=10):
    """The page tells the server of a wipe after the wipe itself, without waiting."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not logged in time"
        time.sleep(0.2)


@pytest.fixture
def phone(page):
    page.set_viewport_size(PHONE)
    # Deriving the key (310,000 PBKDF2 rounds) and the service worker's install take a
    # moment on a loaded machine: more patience than the default 5 s for these tests.
    expect.set_options(timeout=15_000)
    yield page
    expect.set_options(timeout=5_000)


def set_up_device(page):
    page.goto("/offline/")
    page.get_by_label("A name for this device").fill("Field phone")
    page.locator("#setup-pin").fill(PIN)
    page.locator("#setup-pin2").fill(PIN)
    page.get_by_role("button", name="Set up this device").click()
    expect(page.get_by_text("Interviews waiting to be sent: 0")).to_be_visible()
    # The service worker has kept the shell.
    page.wait_for_function("async () => !!(await caches.match('/offline/'))", timeout=20_000)


def take_offline(page, cases):
    page.goto("/offline/take/")
    for case in cases:
        page.locator(f"#take-{case.pk}").check()
    page.locator("#take-pin").fill(PIN)
    page.get_by_role("button", name="Take offline").click()
    page.wait_for_url("**/offline/")


def unlock(page, pin=PIN):
    page.locator("#unlock-pin").fill(pin)
    page.get_by_role("button", name="Open").click()


def log_interview(page, case, *, mother=None, door=None):
    page.get_by_role("link", name=re.compile(case.case_number)).click()
    form = page.locator("#offline-interview")
    form.locator("#id_interview-location_type").select_option("home")
    form.locator("#id_interview-notes").fill("Grandmother says the school refused again")
    if mother:
        form.locator("#id_mother-status").select_option(mother)
    if door:
        kind, status = door
        form.locator(f'details[data-door="{kind}"] summary').click()
        form.locator(f"#id_door-{kind}-status").select_option(status)
    form.get_by_role("button", name="Save on this device").click()


def test_field_work_without_a_connection(phone, context, cw_a, screenshot):
    cases = [factories.open_case_for(cw_a, child={"given_name": f"Minji{n}"}) for n in range(3)]
    page = phone
    log_in(page, "cw_a", factories.PASSWORD)
    set_up_device(page)
    take_offline(page, cases)
    assert AccessLog.objects.filter(action=AccessAction.OFFLINE).count() == 1
    # A case page opened online with the service worker running is not kept by it.
    page.goto(cases[0].get_absolute_url())
    page.goto("/offline/")

    context.set_offline(True)
    page.reload()
    unlock(page)
    for case in cases:
        expect(page.get_by_role("link", name=re.compile(case.case_number))).to_be_visible()
    log_interview(page, cases[0], mother="ran_away", door=("education", "in_progress"))
    expect(page.get_by_text("Interviews waiting to be sent: 1")).to_be_visible()

    page.reload()
    unlock(page)
    expect(page.get_by_text("Interviews waiting to be sent: 1")).to_be_visible()
    screenshot("waiting")

    stored = page.evaluate(DUMP_STORAGE)
    assert "/offline/" in stored  # the dump did read the cache
    cached = page.evaluate(CACHED_URLS)
    assert cached and not [url for url in cached if "/cases/" in url or "/offline/take/" in url]
    assert str(cases[0].pk) not in stored
    for case in cases:
        assert case.case_number not in stored
        assert case.given_name not in stored
    assert "Grandmother says" not in stored
    assert "Sanhe" not in stored

    # Back online: it is sent on its own, without "Send now".
    context.set_offline(False)
    expect(page.get_by_text("Interviews waiting to be sent: 0")).to_be_visible()
    expect(page.locator("#offline-status")).to_contain_text("Interviews sent: 1")

    interview = Interview.objects.get(child=cases[0])
    assert interview.notes == "Grandmother says the school refused again"
    assert Interview.objects.count() == 1
    mother = Mother.objects.get(pk=cases[0].family.mother_id)
    assert mother.status == "ran_away"
    assert mother.history.first().history_user == cw_a
    assert DocumentAccess.objects.get(child=cases[0], kind="education").status == "in_progress"
    assert AccessLog.objects.filter(action=AccessAction.SYNC).exists()


def test_five_wrong_pins_wipe_the_device(phone, cw_a, case_a):
    page = phone
    log_in(page, "cw_a", factories.PASSWORD)
    set_up_device(page)
    take_offline(page, [case_a])
    for attempt in range(4):
        unlock(page, "000000")
        expect(page.get_by_text(f"Tries left before this device wipes its offline data: {4 - attempt}")).to_be_visible()
    unlock(page, "000000")
    expect(page.locator("#offline-status")).to_contain_text("Five wrong PINs")
    expect(page.get_by_role("button", name="Set up this device")).to_be_visible()
    assert page.evaluate(VAULT_KEYS) == []
    eventually(lambda: AccessLog.objects.filter(action=AccessAction.WIPE, detail__why="pin").exists())


def test_a_device_revoked_by_the_supervisor_wipes_at_its_next_sync(phone, browser, base_url, cw_a, sup_a, case_a):
    page = phone
    log_in(page, "cw_a", factories.PASSWORD)
    set_up_device(page)
    take_offline(page, [case_a])

    supervisor = browser.new_context(viewport=PHONE, base_url=base_url).new_page()
    log_in(supervisor, "sup_a", factories.PASSWORD)
    supervisor.goto("/offline/devices/")
    supervisor.get_by_role("button", name="Revoke Field phone").click()
    expect(supervisor.get_by_text("Device revoked.")).to_be_visible()
    assert OfflineDevice.objects.get().revoked

    unlock(page)
    expect(page.locator("#offline-status")).to_contain_text("This device was revoked.")
    expect(page.get_by_role("button", name="Set up this device")).to_be_visible()
    assert page.evaluate(VAULT_KEYS) == []
    assert AccessLog.objects.filter(action=AccessAction.WIPE, detail__why="revoked").exists()


def test_a_conflicting_change_shows_the_conflict_after_sync_and_nothing_is_lost(
    phone, context, cw_a, sup_a, case_a, screenshot
):
    page = phone
    log_in(page, "cw_a", factories.PASSWORD)
    set_up_device(page)
    take_offline(page, [case_a])
    context.set_offline(True)
    page.reload()
    unlock(page)
    log_interview(page, case_a, door=("education", "in_progress"))
    door = DocumentAccess.objects.get(child=case_a, kind="education")
    update_door(
        child=case_a,
        by=sup_a,
        kind="education",
        status="has_access",
        barrier="",
        note="",
        expected_version=door.version,
        reason="At school",
    )

    context.set_offline(False)
    page.get_by_role("button", name="Send now").click()
    expect(page.get_by_text("Someone else changed this case while you were away.")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Status"))).to_contain_text("Has access")
    expect(page.get_by_role("row", name=re.compile("Status"))).to_contain_text("In progress")
    expect(page.get_by_text("Interviews waiting to be sent: 1")).to_be_visible()
    screenshot("conflict")
    assert DocumentAccess.objects.get(pk=door.pk).status == "has_access"
    assert not Interview.objects.filter(child=case_a).exists()

    page.get_by_role("button", name="Send mine over theirs").click()
    expect(page.get_by_text("Interviews waiting to be sent: 0")).to_be_visible()
    assert DocumentAccess.objects.get(pk=door.pk).status == "in_progress"
    assert Interview.objects.filter(child=case_a).count() == 1


@pytest.mark.parametrize("language", ["ko", "zh-hans"])
def test_the_offline_pages_speak_the_users_language(phone, context, cw_a, case_a, screenshot, language):
    Preferences.objects.create(user=cw_a, language=language)
    page = phone
    log_in(page, "cw_a", factories.PASSWORD)
    page.goto("/offline/")
    page.locator("#device-name").fill("Field phone")
    page.locator("#setup-pin").fill(PIN)
    page.locator("#setup-pin2").fill(PIN)
    page.locator("#setup-form button").click()
    waiting = {"ko": "보내기를 기다리는 면담: 0", "zh-hans": "等待发送的访谈： 0"}[language]
    expect(page.locator("#outbox-count")).to_contain_text(waiting)
    page.wait_for_function("async () => !!(await caches.match('/offline/'))", timeout=20_000)
    page.goto("/offline/take/")
    page.locator(f"#take-{case_a.pk}").check()
    page.locator("#take-pin").fill(PIN)
    page.locator("#take-form button[type=submit]").click()
    page.wait_for_url("**/offline/")
    context.set_offline(True)
    page.reload()
    unlock_button = page.locator("#unlock-form button")
    page.locator("#unlock-pin").fill(PIN)
    unlock_button.click()
    page.locator(f"#offline-cases a[href='#case-{case_a.pk}']").click()
    expect(page.locator("#case-heading")).to_contain_text(case_a.case_number)
    # The form's words come from the cached page, in the user's language.
    legend = {"ko": "면담", "zh-hans": "访谈"}[language]
    expect(page.locator("#offline-interview legend").first).to_contain_text(legend)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(f"case-{language}")


def test_offline_cases_expire_without_a_sync(phone, cw_a, case_a):
    page = phone
    log_in(page, "cw_a", factories.PASSWORD)
    set_up_device(page)
    take_offline(page, [case_a])
    # The last successful sync, 73 hours ago (the team's default expiry is 72).
    page.evaluate(AGE_THE_DEVICE, 73 * 3600 * 1000)
    page.reload()
    unlock(page)
    expect(page.locator("#offline-status")).to_contain_text("The offline cases expired")
    assert "cases" not in page.evaluate(VAULT_KEYS)
    eventually(lambda: AccessLog.objects.filter(action=AccessAction.WIPE, detail__why="expired").exists())


def test_logging_out_keeps_only_the_interviews_waiting_to_be_sent(phone, context, cw_a, case_a):
    page = phone
    log_in(page, "cw_a", factories.PASSWORD)
    set_up_device(page)
    take_offline(page, [case_a])
    context.set_offline(True)
    page.reload()
    unlock(page)
    log_interview(page, case_a, mother="ran_away")
    expect(page.get_by_text("Interviews waiting to be sent: 1")).to_be_visible()
    context.set_offline(False)
    page.route("**/offline/sync/", lambda route: route.abort())  # not sent before logging out
    page.goto("/preferences/")  # on a phone, Log out is on the settings page
    page.locator("main").get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login/**")
    expect(page.locator(".offline-kept")).to_contain_text("Interviews kept on this device: 1.")
    keys = page.evaluate(VAULT_KEYS)
    assert "outbox" in keys and "cases" not in keys
    assert not Interview.objects.exists()


def test_another_account_on_the_same_browser_cannot_open_the_offline_data(phone, context, cw_a, cw_a2, case_a):
    page = phone
    log_in(page, "cw_a", factories.PASSWORD)
    set_up_device(page)
    take_offline(page, [case_a])
    # An interview waits to be sent, so signing out keeps it (encrypted) on the browser.
    context.set_offline(True)
    page.reload()
    unlock(page)
    log_interview(page, case_a, mother="ran_away")
    expect(page.get_by_text("Interviews waiting to be sent: 1")).to_be_visible()
    context.set_offline(False)
    page.route("**/offline/sync/", lambda route: route.abort())
    # Leave the page first: a request it still has in flight (the session's status) would
    # bring the session cookie back after it is cleared.
    page.goto("about:blank")
    page.context.clear_cookies()
    log_in(page, "cw_a2", factories.PASSWORD)
    page.goto("/offline/")
    expect(page.locator("#offline-status")).to_contain_text("belongs to another account")
    expect(page.locator("#unlock-pin")).to_be_hidden()


def test_a_case_taken_away_meanwhile_is_refused_and_the_interview_stays(phone, context, cw_a, sup_a, case_a):
    page = phone
    log_in(page, "cw_a", factories.PASSWORD)
    set_up_device(page)
    take_offline(page, [case_a])
    context.set_offline(True)
    page.reload()
    unlock(page)
    log_interview(page, case_a, mother="ran_away")
    revoke_assignment(assignment=case_a.assignments.get(), by=sup_a, reason="Moved to another caseworker")

    context.set_offline(False)
    page.get_by_role("button", name="Send now").click()
    expect(page.locator("#outbox-problems")).to_contain_text(
        "This case is no longer open to you. Contact your supervisor"
    )
    expect(page.get_by_text("Interviews waiting to be sent: 1")).to_be_visible()
    assert not Interview.objects.exists()
    assert AccessLog.objects.filter(action=AccessAction.DENIED, object_id=str(case_a.pk)).exists()


def test_measure_twenty_cases_and_ten_interviews(phone, context, cw_a):
    """The numbers of the closing note, printed (run with -s); the bounds are loose."""
    cases = [factories.open_case_for(cw_a) for _ in range(20)]
    page = phone
    log_in(page, "cw_a", factories.PASSWORD)
    set_up_device(page)
    started = time.perf_counter()
    take_offline(page, cases)
    took = time.perf_counter() - started
    stored = len(page.evaluate(STORED_BYTES))
    context.set_offline(True)
    page.reload()
    unlock(page)
    for case in cases[:10]:
        log_interview(page, case)
    expect(page.get_by_text("Interviews waiting to be sent: 10")).to_be_visible()
    context.set_offline(False)
    started = time.perf_counter()
    page.get_by_role("button", name="Send now").click()
    expect(page.get_by_text("Interviews waiting to be sent: 0")).to_be_visible(timeout=60_000)
    synced = time.perf_counter() - started
    print(
        f"\nbrowser: 20 cases stored in {stored} bytes of IndexedDB; taken offline in {took:.2f} s "
        f"(page, PIN, request, encryption); 10 interviews sent in {synced:.2f} s"
    )
    assert Interview.objects.count() == 10
    assert stored < 60_000 and took < 20 and synced < 60


def test_an_ended_session_wipes_the_offline_cases(phone, cw_a, case_a):
    page = phone
    log_in(page, "cw_a", factories.PASSWORD)
    set_up_device(page)
    take_offline(page, [case_a])
    assert "cases" in page.evaluate(VAULT_KEYS)
    Session.objects.all().delete()  # the session ends on the server (expiry, or ended elsewhere)
    page.goto("/offline/")
    page.wait_for_url("**/login/**")
    page.wait_for_function(
        """async () => (await indexedDB.databases()).every((db) => db.name !== "casework-offline")"""
    )
