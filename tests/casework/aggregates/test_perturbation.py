"""Cell-key perturbation: the published table, consistency, and releases compared over time.

The attacker of the release-pair tests (issue 13, "protection between releases"):

    She holds two releases published around one known event in a child's case (the case
    opened, closed, the mother's status changed, a birthday), the published perturbation
    table and its bound, and the table structure. She does not hold any record key or
    cell key. She knows that a cell keeps its figure as long as its children stay the
    same (the method is published), and that the event is the only change between the two
    releases. For every cell published in both, she asks whether the observed difference
    is consistent with "the child entered or left this cell" and with "it did not"; she
    names an attribute value when a cell whose figure moved carries it.

Against cell keys alone she wins: a cell without the child keeps its figure exactly, so any
cell whose figure changed names the child's category (`named_attributes`; the tests
"without the guard" measure how much she learns). What defeats her is the guard of
`casework.aggregates.differencing`: while some table has changed in fewer than
`AGGREGATES_MIN_TABLE_CHANGE` places since the previous release, a new release repeats all
its figures, so two releases around one event are identical in every figure
(`test_no_attribute_of_the_child_can_be_named_with_certainty`).
"""

import datetime
import random
from collections import Counter
from decimal import Decimal
from statistics import mean

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.aggregates import differencing, perturbation
from casework.aggregates import export as aggregates
from casework.aggregates.layout import ALL, build_layout
from casework.aggregates.services import publish_release
from casework.aggregates.suppression import suppress
from casework.transfers.services import propose_transfer
from children.models import RECORD_KEY_RANGE, AccessStatus, Child, DocumentKind, HukouStatus, LivingArrangement
from families.models import MotherStatus, Province
from tests import factories
from tests.casework.aggregates.data import ChildSpec, build_caseload, survey_specs
from tests.casework.aggregates.test_disclosure_audit import child, random_children

K = 5
MIN_TABLE_CHANGE = 10
TODAY = datetime.date(2026, 11, 26)


# ---------------------------------------------------------------------------------------
# The published table
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("threshold", [3, 5, 10])
def test_every_row_is_bounded_has_zero_mean_and_never_publishes_a_small_count(threshold):
    for count in [0, *range(threshold, threshold + 12)]:
        row = perturbation.row(count, threshold)
        assert sum(row.values()) == RECORD_KEY_RANGE
        assert sum(change * width for change, width in row.items()) == 0
        assert all(abs(change) <= perturbation.BOUND for change in row)
        variance = Decimal(sum(change * change * width for change, width in row.items())) / RECORD_KEY_RANGE
        assert variance <= perturbation.VARIANCE
        published = {perturbation.perturbed(count, key, threshold) for key in range(RECORD_KEY_RANGE)}
        assert not {p for p in published if 0 < p < threshold}
    assert perturbation.row(100, threshold) == perturbation.FULL_ROW
    full = perturbation.FULL_ROW
    assert Decimal(sum(c * c * w for c, w in full.items())) / RECORD_KEY_RANGE == perturbation.VARIANCE


def test_a_zero_stays_zero_and_a_small_count_is_never_perturbed():
    assert {perturbation.perturbed(0, key, K) for key in range(RECORD_KEY_RANGE)} == {0}
    with pytest.raises(ValueError):
        perturbation.perturbed(3, 17, K)


def test_the_adjustment_depends_on_the_count_and_cell_key_only():
    assert [perturbation.adjustment(40, key, K) for key in (0, 99, 100, 299, 300, 699, 700, 899, 900, 999)] == [
        -2,
        -2,
        -1,
        -1,
        0,
        0,
        1,
        1,
        2,
        2,
    ]
    assert perturbation.adjustment(40, 1234, K) == perturbation.adjustment(40, 234, K)


def test_what_an_outsider_can_tell_of_a_published_count_is_a_range_within_the_bound():
    for published in range(K, 40):
        possible = perturbation.possible_counts(published, K)
        assert possible == list(range(possible[0], possible[-1] + 1))
        assert published in possible and all(abs(n - published) <= perturbation.BOUND for n in possible)
        for n in possible:
            assert any(perturbation.perturbed(n, key, K) == published for key in range(RECORD_KEY_RANGE))
    assert perturbation.possible_counts(0, K) == [0]
    assert perturbation.possible_counts(K, K) == [K, K + 1, K + 2]


# ---------------------------------------------------------------------------------------
# Releases of the database's caseload
# ---------------------------------------------------------------------------------------


@pytest.fixture
def survey(team_a, cw_a):
    return build_caseload(survey_specs(), team=team_a, by=cw_a)


def by_key(records):
    return {(r["table"], r["group"], r["category"]): r for r in records}


def test_the_survey_figures_stay_within_the_published_bound(data_admin, survey):
    release = publish_release(by=data_admin, reason="monthly", now=timezone.make_aware(datetime.datetime(2026, 11, 20)))
    cells = by_key(release.records)
    bound = release.perturbation_bound
    for key, true in (
        (("living_arrangement", ALL, "both_parents"), 15),
        (("mother_status", ALL, "repatriated"), 36),
        (("mother_status", ALL, "ran_away"), 31),
    ):
        record = cells[key]
        assert not record["suppressed"] and abs(record["count"] - true) <= bound
        # The share is the published count over the published total (100, within the bound).
        low, high = (true - bound) * 100 / (100 + bound), (true + bound) * 100 / (100 - bound)
        assert low - 0.05 <= record["share"] <= high + 0.05


def test_identical_caseloads_give_identical_releases(data_admin, survey, settings):
    settings.AGGREGATES_RELEASES_PER_MONTH = 0
    first = publish_release(by=data_admin, reason="first", today=TODAY)
    second = publish_release(by=data_admin, reason="second", today=TODAY)
    # Nothing changed, so the second is counted afresh (casework.aggregates.differencing),
    # and the same children give the same figures.
    assert first.records == second.records
    # Published over and over, a figure does not average out: it is the same every time.
    assert any(r["count"] for r in first.records)


def test_the_same_children_give_the_same_figure_in_every_table(data_admin, survey):
    cells = by_key(publish_release(by=data_admin, reason="monthly", today=TODAY).records)
    # Every child has one door of each kind, so each door table counts the same children
    # as the province table in every province: same cell key, same count, same figure.
    for province in Province.values:
        sized = cells[("province", ALL, province)]
        for kind in DocumentKind.values:
            group = [r for key, r in cells.items() if key[:2] == (f"document_access_{kind}_by_province", province)]
            published = [r for r in group if not r["suppressed"]]
            if sized["suppressed"] or not published:
                continue
            share = published[0]
            if share["count"]:
                assert abs(share["count"] * 100 / sized["count"] - share["share"]) <= 0.05


def test_the_record_key_never_reaches_a_page_a_form_the_history_or_an_export(client, data_admin, cw_a, sup_a):
    child = factories.open_case_for(cw_a)
    client.force_login(sup_a)
    for url in (reverse("supervision:timeline"), reverse("supervision:case-history", args=[child.pk])):
        response = client.get(url)
        assert response.status_code == 200
        assert "record_key" not in response.content.decode() and "record key" not in response.content.decode()
    assert "record_key" not in {f.name for f in child.history.model._meta.get_fields()}
    assert not Child._meta.get_field("record_key").editable
    release = publish_release(by=data_admin, reason="monthly", today=TODAY)
    assert not [name for name in [*release.records[0], *aggregates.RELEASE_FIELDS] if "key" in name]
    client.force_login(cw_a)
    response = client.get(child.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert "record_key" not in page and "record key" not in page.lower()


def test_the_pages_never_read_the_record_key_out_of_the_database(client, cw_a, sup_a):
    """Not even into the application's memory: the case list, the case page and the
    supervisor's pages select every other column of a child, and the aggregates read the
    key only as a SUM in SQL (children.models.ChildManager)."""
    child = factories.open_case_for(cw_a)
    # A transfer of another case waiting on the team page, and its page.
    team_b = factories.TeamFactory(name="Team B")
    factories.supervisor(team_b, username="sup_b")
    transfer = propose_transfer(child=factories.open_case_for(cw_a), to_team=team_b, by=sup_a, reason="Moved")
    pages = [
        (sup_a, reverse("transfers:detail", args=[transfer.pk])),
        (sup_a, reverse("supervision:caseload")),
        (cw_a, reverse("children:list")),
        (cw_a, reverse("children:list") + "?q=" + child.case_number),
        (cw_a, child.get_absolute_url()),
        (sup_a, reverse("supervision:team")),
        (sup_a, reverse("supervision:timeline")),
    ]
    for user, url in pages:
        client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        read = [q["sql"] for q in captured.captured_queries if "record_key" in q["sql"]]
        assert read == [], (url, read)


def test_the_dashboard_and_the_exports_say_what_a_figure_means(client, data_admin, survey):
    publish_release(by=data_admin, reason="monthly", today=TODAY)
    client.force_login(data_admin)
    page = " ".join(client.get("/aggregates/").content.decode().split())
    assert "by at most 2 (variance 1.2)" in page and "may therefore not add up exactly" in page
    assert "Counts below 5" in page and "counted on" in page
    csv_text = client.get("/aggregates/export.csv").content.decode()
    assert "Counts are perturbed by at most 2 (variance 1.2)" in csv_text
    assert "totals may not add up exactly" in csv_text and "caseload counted on 2026-11-26" in csv_text


def test_a_release_pair_differs_only_in_cells_whose_children_changed(data_admin, survey, team_a, cw_a, settings):
    settings.AGGREGATES_RELEASES_PER_MONTH = 0
    before = by_key(publish_release(by=data_admin, reason="before", today=TODAY).records)
    # Enough new children that every table they touch is published afresh (differencing).
    new = ChildSpec(province=Province.LIAONING, mother_status=MotherStatus.RAN_AWAY)
    build_caseload([new] * settings.AGGREGATES_MIN_TABLE_CHANGE, team=team_a, by=cw_a)
    after = by_key(publish_release(by=data_admin, reason="after", today=TODAY).records)
    assert not any(r.get("repeats") for r in after.values())
    changed = {
        key
        for key in before
        if not before[key]["suppressed"]
        and not after[key]["suppressed"]
        and before[key]["count"] != after[key]["count"]
    }
    # The new children are in Liaoning, ran away, father only, unregistered, 6 to 11, no
    # access to any door, no interview: only the counts of cells with those values can change.
    allowed = {Province.LIAONING, MotherStatus.RAN_AWAY, LivingArrangement.FATHER_ONLY}
    allowed |= {HukouStatus.UNREGISTERED, "6-11", AccessStatus.NO_ACCESS, ALL}
    assert changed
    assert all(group in allowed and category in allowed for _table, group, category in changed)


# ---------------------------------------------------------------------------------------
# Releases over time: the attacker of the module docstring, on many draws of the keys
# ---------------------------------------------------------------------------------------

BASE = random_children(100, seed=41)
TARGET = child(
    province=Province.LIAONING,
    mother=MotherStatus.REPATRIATED,
    living=LivingArrangement.GRANDPARENTS,
    hukou=HukouStatus.IN_PROGRESS,
    band="0-5",
    doors={DocumentKind.EDUCATION: AccessStatus.HAS_ACCESS},
)


def rows_with_keys(people):
    """The grouped rows of `queries.grouped_counts` for (child, record key) pairs."""
    counted, keys = Counter(), Counter()
    doors, door_keys = Counter(), Counter()
    for c, key in people:
        counted[c[:5]] += 1
        keys[c[:5]] += key
        for kind, status in c[5]:
            doors[(kind, status, c[0], c[4])] += 1
            door_keys[(kind, status, c[0], c[4])] += key
    columns = ("province", "mother_status", "living_arrangement", "hukou_status", "age_band")
    return {
        "children": [dict(zip(columns, g, strict=True)) | {"n": n, "key": keys[g]} for g, n in counted.items()],
        "doors": [
            {"kind": k, "status": s, "province": p, "age_band": b, "n": n, "key": door_keys[(k, s, p, b)]}
            for (k, s, p, b), n in doors.items()
        ],
        "interviews": [],
    }


def with_band(c, band):
    return (*c[:4], band, c[5])


def with_mother(c, mother):
    return (c[0], mother, *c[2:])


SCENARIOS = {
    "case opened": ([], [TARGET]),
    "case closed": ([TARGET], []),
    "mother's status changed": ([TARGET], [with_mother(TARGET, MotherStatus.RAN_AWAY)]),
    "birthday into the next age band": ([TARGET], [with_band(TARGET, "6-11")]),
}
ATTRIBUTES = ("province", "mother_status", "living_arrangement", "hukou_status", "age_band") + tuple(
    f"document_access_{kind}" for kind in DocumentKind.values
)


class Pair:
    """Two layouts around one scenario, suppressed once (suppression does not depend on the
    keys), published with any draw of the keys."""

    def __init__(self, scenario):
        before, after = SCENARIOS[scenario]
        self.people = (BASE + before, BASE + after)
        self.layouts, self.suppressed = [], []
        for people in self.people:
            layout = build_layout(rows_with_keys([(c, 0) for c in people]), TODAY)
            self.layouts.append(layout)
            self.suppressed.append(suppress(layout, K))

    def releases(self, rng, perturb=True, guard=False):
        """The two releases' figures; `guard`: published as `publish_release` does, the
        second planned against the first's basis (`differencing`)."""
        base_keys = [rng.randrange(RECORD_KEY_RANGE) for _ in BASE]
        target_key = rng.randrange(RECORD_KEY_RANGE)
        out, previous, basis = [], [], {}
        for number, (people, suppressed) in enumerate(zip(self.people, self.suppressed, strict=True), start=1):
            keys = base_keys + [target_key] * (len(people) - len(BASE))
            layout = build_layout(rows_with_keys(list(zip(people, keys, strict=True))), TODAY)
            if guard:
                plan = differencing.plan(
                    layout, basis, release=number, reference_date=f"{TODAY}", min_change=MIN_TABLE_CHANGE
                )
                records = aggregates.release_records_from(layout, suppressed, K, plan, previous, perturb=perturb)
                previous, basis = records, plan.basis
            else:
                records = aggregates.records_from(layout, suppressed, K, perturb=perturb)
            out.append({(r.table, r.group, r.category): r.count for r in records})
        return out


def named_attributes(before, after):
    """What the attacker names with certainty: every cell published in both releases whose
    figure changed holds the child (in one release or the other), so its table's
    attribute has the cell's category and its cross-tab's attribute the cell's group."""
    named = set()
    for (table, group, category), count in before.items():
        if count is None or after.get((table, group, category)) is None or count == after[(table, group, category)]:
            continue
        margin, _, by = table.partition("_by_")
        if margin in ATTRIBUTES:
            named.add((margin, category))
        if by:
            named.add((by, group))
    return named


def difference_is_consistent(delta, in_cell):
    """'In': the child entered or left the cell, whose new cell key gives any adjustment
    of the table (a difference from -1-2D to 1+2D). 'Not': the same children, the same
    figure."""
    if in_cell:
        return abs(delta) <= 1 + 2 * perturbation.BOUND
    return delta == 0


@pytest.fixture(scope="module")
def pairs():
    return {scenario: Pair(scenario) for scenario in SCENARIOS}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_without_the_guard_or_perturbation_one_change_names_every_published_attribute(pairs, scenario):
    before, after = pairs[scenario].releases(random.Random(1), perturb=False)
    named = named_attributes(before, after)
    attributes = {attribute for attribute, _value in named}
    if scenario.startswith("case"):  # every published cell of the child moved by one
        assert {"province", "mother_status", "living_arrangement", "hukou_status", "age_band"} <= attributes
    elif scenario.startswith("mother"):  # her old and new status both show
        assert {("mother_status", MotherStatus.REPATRIATED), ("mother_status", MotherStatus.RAN_AWAY)} <= named
    else:  # the old and the new age band, and the province and doors of their cross-tabs
        assert {("age_band", "0-5"), ("age_band", "6-11")} <= named


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_without_the_guard_a_cell_of_the_child_often_keeps_its_figure_and_then_says_nothing(pairs, scenario):
    """The noise hides the size of a change: over 200 draws of the keys, a cell the child
    entered or left keeps its figure about one time in five, and every observed difference
    stays within what the published table allows."""
    rng = random.Random(2)
    kept, touched = 0, 0
    truth_before, truth_after = pairs[scenario].releases(random.Random(0), perturb=False)
    for _draw in range(200):
        before, after = pairs[scenario].releases(rng)
        for key, count in before.items():
            if count is None or after.get(key) is None or truth_before[key] == truth_after[key]:
                continue
            touched += 1
            delta = after[key] - count
            assert difference_is_consistent(delta, in_cell=True)
            kept += delta == 0
    assert touched and 0.1 < kept / touched < 0.35


def measured(pairs, draws=200):
    """Mean number of the child's attribute values the attacker names, with and without
    perturbation, per scenario."""
    out = {}
    for scenario, pair in pairs.items():
        rng = random.Random(3)
        exact = len(named_attributes(*pair.releases(rng, perturb=False)))
        noisy = mean(len(named_attributes(*pair.releases(rng))) for _ in range(draws))
        out[scenario] = (exact, noisy)
    return out


def test_without_the_guard_perturbation_names_fewer_attributes_than_exact_counts_but_not_none(pairs):
    for scenario, (exact, noisy) in measured(pairs).items():
        assert noisy < exact, scenario
        assert noisy > 0, scenario  # what the method cannot hide (module docstring)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_no_attribute_of_the_child_can_be_named_with_certainty(pairs, scenario):
    """Issue 13's acceptance: with the guard, the releases around the event are identical
    in every figure, so every difference is 0, consistent with "in" and "not" alike, and
    she names nothing, whatever the keys."""
    rng = random.Random(4)
    for _draw in range(20):
        before, after = pairs[scenario].releases(rng, guard=True)
        assert before == after
        assert named_attributes(before, after) == set()
        for key, count in before.items():
            if count is None or after.get(key) is None:
                continue
            delta = after[key] - count
            assert difference_is_consistent(delta, in_cell=True) and difference_is_consistent(delta, in_cell=False)
