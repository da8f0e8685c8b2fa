"""IN-6: no request of any shape gives a 500, and a refused form changes nothing.

Hypothesis sends every form hostile values: unknown choices, overlong and odd Unicode
text, NUL bytes, impossible dates and years, tampered versions, ids and tokens."""

import datetime
import uuid

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.models import Interview, Partner, PlanGoal, Referral, Service
from casework.plans import services as plan_services
from children.models import Child, DocumentAccess
from families.models import Family, Father, Mother
from tests.profiles import examples

# 25 examples a test under the ci Hypothesis profile, fewer under dev (tests/conftest.py).
FUZZ = settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=90, max_size=120),
    st.sampled_from(
        [
            "",
            "\x00",
            "a\x00b",
            "' OR 1=1--",
            "<script>alert(1)</script>",
            "{{ 7*7 }}",
            '=HYPERLINK("x")',
            "２０２０-01-01",
            "9999-99-99",
            "1899-12-31",
            "2999-01-01",
            "-1",
            "0",
            "99999999999999999999",
            "1e5",
            "on",
            "unknown",
            "NaN",
            str(uuid.uuid4()),
            "\u202eevil",
            "ｋｉｍ",
            " " * 5,
            "x" * 10001,
        ]
    ),
    st.dates(min_value=datetime.date(1, 1, 1)).map(lambda d: d.isoformat()),
    st.integers().map(str),
)


def fuzzed(base: dict):
    """The valid form with any subset of its fields replaced by hostile values, plus junk keys."""
    keys = sorted(base)
    return st.fixed_dictionaries(
        {},
        optional={key: hostile_text for key in keys} | {"junk": hostile_text, "child": hostile_text},
    ).map(lambda changed: {**base, **changed})


def counts():
    return tuple(
        model.history.count() + model.objects.count()
        for model in (Child, DocumentAccess, Family, Mother, Father, Interview, Partner, PlanGoal, Service, Referral)
    )


def check(response, before):
    assert response.status_code in (200, 302, 404, 409, 422), response.status_code
    if response.status_code in (200, 404, 409, 422):
        assert counts() == before, "a refused form changed data"


def interview_base(child):
    base = {
        "interview-held_on": "2026-01-05",
        "interview-location_type": "home",
        "interview-risk_level": "low",
        "interview-submission_token": str(uuid.uuid4()),
        "mother-status": "present",
        "initial-mother-status": "repatriated",
        "mother-whereabouts": "china",
        "initial-mother-whereabouts": "north_korea",
        "mother-version": "1",
    }
    for kind in ("education", "medical", "marriage", "bank"):
        base |= {f"door-{kind}-status": "in_progress", f"initial-door-{kind}-status": "no_access"}
        base |= {f"door-{kind}-version": "1", f"door-{kind}-barrier": "cost", f"door-{kind}-note": "n"}
    return base


def untouched_interview_form(child):
    """The mother and the doors as the form shows them, unchanged."""
    mother = child.family.mother
    data = {"mother-version": mother.version}
    for name in ("status", "whereabouts"):
        data[f"mother-{name}"] = data[f"initial-mother-{name}"] = getattr(mother, name)
    for door in DocumentAccess.objects.filter(child=child):
        for name in ("status", "barrier", "note"):
            data[f"door-{door.kind}-{name}"] = data[f"initial-door-{door.kind}-{name}"] = getattr(door, name)
        data[f"door-{door.kind}-version"] = door.version
    return data


@pytest.fixture
def logged_in(client, cw_a, case_a):
    client.force_login(cw_a)
    return client, case_a


@FUZZ
@given(data=st.data())
def test_interview_form_never_fails(logged_in, data):
    client, child = logged_in
    payload = data.draw(fuzzed(interview_base(child)))
    payload["interview-submission_token"] = str(uuid.uuid4())  # a fresh form each time
    before = counts()
    check(client.post(reverse("interviews:new", args=[child.pk]), payload), before)


CHILD_BASE = {
    "child-given_name": "A",
    "child-family_name": "B",
    "child-date_of_birth": "2015-01-01",
    "child-sex": "male",
    "child-living_arrangement": "relatives",
    "child-hukou_status": "unregistered",
    "child-version": "1",
}
MOTHER_BASE = {
    "mother-status": "ran_away",
    "mother-whereabouts": "south_korea",
    "mother-birth_year": "1985",
    "mother-arrived_china_year": "2005",
    "mother-version": "1",
}


@FUZZ
@given(data=st.data())
def test_section_forms_never_fail(logged_in, data):
    client, child = logged_in
    section, base = data.draw(
        st.sampled_from(
            [
                ("child", CHILD_BASE),
                ("mother", MOTHER_BASE),
                ("father", {"father-birth_year": "1970", "father-present": "on", "father-version": "1"}),
                ("family", {"family-province": "jilin", "family-county": "Yanji", "family-version": "1"}),
            ]
        )
    )
    before = counts()
    check(client.post(reverse("children:edit", args=[child.pk, section]), data.draw(fuzzed(base))), before)


@FUZZ
@given(data=st.data())
def test_door_form_never_fails(logged_in, data):
    client, child = logged_in
    kind = data.draw(st.sampled_from(["education", "medical", "marriage", "bank"]))
    base = {f"{kind}-status": "in_progress", f"{kind}-barrier": "distance", f"{kind}-version": "1"}
    before = counts()
    check(client.post(reverse("children:edit-door", args=[child.pk, kind]), data.draw(fuzzed(base))), before)


@pytest.fixture
def planned(logged_in, cw_a, sup_a):
    """A partner of the case's team, and a goal and a referral on the case."""
    client, child = logged_in
    partner = plan_services.add_partner(
        team=child.team, by=sup_a, values={"name": "School", "kind": "school", "province": "jilin"}
    )
    goal = plan_services.add_goal(child=child, by=cw_a, values={"area": "family", "text": "x", "responsible": cw_a})
    referral = plan_services.add_referral(child=child, by=cw_a, values={"partner": partner, "area": "medical"})
    return client, child, partner, goal, referral


@FUZZ
@given(data=st.data())
def test_plan_forms_never_fail(planned, cw_a, data):
    client, child, partner, goal, referral = planned
    today = datetime.date.today().isoformat()
    name, args, base = data.draw(
        st.sampled_from(
            [
                (
                    "plans:goal-new",
                    [child.pk],
                    {"goal-area": "education", "goal-text": "t", "goal-responsible": str(cw_a.pk)},
                ),
                (
                    "plans:goal-edit",
                    [child.pk, goal.pk],
                    {
                        "goal-area": "bank",
                        "goal-text": "t",
                        "goal-status": "achieved",
                        "goal-responsible": str(cw_a.pk),
                        "goal-version": "1",
                    },
                ),
                (
                    "plans:service-new",
                    [child.pk],
                    {
                        "service-kind": "school_fees",
                        "service-given_on": today,
                        "service-partner": str(partner.pk),
                        "service-amount_yuan": "12.50",
                    },
                ),
                (
                    "plans:referral-new",
                    [child.pk],
                    {
                        "referral-partner": str(partner.pk),
                        "referral-area": "medical",
                        "referral-share_medical": "on",
                        "referral-medical_details": "asthma",
                        "referral-consent_given_on": today,
                        "referral-consent_method": "signed",
                        "referral-send": "on",
                    },
                ),
                (
                    "plans:referral-status",
                    [child.pk, referral.pk],
                    {"status-status": "withdrawn", "status-version": "1"},
                ),
            ]
        )
    )
    before = counts()
    check(client.post(reverse(name, args=args), data.draw(fuzzed(base))), before)


@FUZZ
@given(data=st.data())
def test_interview_with_a_service_never_fails(logged_in, data):
    client, child = logged_in
    base = interview_base(child) | {
        "service-kind": "medicine",
        "service-given_on": "2026-01-05",
        "service-amount_yuan": "30",
    }
    payload = data.draw(fuzzed(base))
    payload["interview-submission_token"] = str(uuid.uuid4())
    before = counts()
    check(client.post(reverse("interviews:new", args=[child.pk]), payload), before)


@FUZZ
@given(data=st.data())
def test_partner_form_never_fails(client, sup_a, data):
    client.force_login(sup_a)
    base = {
        "partner-name": "Clinic",
        "partner-kind": "clinic",
        "partner-province": "liaoning",
        "partner-county": "Dandong",
    }
    before = counts()
    check(client.post(reverse("plans:partner-new"), data.draw(fuzzed(base))), before)


@FUZZ
@given(data=st.data())
def test_open_case_form_never_fails(logged_in, data):
    client, _child = logged_in
    base = {
        **{k.replace("-version", "-x"): v for k, v in CHILD_BASE.items()},
        **{k.replace("-version", "-x"): v for k, v in MOTHER_BASE.items()},
        "family-province": "liaoning",
        "sibling-family": "",
    }
    before = counts()
    check(client.post(reverse("children:new"), data.draw(fuzzed(base))), before)


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(["q", "case_status", "mother_status", "shut_door", "overdue", "sort", "page"]), hostile_text
    )
)
def test_case_list_never_fails(logged_in, params):
    client, _child = logged_in
    assert client.get(reverse("children:list"), params).status_code == 200


@FUZZ
@given(reason=hostile_text)
def test_close_form_never_fails(logged_in, reason):
    client, child = logged_in
    response = client.post(reverse("children:close", args=[child.pk]), {"reason": reason})
    assert response.status_code == 302


@settings(max_examples=examples(30), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(notes=st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00\r"), max_size=300))
def test_valid_notes_round_trip_exactly(logged_in, notes):
    client, child = logged_in
    token = uuid.uuid4()
    payload = untouched_interview_form(child) | {
        "interview-held_on": "2026-01-05",
        "interview-location_type": "office",
        "interview-risk_level": "high",
        "interview-notes": notes,
        "interview-submission_token": str(token),
    }
    response = client.post(reverse("interviews:new", args=[child.pk]), payload)
    assert response.status_code == 302
    # Form fields strip surrounding white space; everything else arrives byte for byte.
    assert Interview.objects.get(submission_token=token).notes == notes.strip()


@pytest.fixture
def supervisor_client(client, sup_a, cw_a2, case_a):
    client.force_login(sup_a)
    return client, case_a


@FUZZ
@given(data=st.data())
def test_assignment_form_never_fails(supervisor_client, data):
    client, child = supervisor_client
    base = {"caseworker": "cw_a2", "mode": "add", "ends_on": "", "reason": "cover"}
    payload = data.draw(fuzzed(base))
    response = client.post(reverse("supervision:assignment", args=[child.pk]), payload)
    assert response.status_code in (200, 302)


REVIEW_PARAMS = ["person", "caseworker", "case", "kind", "action", "date_from", "date_to", "page", "since", "until"]


@FUZZ
@given(params=st.dictionaries(st.sampled_from(REVIEW_PARAMS), hostile_text))
def test_supervision_filters_never_fail(supervisor_client, params):
    client, child = supervisor_client
    for name in ("supervision:timeline", "supervision:access", "supervision:team"):
        assert client.get(reverse(name), params).status_code == 200
    for name in ("supervision:case-history", "supervision:case-access"):
        assert client.get(reverse(name, args=[child.pk]), params).status_code == 200


@FUZZ
@given(params=st.dictionaries(st.sampled_from(["province", "year", "format"]), hostile_text))
def test_aggregate_filters_never_fail(client, data_admin, params):
    client.force_login(data_admin)
    assert client.get(reverse("aggregates:dashboard"), params).status_code in (200, 400)
    for fmt in ("csv", "json"):
        # A filter value that is not on the fixed lists is a 404 for a download.
        assert client.get(reverse("aggregates:download", args=[fmt]), params).status_code in (200, 404)
