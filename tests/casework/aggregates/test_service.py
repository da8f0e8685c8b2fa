"""casework.aggregates: what is counted, how it is suppressed, what never leaves."""

import datetime
import io
import json
from collections import Counter
from decimal import Decimal
from fractions import Fraction

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from casework.aggregates import export as aggregates
from casework.aggregates import perturbation
from casework.aggregates.export import Filters
from casework.aggregates.layout import ALL, build_layout
from casework.aggregates.queries import AGE_BANDS, grouped_counts
from casework.models import AggregatesRelease, ReferralStatus, ServiceKind
from children.models import AccessStatus, CaseStatus, DocumentKind, HukouStatus, LivingArrangement
from families.models import MotherStatus, Province
from tests import factories
from tests.casework.aggregates.data import SECRET_NAME, SECRET_VILLAGE, ChildSpec, build_caseload, survey_specs
from tests.profiles import examples

TODAY = datetime.date(2026, 11, 26)
K = 5


def by_key(records):
    return {(r.table, r.group, r.category): r for r in records}


@pytest.fixture
def survey(team_a, cw_a):
    return build_caseload(survey_specs(), team=team_a, by=cw_a)


def test_the_survey_figures_come_out_as_counts_and_shares(survey):
    cells = by_key(aggregates.compute(today=TODAY, perturb=False))
    both = cells[("living_arrangement", ALL, "both_parents")]
    repatriated = cells[("mother_status", ALL, "repatriated")]
    ran_away = cells[("mother_status", ALL, "ran_away")]
    assert (both.count, both.share, both.suppressed) == (15, Decimal("15.0"), False)
    assert (repatriated.count, repatriated.share) == (36, Decimal("36.0"))
    assert (ran_away.count, ran_away.share) == (31, Decimal("31.0"))


def test_services_come_out_by_kind_and_province_and_referrals_by_status(survey):
    cells = by_key(aggregates.compute(today=TODAY, perturb=False))
    assert cells[("service_kind", ALL, "school_fees")].count == 66
    assert cells[("service_kind", ALL, "medical_visit")].count == 33
    assert cells[("service_kind", ALL, "emergency_cash")].count == 0
    assert cells[("service_kind_by_province", "jilin", "school_fees")].count == 40
    assert cells[("service_kind_by_province", "jilin", "medical_visit")].count == 20
    assert cells[("referral_status", ALL, "sent")].count == 25
    assert cells[("referral_status", ALL, "done")].count == 25
    assert cells[("referral_status", ALL, "withdrawn")].count == 0


def test_every_choice_value_is_a_category_even_when_nobody_is_in_it(survey):
    records = aggregates.compute(today=TODAY)
    categories = {(r.table, r.category) for r in records if r.group == ALL}
    for table, values in (
        ("mother_status", MotherStatus.values),
        ("living_arrangement", LivingArrangement.values),
        ("hukou_status", HukouStatus.values),
        ("province", Province.values),
        ("age_band", AGE_BANDS),
        *((f"document_access_{kind}", AccessStatus.values) for kind in DocumentKind.values),
        ("service_kind", ServiceKind.values),
        ("referral_status", ReferralStatus.values),
    ):
        assert {(table, value) for value in values} <= categories
    mother_only = by_key(records)[("living_arrangement", ALL, "mother_only")]
    assert (mother_only.count, mother_only.share, mother_only.suppressed) == (0, Decimal("0.0"), False)


def test_a_mother_counts_once_per_child_and_a_missing_mother_counts_as_unknown(team_a, cw_a):
    specs = [ChildSpec(mother_status=MotherStatus.REPATRIATED)] * 6 + [ChildSpec(mother_status=None)] * 6
    build_caseload(specs, team=team_a, by=cw_a)
    cells = by_key(aggregates.compute(today=TODAY, perturb=False))
    assert cells[("mother_status", ALL, "repatriated")].count == 6
    assert cells[("mother_status", ALL, "unknown")].count == 6


def test_closed_cases_are_left_out_of_the_child_tables_but_their_interviews_count(team_a, cw_a):
    held = datetime.date(2026, 10, 5)
    specs = [ChildSpec(interviews=(held,))] * 6 + [ChildSpec(case_status=CaseStatus.CLOSED, interviews=(held,))] * 5
    build_caseload(specs, team=team_a, by=cw_a)
    cells = by_key(aggregates.compute(today=TODAY, perturb=False))
    assert cells[("province", ALL, "jilin")].count == 6
    assert cells[("document_access_bank", ALL, "no_access")].count == 6
    assert cells[("interviews_per_month", ALL, "2026-10")].count == 11


def test_age_bands_turn_over_on_the_birthday_and_no_date_of_birth_is_its_own_band(team_a, cw_a):
    specs = (
        [ChildSpec(date_of_birth=datetime.date(2020, 11, 27))] * 5  # 5 until tomorrow
        + [ChildSpec(date_of_birth=datetime.date(2020, 11, 26))] * 6  # 6 today
        + [ChildSpec(date_of_birth=datetime.date(2008, 11, 26))] * 7  # 18 today
        + [ChildSpec(date_of_birth=None)] * 8
    )
    build_caseload(specs, team=team_a, by=cw_a)
    cells = by_key(aggregates.compute(today=TODAY, perturb=False))
    assert [cells[("age_band", ALL, band)].count for band in AGE_BANDS] == [5, 6, 0, 7, 8]


def test_interview_months_run_to_this_month_with_empty_months_as_zero(team_a, cw_a):
    build_caseload([ChildSpec(interviews=(datetime.date(2025, 1, 15),) * 6)], team=team_a, by=cw_a)
    months = [r.category for r in aggregates.compute(today=TODAY) if r.table == "interviews_per_month"]
    assert months[0] == "2025-01" and months[-1] == "2026-11" and len(months) == 23


def test_the_computation_takes_six_queries_whatever_the_caseload(team_a, cw_a, django_assert_num_queries):
    """Children, doors, interviews, services, referrals and doors opened: one grouped query each."""
    build_caseload(survey_specs()[:10], team=team_a, by=cw_a)
    with django_assert_num_queries(6):
        aggregates.compute(today=TODAY)
    build_caseload(survey_specs(), team=team_a, by=cw_a)
    build_caseload([ChildSpec(opened=(DocumentKind.EDUCATION, DocumentKind.BANK))] * 30, team=team_a, by=cw_a)
    with django_assert_num_queries(6):
        aggregates.compute(today=TODAY)


def opened_counts(today=TODAY):
    return {r.category: r.count for r in aggregates.compute(today=today, perturb=False) if r.table == "doors_opened"}


def test_doors_opened_counts_children_whose_door_went_from_shut_to_open_in_the_period(team_a, cw_a):
    build_caseload(
        [ChildSpec(opened=(DocumentKind.EDUCATION,))] * 7
        + [ChildSpec(opened=(DocumentKind.EDUCATION, DocumentKind.MEDICAL))] * 5
        # Open from the start (no earlier row), or opened before the period: not counted.
        + [ChildSpec(doors={DocumentKind.BANK: AccessStatus.HAS_ACCESS})] * 6
        + [ChildSpec(opened=(DocumentKind.BANK,), opened_at=datetime.datetime(2025, 11, 26, 12, tzinfo=datetime.UTC))]
        * 6
        # Closed cases count too: the door opened.
        + [ChildSpec(opened=(DocumentKind.MARRIAGE,), case_status=CaseStatus.CLOSED)] * 5,
        team=team_a,
        by=cw_a,
    )
    assert opened_counts() == {"education": 12, "medical": 5, "marriage": 5, "bank": 0}
    # A year and a day later the period has moved past them all.
    assert set(opened_counts(datetime.date(2027, 6, 2)).values()) == {0}


def test_a_door_that_went_through_in_progress_counts_one_that_was_not_applicable_does_not(team_a, cw_a):
    from children.services import update_door

    children = build_caseload([ChildSpec()] * 10, team=team_a, by=cw_a)
    for i, child in enumerate(children):
        door = child.document_access.get(kind=DocumentKind.EDUCATION)
        steps = (
            [AccessStatus.IN_PROGRESS, AccessStatus.HAS_ACCESS]
            if i < 5
            else [AccessStatus.NOT_APPLICABLE, AccessStatus.HAS_ACCESS]
        )
        for status in steps:
            door = update_door(
                child=child,
                kind=DocumentKind.EDUCATION,
                by=cw_a,
                status=status,
                expected_version=door.version,
            )
    today = timezone.localdate()
    assert opened_counts(today)["education"] == 5
    # Opening twice counts the child once.
    for child in children[:5]:
        door = child.document_access.get(kind=DocumentKind.EDUCATION)
        for status in (AccessStatus.NO_ACCESS, AccessStatus.HAS_ACCESS):
            door = update_door(
                child=child,
                kind=DocumentKind.EDUCATION,
                by=cw_a,
                status=status,
                expected_version=door.version,
            )
    assert opened_counts(today)["education"] == 5


def test_a_single_door_opened_is_suppressed_with_a_complement(team_a, cw_a):
    build_caseload(
        [ChildSpec(opened=(DocumentKind.EDUCATION,))] * 9 + [ChildSpec(opened=(DocumentKind.MEDICAL,))],
        team=team_a,
        by=cw_a,
    )
    records = {r.category: r for r in aggregates.compute(today=TODAY) if r.table == "doors_opened"}
    assert records["medical"].suppressed and records["education"].suppressed
    assert not records["bank"].suppressed and records["bank"].count == 0


def unsaved_release(**values):
    return AggregatesRelease(
        **{"number": 3, "reference_date": TODAY, "threshold": K, "perturbation_bound": 2}
        | {"perturbation_variance": Decimal("1.2")}
        | values
    )


def test_no_name_case_number_uuid_date_of_birth_or_village_leaves_in_an_export(survey):
    records = aggregates.compute(today=TODAY)
    text = io.StringIO()
    aggregates.write_csv(records, text, unsaved_release())
    aggregates.write_json(records, text, unsaved_release())
    exported = text.getvalue()
    for child in survey:
        assert str(child.pk) not in exported
        assert child.case_number not in exported
        assert child.date_of_birth.isoformat() not in exported
    assert SECRET_NAME not in exported and SECRET_VILLAGE not in exported and "Longjing" not in exported


def test_a_small_province_is_suppressed_with_a_complement_and_hidden_in_every_cross_tab(team_a, cw_a):
    specs = [ChildSpec(province=Province.OTHER)] * 3 + [ChildSpec(province=Province.LIAONING)] * 9
    specs += [ChildSpec(province=Province.JILIN)] * 40
    build_caseload(specs, team=team_a, by=cw_a)
    records = aggregates.compute(today=TODAY, perturb=False)
    cells = by_key(records)
    assert cells[("province", ALL, "other")].suppressed and cells[("province", ALL, "liaoning")].suppressed
    assert cells[("province", ALL, "jilin")].count == 40
    child_tables = [r for r in records if r.table.endswith("_by_province") and not r.table.startswith("interviews")]
    assert all(r.suppressed for r in child_tables if r.group == "other")


# ---------------------------------------------------------------------------------------
# Properties over random caseloads
# ---------------------------------------------------------------------------------------

child_strategy = st.builds(
    ChildSpec,
    province=st.sampled_from([Province.JILIN, Province.LIAONING, Province.OTHER]),
    mother_status=st.sampled_from([MotherStatus.PRESENT, MotherStatus.REPATRIATED, MotherStatus.RAN_AWAY, None]),
    living_arrangement=st.sampled_from([LivingArrangement.BOTH_PARENTS, LivingArrangement.GRANDPARENTS]),
    hukou_status=st.sampled_from(HukouStatus.values),
    date_of_birth=st.sampled_from([datetime.date(2022, 5, 1), datetime.date(2012, 5, 1), None]),
    case_status=st.sampled_from([CaseStatus.OPEN, CaseStatus.OPEN, CaseStatus.CLOSED]),
    doors=st.fixed_dictionaries(
        {DocumentKind.EDUCATION: st.sampled_from([AccessStatus.HAS_ACCESS, AccessStatus.NO_ACCESS])}
    ),
    interviews=st.lists(st.sampled_from([datetime.date(2026, 9, 1), datetime.date(2026, 10, 1)]), max_size=2).map(
        tuple
    ),
    # Doors opened in the period (the doors_opened table).
    opened=st.lists(st.sampled_from([DocumentKind.MEDICAL, DocumentKind.BANK]), max_size=2, unique=True).map(tuple),
)


def published_equations(records):
    """The attacker's view, rebuilt from the export alone: each group adds up to its total
    (taken as known), each cross-tab column to its one-way cell, and the group totals of the
    child cross-tabs are the cells of `province` and `age_band`."""
    groups: dict[tuple[str, str], list] = {}
    for record in records:
        groups.setdefault((record.table, record.group), []).append((record.table, record.group, record.category))
    equations = []  # (cells, total cell or None when the total is a known number)
    for (table, group), members in groups.items():
        size = None
        if table.endswith("_by_province") and not table.startswith("interviews"):
            size = ("province", ALL, group)
        elif table.endswith("_by_age_band"):
            size = ("age_band", ALL, group)
        equations.append((members, size))
    columns: dict[tuple[str, str], list] = {}
    for record in records:
        for by in ("_by_province", "_by_age_band"):
            if record.table.endswith(by):
                margin = (record.table.removesuffix(by), ALL, record.category)
                columns.setdefault((record.table, margin), []).append((record.table, record.group, record.category))
    equations += [(members, margin) for (_table, margin), members in columns.items()]
    return by_key(records), equations


def solvable_cells(records) -> set:
    """Suppressed cells whose value follows from the published figures (exact elimination
    over the rationals, written independently of the module's own check)."""
    cells, equations = published_equations(records)
    unknowns = sorted(key for key, r in cells.items() if r.suppressed)
    index = {key: i for i, key in enumerate(unknowns)}
    rows = []
    for members, total in equations:
        row = [Fraction(0)] * len(unknowns)
        for key in members:
            if key in index:
                row[index[key]] += 1
        if total is not None and total in index:
            row[index[total]] -= 1
        if any(row):
            rows.append(row)
    # Reduced row echelon form; a unit row means that unknown is determined.
    pivot_row = 0
    for col in range(len(unknowns)):
        found = next((r for r in range(pivot_row, len(rows)) if rows[r][col] != 0), None)
        if found is None:
            continue
        rows[pivot_row], rows[found] = rows[found], rows[pivot_row]
        lead = rows[pivot_row][col]
        rows[pivot_row] = [v / lead for v in rows[pivot_row]]
        for r in range(len(rows)):
            if r != pivot_row and rows[r][col] != 0:
                factor = rows[r][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[pivot_row], strict=True)]
        pivot_row += 1
    return {unknowns[row.index(1)] for row in rows[:pivot_row] if sum(1 for v in row if v != 0) == 1}


class TestRandomCaseloads(HypothesisTestCase):
    @settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(specs=st.lists(child_strategy, max_size=40))
    def test_what_is_published_is_safe_consistent_and_shared_by_every_filtered_view(self, specs):
        team = factories.TeamFactory(name="Team R")
        by = factories.caseworker(team, username="cw_r")
        build_caseload(specs, team=team, by=by)
        records = aggregates.compute(today=TODAY)
        layout = build_layout(grouped_counts(TODAY), TODAY)
        group_totals = Counter()
        for (table, group, _category), n in layout.counts.items():
            group_totals[(table, group)] += n

        # No published count is small; no table and group has exactly one suppressed cell.
        assert not [r for r in records if not r.suppressed and 0 < r.count < K]
        suppressed_per_group = Counter((r.table, r.group) for r in records if r.suppressed)
        assert 1 not in suppressed_per_group.values()
        # Published counts are the true counts perturbed by their cell keys, within the
        # bound, never small, with their share of the group's published total.
        for r in records:
            if r.suppressed:
                assert r.count is None and r.share is None
                continue
            cell = (r.table, r.group, r.category)
            true = layout.counts[cell]
            assert r.count == perturbation.perturbed(true, layout.keys[cell], K)
            assert abs(r.count - true) <= perturbation.BOUND and not 0 < r.count < K
            total, key = layout.total(r.table, r.group)
            published_total = perturbation.perturbed(total, key, K)
            assert r.share == (None if not total else aggregates._share(r.count, published_total))
        # Nothing suppressed and non-zero can be solved for (over the rationals).
        assert not [key for key in solvable_cells(records) if layout.counts[key]]
        # Any filtered view is a subset of the unfiltered export: nothing to subtract.
        everything = set(records)
        for province in Province.values:
            for year in (None, 2026):
                assert set(aggregates.select(records, Filters(province=province, year=year))) <= everything


def test_csv_and_json_carry_the_same_records(survey):
    records = aggregates.compute(today=TODAY)
    csv_text, json_text = io.StringIO(), io.StringIO()
    aggregates.write_csv(records, csv_text, unsaved_release())
    aggregates.write_json(records, json_text, unsaved_release())
    import csv

    rows = list(csv.DictReader(io.StringIO(csv_text.getvalue())))
    objects = json.loads(json_text.getvalue())
    assert list(rows[0]) == list(aggregates.FIELDS + aggregates.RELEASE_FIELDS) == list(objects[0])
    assert len(rows) == len(objects) == len(records)
    for row, obj in zip(rows, objects, strict=True):
        assert row["table"] == obj["table"] and row["group"] == obj["group"] and row["category"] == obj["category"]
        assert row["suppressed"] == ("true" if obj["suppressed"] else "false")
        assert row["count"] == ("" if obj["count"] is None else str(obj["count"]))
        assert row["share"] == ("" if obj["share"] is None else f"{obj['share']:.1f}")


def test_a_csv_cell_that_could_start_a_spreadsheet_formula_is_defused_and_quoted():
    records = [aggregates.Record('=HYPERLINK("x")', ALL, "-1+1", 7, Decimal("7.0"), False)]
    text = io.StringIO()
    aggregates.write_csv(records, text, unsaved_release())
    assert (
        text.getvalue().splitlines()[1].startswith('"\'=HYPERLINK(""x"")",all,\'-1+1,7,7.0,false,3,2026-11-26,5,2,1.2,')
    )
