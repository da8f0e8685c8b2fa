"""The plan's cards on the case page: goals, services and referrals, edited in place."""

import datetime

from django.urls import reverse
from django.utils import timezone

from casework.models import AccessAction, AccessLog, PlanGoal, Referral, Service
from casework.plans import services
from tests.not_found import assert_the_plain_404

TODAY = timezone.localdate()
HTMX = {"HTTP_HX_REQUEST": "true"}


def goal_data(user, **overrides):
    return {
        "goal-area": "education",
        "goal-text": "Enrol in the village school as an auditing student",
        "goal-target_on": (TODAY + datetime.timedelta(days=90)).isoformat(),
        "goal-responsible": user.pk,
        **overrides,
    }


def test_the_case_page_shows_the_plan(client, cw_a, case_a, partner_a):
    services.add_goal(child=case_a, by=cw_a, values={"area": "medical", "text": "Asthma inhaler", "responsible": cw_a})
    client.force_login(cw_a)
    page = client.get(case_a.get_absolute_url()).content.decode()
    assert 'id="section-plan"' in page and "Asthma inhaler" in page
    assert 'id="section-services"' in page and 'id="section-referrals"' in page


def test_a_goal_is_added_in_place(client, cw_a, case_a):
    client.force_login(cw_a)
    url = reverse("plans:goal-new", args=[case_a.pk])
    form = client.get(url, **HTMX)
    assert form.status_code == 200 and 'id="section-plan"' in form.content.decode()
    response = client.post(url, goal_data(cw_a), **HTMX)
    assert response.status_code == 200
    assert "Enrol in the village school" in response.content.decode()
    goal = PlanGoal.objects.get()
    assert goal.history.get().history_user_id == cw_a.pk


def test_a_wrong_goal_answers_422_and_keeps_what_was_typed(client, cw_a, cw_a2, case_a):
    client.force_login(cw_a)
    url = reverse("plans:goal-new", args=[case_a.pk])
    response = client.post(url, goal_data(cw_a2, **{"goal-text": "Kept text"}), **HTMX)
    assert response.status_code == 422
    assert "Kept text" in response.content.decode()
    assert not PlanGoal.objects.exists()


def test_a_goal_edited_from_an_old_version_answers_409(client, cw_a, case_a):
    goal = services.add_goal(child=case_a, by=cw_a, values={"area": "family", "text": "first", "responsible": cw_a})
    services.update_goal(
        goal=goal, by=cw_a, values={"area": "family", "text": "second", "responsible": cw_a}, expected_version=1
    )
    client.force_login(cw_a)
    url = reverse("plans:goal-edit", args=[case_a.pk, goal.pk])
    data = goal_data(cw_a, **{"goal-status": "achieved", "goal-version": 1, "goal-area": "family", "goal-text": "mine"})
    response = client.post(url, data, **HTMX)
    assert response.status_code == 409
    assert "Someone else saved this" in response.content.decode()
    assert PlanGoal.objects.get().text == "second"
    assert AccessLog.objects.filter(action=AccessAction.CONFLICT, object_type="plangoal").exists()


def test_a_goal_of_another_case_is_a_logged_404(client, cw_a, case_a, cw_b, case_b):
    goal_b = services.add_goal(child=case_b, by=cw_b, values={"area": "bank", "text": "x", "responsible": cw_b})
    client.force_login(cw_a)
    response = client.get(reverse("plans:goal-edit", args=[case_a.pk, goal_b.pk]))
    assert response.status_code == 404
    assert AccessLog.objects.filter(
        action=AccessAction.DENIED, object_type="plan_goal", object_id=str(goal_b.pk)
    ).exists()


def test_another_caseworker_cannot_add_a_goal(client, cw_b, case_a):
    client.force_login(cw_b)
    response = client.post(reverse("plans:goal-new", args=[case_a.pk]), goal_data(cw_b))
    assert_the_plain_404(response, case_a)
    assert not PlanGoal.objects.exists()


def test_a_service_is_recorded_with_a_partner(client, cw_a, case_a, partner_a):
    client.force_login(cw_a)
    data = {
        "service-kind": "school_fees",
        "service-given_on": TODAY.isoformat(),
        "service-partner": partner_a.pk,
        "service-amount_yuan": "350.00",
        "service-note": "first term",
    }
    response = client.post(reverse("plans:service-new", args=[case_a.pk]), data, **HTMX)
    assert response.status_code == 200
    assert "350" in response.content.decode() and partner_a.name in response.content.decode()
    assert Service.objects.get().partner == partner_a


def test_another_teams_partner_is_not_offered_nor_taken(client, cw_a, case_a, partner_a, partner_b):
    client.force_login(cw_a)
    url = reverse("plans:service-new", args=[case_a.pk])
    assert partner_b.name not in client.get(url).content.decode()
    data = {"service-kind": "medical_visit", "service-given_on": TODAY.isoformat(), "service-partner": partner_b.pk}
    assert client.post(url, data).status_code == 422
    assert not Service.objects.exists()


def test_an_amount_for_an_unpaid_service_answers_422(client, cw_a, case_a):
    client.force_login(cw_a)
    data = {"service-kind": "legal_aid", "service-given_on": TODAY.isoformat(), "service-amount_yuan": "20"}
    response = client.post(reverse("plans:service-new", args=[case_a.pk]), data, **HTMX)
    assert response.status_code == 422
    assert not Service.objects.exists()


def referral_data(partner, **overrides):
    return {
        "referral-partner": partner.pk,
        "referral-area": "medical",
        "referral-need": "asthma check",
        "referral-share_age": "on",
        "referral-share_door": "on",
        "referral-consent_given_on": TODAY.isoformat(),
        "referral-consent_method": "thumbprint",
        "referral-send": "on",
        **overrides,
    }


def test_a_referral_with_consent_is_sent(client, cw_a, case_a, partner_a):
    client.force_login(cw_a)
    response = client.post(reverse("plans:referral-new", args=[case_a.pk]), referral_data(partner_a), **HTMX)
    assert response.status_code == 200
    referral = Referral.objects.get()
    assert (referral.status, referral.share_age, referral.share_name) == ("sent", True, False)


def test_a_referral_cannot_be_sent_without_consent(client, cw_a, case_a, partner_a):
    client.force_login(cw_a)
    data = referral_data(partner_a, **{"referral-consent_given_on": "", "referral-consent_method": ""})
    response = client.post(reverse("plans:referral-new", args=[case_a.pk]), data, **HTMX)
    assert response.status_code == 422
    assert "cannot be sent before the guardian" in response.content.decode()
    assert not Referral.objects.exists()


def test_a_referral_status_changes_in_place(client, cw_a, case_a, partner_a):
    referral = services.add_referral(
        child=case_a,
        by=cw_a,
        values={"partner": partner_a, "area": "education", "consent_given_on": TODAY, "consent_method": "spoken"},
        send=True,
    )
    client.force_login(cw_a)
    url = reverse("plans:referral-status", args=[case_a.pk, referral.pk])
    response = client.post(url, {"status-status": "accepted", "status-version": 1}, **HTMX)
    assert response.status_code == 200
    assert Referral.objects.get().status == "accepted"
    stale = client.post(url, {"status-status": "done", "status-version": 1}, **HTMX)
    assert stale.status_code == 409


def test_the_supervisor_overrides_consent_and_the_caseworker_may_not(client, cw_a, sup_a, sup_b, case_a, partner_a):
    referral = services.add_referral(child=case_a, by=cw_a, values={"partner": partner_a, "area": "medical"})
    url = reverse("plans:referral-override", args=[case_a.pk, referral.pk])
    client.force_login(cw_a)
    assert client.post(url, {"override-reason": "urgent", "override-version": 1}).status_code == 404
    client.force_login(sup_b)
    assert client.post(url, {"override-reason": "urgent", "override-version": 1}).status_code == 404
    client.force_login(sup_a)
    assert client.post(url, {"override-reason": "", "override-version": 1}).status_code == 422
    response = client.post(url, {"override-reason": "Surgery cannot wait", "override-version": 1})
    assert response.status_code == 302
    saved = Referral.objects.get()
    assert (saved.override_by_id, saved.override_reason) == (sup_a.pk, "Surgery cannot wait")
    # The override is in the supervisor's change history of the team.
    timeline = client.get(reverse("supervision:timeline")).content.decode()
    assert "Surgery cannot wait" in timeline


def test_the_case_page_query_count_does_not_grow_with_the_plan(
    client, cw_a, case_a, partner_a, django_assert_max_num_queries
):
    client.force_login(cw_a)
    client.get(case_a.get_absolute_url())
    with django_assert_max_num_queries(21) as few:
        client.get(case_a.get_absolute_url())
    for n in range(5):
        services.add_goal(child=case_a, by=cw_a, values={"area": "family", "text": f"goal {n}", "responsible": cw_a})
        services.record_service(
            child=case_a, by=cw_a, entry=services.ServiceEntry(kind="medicine", given_on=TODAY, partner=partner_a)
        )
        services.add_referral(child=case_a, by=cw_a, values={"partner": partner_a, "area": "medical"})
    with django_assert_max_num_queries(21) as many:
        client.get(case_a.get_absolute_url())
    assert len(many.captured_queries) == len(few.captured_queries)
