"""IN-6: the supervisor's date filters (timeline, access review, and both per case) refuse a
date no record can have with a form error, never a 500: `?until=9999-12-31` used to
overflow the day after, `0001-01-01` the time zone."""

import datetime

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.web.forms import FILTER_DATE_MAX, FILTER_DATE_MIN
from tests.profiles import examples

PAGES = ["supervision:timeline", "supervision:access", "supervision:case-history", "supervision:case-access"]


def url(name, case):
    return reverse(name, args=[case.pk]) if name.startswith("supervision:case-") else reverse(name)


@pytest.fixture
def supervisor(client, sup_a, case_a):
    client.force_login(sup_a)
    return client, case_a


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("field", ["since", "until"])
@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1899-12-31", "2200-01-01"])
def test_a_date_no_record_can_have_is_a_form_error(supervisor, name, field, value):
    client, case = supervisor
    response = client.get(url(name, case), {field: value})
    assert response.status_code == 200
    assert response.context["form"].errors[field] == ["Enter a date between 1900-01-01 and 2199-12-31."]
    assert "Enter a date between 1900-01-01 and 2199-12-31." in response.content.decode()


@pytest.mark.parametrize("name", PAGES)
def test_the_widest_range_allowed_shows_the_records(supervisor, name):
    client, case = supervisor
    response = client.get(url(name, case), {"since": "1900-01-01", "until": "2199-12-31"})
    assert response.status_code == 200
    assert response.context["form"].is_valid()


dates = st.one_of(
    st.dates(),
    st.sampled_from([datetime.date.min, datetime.date.max, FILTER_DATE_MIN, FILTER_DATE_MAX]),
).map(lambda day: day.isoformat())
nonsense = st.sampled_from(["99999-01-01", "2026-02-30", "-1-01-01", "2026-13-01", "0000-00-00", "１９９０-01-01"])


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(PAGES), since=st.none() | dates | nonsense, until=st.none() | dates | nonsense)
def test_no_date_filter_ever_fails(supervisor, name, since, until):
    client, case = supervisor
    params = {key: value for key, value in (("since", since), ("until", until)) if value is not None}
    response = client.get(url(name, case), params)
    assert response.status_code == 200
    form = response.context["form"]
    for key, value in params.items():
        try:
            day = datetime.date.fromisoformat(value)
        except ValueError:
            continue
        in_range = FILTER_DATE_MIN <= day <= FILTER_DATE_MAX
        assert (key in form.errors) == (not in_range), (key, value, form.errors)
