"""Family, mother and father rows the database refuses (see tests/children/test_constraints.py)."""

import pytest
from django.db import IntegrityError, transaction

from families.models import EARLIEST_YEAR, LATEST_YEAR, Family, Father, Mother


def refused(create):
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


def test_family_province_must_be_one_of_the_choices(db):
    assert refused(lambda: Family.objects.create(province="pyongyang"))
    assert refused(lambda: Family.objects.create(province=""))
    assert Family.objects.create(province="heilongjiang").province == "heilongjiang"


@pytest.mark.parametrize("field, bad", [("status", "deceased"), ("whereabouts", "russia"), ("status", "")])
def test_mother_choice_fields_refuse_values_outside_their_choices(db, field, bad):
    assert refused(lambda: Mother.objects.create(**{field: bad}))
    assert not Mother.objects.exists()


@pytest.mark.parametrize("field", ["birth_year", "arrived_china_year"])
@pytest.mark.parametrize("year", [EARLIEST_YEAR - 1, LATEST_YEAR + 1, 0, 88])
def test_mother_years_out_of_range_are_refused(db, field, year):
    assert refused(lambda: Mother.objects.create(**{field: year}))
    assert not Mother.objects.exists()


@pytest.mark.parametrize("field", ["birth_year", "arrived_china_year"])
def test_mother_years_at_the_bounds_and_unknown_are_accepted(db, field):
    for year in (EARLIEST_YEAR, LATEST_YEAR, None):
        Mother.objects.create(**{field: year})
    assert Mother.objects.count() == 3


@pytest.mark.parametrize("year", [EARLIEST_YEAR - 1, LATEST_YEAR + 1, 75])
def test_father_birth_year_out_of_range_is_refused(db, year):
    assert refused(lambda: Father.objects.create(birth_year=year))
    assert not Father.objects.exists()


def test_father_birth_year_in_range_or_unknown_is_accepted(db):
    Father.objects.create(birth_year=EARLIEST_YEAR)
    Father.objects.create(birth_year=None)
    assert Father.objects.count() == 2
