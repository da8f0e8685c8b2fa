"""Protection between releases (casework.aggregates.differencing): while some table has
changed in fewer than AGGREGATES_MIN_TABLE_CHANGE places since the previous release, a new
release repeats all its figures, so two releases around one event in a case are identical.

The attacker is the one of tests/casework/aggregates/test_perturbation.py: two releases
around one known event, the published perturbation table and bound, no keys, and the
knowledge that the event was the only change. Here she is played against the database
(`publish_release`) and against random caseloads and events (hypothesis)."""

import csv
import datetime
import io
import json
import random

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from casework.aggregates import differencing
from casework.aggregates import export as aggregates
from casework.aggregates.layout import build_layout
from casework.aggregates.services import publish_release
from casework.aggregates.suppression import suppress
from casework.interviews.services import record_interview
from casework.models import AccessLog, AggregatesRelease
from children.models import RECORD_KEY_RANGE, AccessStatus, Child, DocumentKind, HukouStatus
from children.services import close_case, update_door
from families.models import MotherStatus, Province
from families.services import update_mother
from tests.casework.aggregates.data import ChildSpec, build_caseload, survey_specs
from tests.casework.aggregates.test_disclosure_audit import BANDS, child, random_children
from tests.casework.aggregates.test_perturbation import named_attributes, rows_with_keys, with_band, with_mother
from tests.profiles import examples

K = 5
MIN = 10
TODAY = datetime.date(2026, 11, 26)


@pytest.fixture(autouse=True)
def any_number_of_releases(settings):
    settings.AGGREGATES_RELEASES_PER_MONTH = 0
    settings.AGGREGATES_MIN_TABLE_CHANGE = MIN


@pytest.fixture
def survey(team_a, cw_a):
    return build_caseload(survey_specs(), team=team_a, by=cw_a)


def figures(release):
    return {(r["table"], r["group"], r["category"]): (r["count"], r["suppressed"]) for r in release.records}


# ---------------------------------------------------------------------------------------
# Counting places
# ---------------------------------------------------------------------------------------


def test_places_count_children_entering_and_leaving_and_a_swap_through_the_cell_key():
    then = {("all", "a"): (10, 100), ("all", "b"): (3, 7)}
    assert differencing.changed_places(then, then) == 0
    assert differencing.changed_places({("all", "a"): (11, 150), ("all", "b"): (3, 7)}, then) == 1
    assert differencing.changed_places({("all", "a"): (9, 40), ("all", "b"): (4, 67)}, then) == 2
    # Same counts, another child in each cell: two left, two entered.
    assert differencing.changed_places({("all", "a"): (10, 103), ("all", "b"): (3, 4)}, then) == 4
    # A cell only one side has (a new month of interviews) counts from 0.
    assert differencing.changed_places(then | {("all", "c"): (6, 1)}, then) == 6


def test_the_basis_survives_its_json():
    basis = {"province": differencing.TableBasis(3, "2026-11-26", {("all", "jilin"): (60, 123)})}
    stored = json.loads(json.dumps(differencing.basis_as_json(basis)))
    assert differencing.basis_from_json(stored) == basis


# ---------------------------------------------------------------------------------------
# Through the service, against the database
# ---------------------------------------------------------------------------------------


def test_one_new_case_leaves_every_figure_of_the_next_release_as_it_was(data_admin, survey, team_a, cw_a):
    first = publish_release(by=data_admin, reason="november", today=TODAY)
    build_caseload([ChildSpec(province=Province.LIAONING, mother_status=MotherStatus.RAN_AWAY)], team=team_a, by=cw_a)
    second = publish_release(by=data_admin, reason="december", today=TODAY)
    assert figures(second) == figures(first)
    # Every figure repeats release 1, the tables the new child is not in (no interview)
    # too: one release is one audited export, never a mix of dates.
    assert all(r["repeats"] == [1, "2026-11-26"] for r in second.records)
    logged = AccessLog.objects.filter(object_type="aggregates_release").latest("pk")
    assert logged.detail["published"] == 2 and logged.detail["repeats"] == 1
    assert {"province", "mother_status", "age_band"} <= set(logged.detail["held_back_by"])
    assert "interviews_per_month" not in logged.detail["held_back_by"]


def test_a_closed_case_a_new_status_and_a_door_opened_change_nothing_published(data_admin, survey, cw_a):
    first = figures(publish_release(by=data_admin, reason="first", today=TODAY))
    closed, moved, opened = Child.objects.select_related("family__mother").order_by("pk")[:3]
    close_case(child=closed, by=cw_a, reason="moved away")
    mother = moved.family.mother
    status = MotherStatus.RAN_AWAY if mother.status != MotherStatus.RAN_AWAY else MotherStatus.PRESENT
    update_mother(child=moved, by=cw_a, values={"status": status}, expected_version=mother.version)
    door = opened.document_access.get(kind=DocumentKind.BANK)
    update_door(
        child=opened, by=cw_a, kind=DocumentKind.BANK, status=AccessStatus.HAS_ACCESS, expected_version=door.version
    )
    assert figures(publish_release(by=data_admin, reason="second", today=TODAY)) == first


def test_when_every_table_moved_enough_or_not_at_all_the_release_is_counted_afresh(data_admin, survey, team_a, cw_a):
    first = publish_release(by=data_admin, reason="first", today=TODAY)
    build_caseload(
        [ChildSpec(province=Province.HEILONGJIANG, doors={"bank": "has_access"})] * MIN, team=team_a, by=cw_a
    )
    second = publish_release(by=data_admin, reason="second", today=TODAY)
    assert not [r for r in second.records if r.get("repeats")]
    assert figures(second) != figures(first)
    assert AccessLog.objects.filter(object_type="aggregates_release").latest("pk").detail["repeats"] is None


def test_one_table_that_moved_too_little_holds_the_whole_release_back(data_admin, survey, team_a, cw_a):
    first = publish_release(by=data_admin, reason="first", today=TODAY)
    # Ten new children move every table of children by ten places; one interview moves the
    # interview tables by one.
    build_caseload([ChildSpec(province=Province.HEILONGJIANG)] * MIN, team=team_a, by=cw_a)
    record_interview(
        child=Child.objects.order_by("pk").first(), by=cw_a, held_on=TODAY, location_type="home", notes="visit"
    )
    second = publish_release(by=data_admin, reason="second", today=TODAY)
    assert figures(second) == figures(first)
    held_back_by = AccessLog.objects.filter(object_type="aggregates_release").latest("pk").detail["held_back_by"]
    assert held_back_by == ["interviews_per_month", "interviews_per_month_by_province"]


def test_a_repeated_figure_keeps_repeating_until_its_table_has_moved_enough_since_it_was_counted(
    data_admin, survey, team_a, cw_a, settings
):
    publish_release(by=data_admin, reason="first", today=TODAY)
    for number in range(2, 2 + MIN):
        build_caseload([ChildSpec(province=Province.LIAONING)], team=team_a, by=cw_a)
        release = publish_release(by=data_admin, reason=f"release {number}", today=TODAY)
        province = next(r for r in release.records if r["table"] == "province")
        if number < 1 + MIN:
            assert province["repeats"] == [1, "2026-11-26"], number
    # The tenth new child since release 1: the province table has moved in ten places.
    assert "repeats" not in province


def test_a_release_made_before_the_guard_has_no_basis_and_the_next_publishes_everything(data_admin, survey):
    first = publish_release(by=data_admin, reason="first", today=TODAY)
    second = AggregatesRelease(
        number=2,
        reason="old style",
        reference_date=TODAY,
        threshold=K,
        records=first.records,
    )
    second.save()
    third = publish_release(by=data_admin, reason="third", today=TODAY)
    assert not [r for r in third.records if r.get("repeats")]


def test_the_files_say_which_figures_repeat_an_earlier_release_and_why(client, data_admin, survey, team_a, cw_a):
    publish_release(by=data_admin, reason="first", today=TODAY)
    build_caseload([ChildSpec()], team=team_a, by=cw_a)
    publish_release(by=data_admin, reason="second", today=TODAY + datetime.timedelta(days=30))
    client.force_login(data_admin)
    rows = list(csv.DictReader(io.StringIO(client.get(reverse("aggregates:download", args=["csv"])).content.decode())))
    province = next(r for r in rows if r["table"] == "province")
    assert province["release"] == "2" and province["reference_date"] == "2026-11-26"
    assert "repeats release 1's (caseload counted on 2026-11-26)" in province["note"]
    data = json.loads(client.get(reverse("aggregates:download", args=["json"])).content)
    assert {tuple(sorted(d)) for d in data} == {tuple(sorted(aggregates.FIELDS + aggregates.RELEASE_FIELDS))}
    page = " ".join(client.get(reverse("aggregates:dashboard")).content.decode().split())
    assert "These figures repeat release 1 (caseload counted on 2026-11-26)" in page


def test_the_basis_never_leaves_the_database(client, data_admin, survey):
    release = publish_release(by=data_admin, reason="first", today=TODAY)
    assert release.basis["province"]["cells"]
    client.force_login(data_admin)
    answers = [
        client.get(reverse("aggregates:dashboard")),
        client.get(reverse("aggregates:releases")),
        client.get(reverse("aggregates:download", args=["csv"])),
        client.get(reverse("aggregates:download", args=["json"])),
    ]
    for answer in answers:
        text = answer.content.decode()
        assert answer.status_code == 200 and "basis" not in text.lower() and "\x1f" not in text
    assert "basis" not in {f.name for f in AggregatesRelease._meta.get_fields() if f.editable}


# ---------------------------------------------------------------------------------------
# Random caseloads and events
# ---------------------------------------------------------------------------------------


def release_pair(base, before, after, keys, target_key):
    """Two releases as `publish_release` makes them, around replacing `before` with `after`
    (lists of children) in a caseload of `base`."""
    out, previous, basis = [], [], {}
    for number, extra in enumerate((before, after), start=1):
        people = list(zip(base + extra, keys + [target_key] * len(extra), strict=True))
        layout = build_layout(rows_with_keys(people), TODAY)
        plan = differencing.plan(layout, basis, release=number, reference_date=f"{TODAY}", min_change=MIN)
        records = aggregates.release_records_from(layout, suppress(layout, K), K, plan, previous)
        out.append({(r.table, r.group, r.category): (r.count, r.suppressed) for r in records})
        previous, basis = records, plan.basis
    return out


EVENTS = ("opened", "closed", "mother", "birthday", "door", "province")


def event(target, kind, rng):
    if kind == "opened":
        return [], [target]
    if kind == "closed":
        return [target], []
    if kind == "mother":
        return [target], [with_mother(target, rng.choice([m for m in MotherStatus.values if m != target[1]]))]
    if kind == "birthday":
        return [target], [with_band(target, BANDS[(BANDS.index(target[4]) + 1) % len(BANDS)])]
    if kind == "door":
        doors = dict(target[5]) | {DocumentKind.BANK: AccessStatus.HAS_ACCESS}
        return [target], [(*target[:5], tuple(sorted(doors.items())))]
    other = rng.choice([p for p in Province.values if p != target[0]])
    return [target], [(other, *target[1:])]


@hypothesis_settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    size=st.integers(min_value=0, max_value=200),
    seed=st.integers(min_value=0, max_value=10**6),
    kind=st.sampled_from(EVENTS),
)
def test_one_event_in_any_caseload_leaves_the_attacker_nothing(size, seed, kind):
    rng = random.Random(seed)
    base = random_children(size, seed=seed)
    target = child(
        province=rng.choice(Province.values),
        mother=rng.choice(MotherStatus.values),
        hukou=rng.choice(HukouStatus.values),
        band=rng.choice(BANDS),
    )
    before, after = event(target, kind, rng)
    keys = [rng.randrange(RECORD_KEY_RANGE) for _ in base]
    first, second = release_pair(base, before, after, keys, rng.randrange(RECORD_KEY_RANGE))
    assert first == second
    counts = [{cell: count for cell, (count, _suppressed) in release.items()} for release in (first, second)]
    assert named_attributes(*counts) == set()
