"""The database itself refuses case data the application could not show or trust.

Rows are written with Model.objects.create on purpose: these tests prove that a write
path which skips the services and forms (the shell, a script, a bad migration) still
cannot store them. Each bad write runs in its own savepoint so the test can go on."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from casework.models import AccessLog, Interview
from children.models import Child, DocumentAccess, DocumentKind
from families.models import Family

VALID_CHILD = {
    "given_name": "Minji",
    "family_name": "Kim",
    "sex": "female",
    "living_arrangement": "father_only",
    "hukou_status": "unregistered",
    "case_status": "open",
}


@pytest.fixture
def family(db):
    return Family.objects.create(province="jilin")


def make_child(family, team, **overrides):
    values = {**VALID_CHILD, "case_number": "C-2026-9001", **overrides}
    return Child.objects.create(family=family, team=team, **values)


def refused(create):
    """True when the database refuses the write (and the savepoint is rolled back)."""
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


def test_a_valid_child_row_is_accepted(family, team_a):
    child = make_child(family, team_a)
    assert Child.objects.filter(pk=child.pk).exists()


def test_case_numbers_are_unique(family, team_a):
    make_child(family, team_a, case_number="C-2026-0001")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_child(family, team_a, case_number="C-2026-0001", given_name="Other")
    assert Child.objects.filter(case_number="C-2026-0001").count() == 1


@pytest.mark.parametrize(
    "field, bad",
    [
        ("sex", "unknown"),
        ("living_arrangement", "orphanage"),
        ("hukou_status", "pending"),
        ("case_status", "archived"),
        ("sex", ""),
    ],
)
def test_child_choice_fields_refuse_values_outside_their_choices(family, team_a, field, bad):
    assert refused(lambda: make_child(family, team_a, **{field: bad}))
    assert not Child.objects.exists()


def test_date_of_birth_before_1990_is_refused(family, team_a):
    assert refused(lambda: make_child(family, team_a, date_of_birth=datetime.date(1989, 12, 31)))
    make_child(family, team_a, date_of_birth=datetime.date(1990, 1, 1))


def test_one_document_access_row_per_child_and_kind(family, team_a):
    child = make_child(family, team_a)
    DocumentAccess.objects.create(child=child, kind=DocumentKind.EDUCATION, status="no_access")
    assert refused(lambda: DocumentAccess.objects.create(child=child, kind=DocumentKind.EDUCATION, status="has_access"))
    # A different kind for the same child is fine.
    DocumentAccess.objects.create(child=child, kind=DocumentKind.BANK, status="no_access")
    assert child.document_access.count() == 2


@pytest.mark.parametrize(
    "field, bad",
    [("kind", "passport"), ("status", "maybe"), ("barrier", "weather")],
)
def test_document_access_choice_fields_refuse_values_outside_their_choices(family, team_a, field, bad):
    child = make_child(family, team_a)
    values = {"kind": "education", "status": "no_access", "barrier": "", field: bad}
    assert refused(lambda: DocumentAccess.objects.create(child=child, **values))
    assert not DocumentAccess.objects.exists()


def test_document_access_barrier_may_be_blank(family, team_a):
    child = make_child(family, team_a)
    door = DocumentAccess.objects.create(child=child, kind="medical", status="has_access", barrier="")
    assert door.barrier == ""


def _interview(child, user, **overrides):
    values = {
        "held_on": datetime.date(2026, 5, 1),
        "location_type": "home",
        "risk_level": "low",
        **overrides,
    }
    return Interview.objects.create(child=child, caseworker=user, **values)


@pytest.mark.parametrize("field, bad", [("location_type", "gps"), ("risk_level", "extreme")])
def test_interview_choice_fields_refuse_values_outside_their_choices(family, team_a, cw_a, field, bad):
    child = make_child(family, team_a)
    assert refused(lambda: _interview(child, cw_a, **{field: bad}))
    assert not Interview.objects.exists()


def test_interview_follow_up_before_the_interview_is_refused(family, team_a, cw_a):
    child = make_child(family, team_a)
    assert refused(lambda: _interview(child, cw_a, follow_up_on=datetime.date(2026, 4, 30)))
    # The same day and later are fine.
    _interview(child, cw_a, follow_up_on=datetime.date(2026, 5, 1))
    assert Interview.objects.count() == 1


def test_access_log_action_must_be_a_known_action(db):
    assert refused(lambda: AccessLog.objects.create(action="peek"))
    assert not AccessLog.objects.exists()


def test_a_choice_outside_its_list_is_refused_before_the_save_without_asking_the_database(family, team_a):
    """The same CHECK, validated in Python (casework.core.constraints.ChoicesCheck): a form
    or full_clean refuses the value with the constraint's message and runs no query; a
    valid record asks the database nothing either."""
    child = Child(family=family, team=team_a, case_number="C-2026-9002", **{**VALID_CHILD, "sex": "unknown-sex"})
    with CaptureQueriesContext(connection) as captured:
        with pytest.raises(ValidationError) as refusal:
            child.validate_constraints()
        Child(family=family, team=team_a, case_number="C-2026-9003", **VALID_CHILD).validate_constraints()
    assert "child_sex_valid" in str(refusal.value)
    # (Other checks, over more than one column, are still asked of the database.)
    assert not [q for q in captured.captured_queries if "female" in q["sql"] or "unknown-sex" in q["sql"]]
    # A field that already failed its own checks is not checked again.
    child.validate_constraints(exclude={"sex"})
