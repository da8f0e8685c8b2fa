"""families.services: edits of the family, mother and father, reached through a child."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from casework.core.tracked import StaleEdit
from children.queries import current_versions
from families import services
from families.models import Family, Father, Mother
from tests import factories


def test_update_family_writes_one_history_row_with_user_and_reason(case_a, cw_a):
    family = services.update_family(
        expected_version=current_versions(case_a)["family"],
        child=case_a,
        by=cw_a,
        values={"county": "Helong"},
        reason="They moved",
    )
    family.refresh_from_db()
    assert family.county == "Helong"
    assert family.version == 2
    latest = family.history.latest()
    assert family.history.count() == 2
    assert (latest.history_user, latest.history_username, latest.history_change_reason) == (cw_a, "cw_a", "They moved")


def test_update_family_edits_the_childs_own_family_only(case_a, cw_a, case_b):
    services.update_family(
        expected_version=current_versions(case_a)["family"], child=case_a, by=cw_a, values={"village": "Dongsheng"}
    )
    assert Family.objects.get(pk=case_b.family_id).village == "Sanhe"
    assert Family.objects.get(pk=case_b.family_id).history.count() == 1


def test_update_family_cannot_relink_another_familys_mother(case_a, cw_a, case_b):
    """Pointing a family at another family's mother would show her record to this case's team."""
    foreign_mother = Family.objects.get(pk=case_b.family_id).mother
    with pytest.raises(ValueError):
        services.update_family(
            expected_version=current_versions(case_a)["family"],
            child=case_a,
            by=cw_a,
            values={"mother": foreign_mother},
        )
    assert Family.objects.get(pk=case_a.family_id).mother_id != foreign_mother.pk


def test_update_family_refuses_an_invalid_province(case_a, cw_a):
    with pytest.raises(ValidationError):
        services.update_family(
            expected_version=current_versions(case_a)["family"], child=case_a, by=cw_a, values={"province": "pyongyang"}
        )
    assert case_a.family.history.count() == 1


def test_update_family_from_a_stale_version_is_refused(case_a, cw_a, sup_a):
    services.update_family(child=case_a, by=cw_a, values={"county": "Helong"}, expected_version=1)
    with pytest.raises(StaleEdit):
        services.update_family(child=case_a, by=sup_a, values={"county": "Hunchun"}, expected_version=1)
    family = Family.objects.get(pk=case_a.family_id)
    assert (family.county, family.history.count()) == ("Helong", 2)


def test_update_mother_edits_the_existing_mother(case_a, cw_a):
    mother = services.update_mother(
        expected_version=current_versions(case_a).get("mother"),
        child=case_a,
        by=cw_a,
        values={"birth_year": 1987},
        reason="Saw her papers",
    )
    assert Mother.objects.get().birth_year == 1987
    latest = mother.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (cw_a, "Saw her papers")
    assert mother.history.count() == 2


def test_update_mother_adds_a_mother_to_a_family_without_one(cw_a):
    child = factories.open_case_for(cw_a, mother=None)
    family = Family.objects.get(pk=child.family_id)
    mother = services.update_mother(
        expected_version=current_versions(child).get("mother"),
        child=child,
        by=cw_a,
        values={"status": "ran_away"},
        reason="Found out",
    )
    family.refresh_from_db()
    assert family.mother == mother
    # One row for the new mother, one for the family pointing at her; both by the caseworker.
    assert [(h.history_type, h.history_user) for h in mother.history.all()] == [("+", cw_a)]
    assert family.history.count() == 2
    assert family.history.latest().history_user == cw_a


def test_update_mother_refuses_a_birth_year_out_of_range(case_a, cw_a):
    # The range is a CHECK constraint: the database refuses it (save_tracked leaves
    # constraints to the database), inside the service's own savepoint.
    with pytest.raises((ValidationError, IntegrityError)):
        services.update_mother(
            expected_version=current_versions(case_a).get("mother"), child=case_a, by=cw_a, values={"birth_year": 1850}
        )
    mother = Mother.objects.get()
    assert (mother.birth_year, mother.history.count()) == (1988, 1)


def test_update_father_edits_the_existing_father(case_a, sup_a):
    father = services.update_father(
        expected_version=current_versions(case_a).get("father"),
        child=case_a,
        by=sup_a,
        values={"supports_registration": True},
        reason="Agreed at the interview",
    )
    assert Father.objects.get().supports_registration is True
    latest = father.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (sup_a, "Agreed at the interview")


def test_update_father_adds_a_father_to_a_family_without_one(cw_a):
    child = factories.open_case_for(cw_a, father=None)
    father = services.update_father(
        expected_version=current_versions(child).get("father"),
        child=child,
        by=cw_a,
        values={"hukou_county": "Yanji", "present": True},
    )
    assert Family.objects.get(pk=child.family_id).father == father
    assert father.history.get().history_user == cw_a


def test_update_father_from_a_stale_version_is_refused(case_a, cw_a):
    services.update_father(child=case_a, by=cw_a, values={"present": False}, expected_version=1)
    with pytest.raises(StaleEdit):
        services.update_father(child=case_a, by=cw_a, values={"present": True}, expected_version=1)
    father = Father.objects.get()
    assert (father.present, father.history.count()) == (False, 2)
