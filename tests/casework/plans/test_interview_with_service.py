"""A service logged with an interview: one transaction; a bad service refuses the whole save."""

from django.urls import reverse

from casework.models import Interview, Service
from tests.casework.interviews.test_interview_new import form_data


def url(case):
    return reverse("interviews:new", args=[case.pk])


def test_a_service_is_saved_with_the_interview(client, cw_a, case_a, partner_a):
    client.force_login(cw_a)
    data = form_data(
        case_a,
        **{
            "service-kind": "school_fees",
            "service-given_on": form_data(case_a)["interview-held_on"],
            "service-partner": partner_a.pk,
            "service-amount_yuan": "200",
        },
    )
    assert client.post(url(case_a), data).status_code == 302
    service = Service.objects.get()
    assert service.interview == Interview.objects.get()
    assert service.history.get().history_user_id == cw_a.pk


def test_an_interview_without_a_service_records_none(client, cw_a, case_a):
    client.force_login(cw_a)
    assert client.post(url(case_a), form_data(case_a)).status_code == 302
    assert Interview.objects.count() == 1 and not Service.objects.exists()


def test_a_bad_service_refuses_the_interview_and_keeps_what_was_typed(client, cw_a, case_a, partner_b):
    client.force_login(cw_a)
    data = form_data(
        case_a,
        **{
            "interview-notes": "Typed notes stay",
            "service-kind": "legal_aid",
            "service-given_on": form_data(case_a)["interview-held_on"],
            "service-amount_yuan": "50",  # no money is paid for legal aid
            "service-note": "Typed service note",
        },
    )
    response = client.post(url(case_a), data)
    assert response.status_code == 422
    page = response.content.decode()
    assert "Typed notes stay" in page and "Typed service note" in page
    assert not Interview.objects.exists() and not Service.objects.exists()


def test_another_teams_partner_refuses_the_interview(client, cw_a, case_a, partner_b):
    client.force_login(cw_a)
    data = form_data(
        case_a,
        **{
            "service-kind": "medical_visit",
            "service-given_on": form_data(case_a)["interview-held_on"],
            "service-partner": partner_b.pk,
        },
    )
    assert client.post(url(case_a), data).status_code == 422
    assert not Interview.objects.exists() and not Service.objects.exists()


def test_the_service_refused_by_the_service_layer_rolls_back_the_interview(cw_a, case_a, partner_b):
    """Past the forms: the service's own check, inside record_interview's transaction."""
    import datetime

    import pytest
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from casework.interviews.services import record_interview
    from casework.plans.services import ServiceEntry

    with pytest.raises(ValidationError):
        record_interview(
            child=case_a,
            by=cw_a,
            held_on=timezone.localdate(),
            location_type="home",
            services=[
                ServiceEntry(
                    kind="medical_visit", given_on=timezone.localdate() - datetime.timedelta(days=1), partner=partner_b
                )
            ],
        )
    assert not Interview.objects.exists() and not Interview.history.exists()


def test_a_service_without_a_date_takes_the_interviews(client, cw_a, case_a):
    client.force_login(cw_a)
    data = form_data(case_a, **{"service-kind": "medical_visit"})
    assert client.post(url(case_a), data).status_code == 302
    assert Service.objects.get().given_on == Interview.objects.get().held_on
