"""The services of casework.plans: what the data itself requires, and history for each write."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from casework.core.tracked import StaleEdit
from casework.models import GoalStatus, Partner, PlanGoal, Referral, ReferralStatus, Service
from casework.plans import services
from casework.plans.services import ServiceEntry

TODAY = timezone.localdate()


def test_a_goal_is_written_with_history(cw_a, case_a):
    goal = services.add_goal(
        child=case_a,
        by=cw_a,
        values={"area": "education", "text": "Enrol as an auditing student", "responsible": cw_a},
        reason="plan",
    )
    row = goal.history.get()
    assert (row.history_user_id, row.history_change_reason) == (cw_a.pk, "plan")
    services.update_goal(
        goal=goal,
        by=cw_a,
        values={"area": "education", "text": goal.text, "status": GoalStatus.ACHIEVED, "responsible": cw_a},
        expected_version=1,
    )
    assert goal.history.count() == 2
    assert PlanGoal.objects.get().version == 2


def test_a_goal_edited_from_an_old_version_is_refused(cw_a, case_a):
    goal = services.add_goal(child=case_a, by=cw_a, values={"area": "family", "text": "x", "responsible": cw_a})
    services.update_goal(
        goal=goal, by=cw_a, values={"area": "family", "text": "y", "responsible": cw_a}, expected_version=1
    )
    with pytest.raises(StaleEdit):
        services.update_goal(
            goal=PlanGoal.objects.get(),
            by=cw_a,
            values={"area": "family", "text": "z", "responsible": cw_a},
            expected_version=1,
        )


def test_the_responsible_person_works_on_the_case(cw_a, cw_a2, sup_a, sup_b, case_a):
    for person in (cw_a, sup_a):
        services.add_goal(child=case_a, by=cw_a, values={"area": "bank", "text": "x", "responsible": person})
    for outsider in (cw_a2, sup_b):  # a colleague who does not hold the case; another team's supervisor
        with pytest.raises(ValidationError):
            services.add_goal(child=case_a, by=cw_a, values={"area": "bank", "text": "x", "responsible": outsider})


def test_a_service_takes_only_a_partner_of_the_cases_team(cw_a, case_a, partner_a, partner_b):
    services.record_service(
        child=case_a, by=cw_a, entry=ServiceEntry(kind="school_enrolment", given_on=TODAY, partner=partner_a)
    )
    with pytest.raises(ValidationError) as refused:
        services.record_service(
            child=case_a, by=cw_a, entry=ServiceEntry(kind="medical_visit", given_on=TODAY, partner=partner_b)
        )
    assert "partner" in refused.value.error_dict
    assert Service.objects.count() == 1 and Service.history.count() == 1


@pytest.mark.parametrize(
    ("kind", "amount"),
    [
        ("school_enrolment", Decimal("100")),  # no money is paid for an enrolment
        ("school_fees", Decimal("0")),
        ("school_fees", Decimal("-5")),
        ("school_fees", Decimal("100000.01")),
        ("school_fees", Decimal("12.345")),
    ],
)
def test_an_amount_is_refused_where_it_cannot_be(cw_a, case_a, kind, amount):
    with pytest.raises(ValidationError):
        services.record_service(
            child=case_a, by=cw_a, entry=ServiceEntry(kind=kind, given_on=TODAY, amount_yuan=amount)
        )
    assert not Service.objects.exists()


def test_a_paid_service_keeps_its_amount(cw_a, case_a):
    service = services.record_service(
        child=case_a, by=cw_a, entry=ServiceEntry(kind="school_fees", given_on=TODAY, amount_yuan=Decimal("350.50"))
    )
    assert Service.objects.get(pk=service.pk).amount_yuan == Decimal("350.50")


def test_a_service_cannot_be_in_the_future(cw_a, case_a):
    with pytest.raises(ValidationError):
        services.record_service(
            child=case_a, by=cw_a, entry=ServiceEntry(kind="medicine", given_on=TODAY + datetime.timedelta(days=1))
        )


def referral_values(partner, **overrides):
    return {"partner": partner, "area": "medical", "need": "asthma check", **overrides}


def test_a_referral_without_consent_cannot_be_sent(cw_a, case_a, partner_a):
    with pytest.raises(ValidationError):
        services.add_referral(child=case_a, by=cw_a, values=referral_values(partner_a), send=True)
    referral = services.add_referral(child=case_a, by=cw_a, values=referral_values(partner_a))
    assert referral.status == ReferralStatus.PREPARED
    with pytest.raises(ValidationError):
        services.change_referral_status(referral=referral, by=cw_a, status="sent", expected_version=1)


def test_the_database_refuses_a_sent_referral_without_consent(cw_a, case_a, partner_a):
    referral = services.add_referral(child=case_a, by=cw_a, values=referral_values(partner_a))
    referral.status = ReferralStatus.SENT
    with pytest.raises(IntegrityError), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(status="sent")  # history-safe: the test of the CHECK


def test_a_referral_with_consent_moves_on_and_every_step_is_in_history(cw_a, case_a, partner_a):
    referral = services.add_referral(
        child=case_a,
        by=cw_a,
        values=referral_values(partner_a, consent_given_on=TODAY, consent_method="thumbprint", share_name=True),
        send=True,
    )
    assert referral.status == ReferralStatus.SENT
    for version, status in enumerate(("accepted", "done"), start=1):
        services.change_referral_status(referral=referral, by=cw_a, status=status, expected_version=version)
    assert [row.status for row in referral.history.order_by("history_id")] == ["sent", "accepted", "done"]
    with pytest.raises(ValidationError):  # done is the end
        services.change_referral_status(referral=referral, by=cw_a, status="sent", expected_version=3)


def test_consent_needs_both_when_and_how(cw_a, case_a, partner_a):
    with pytest.raises(ValidationError):
        services.add_referral(child=case_a, by=cw_a, values=referral_values(partner_a, consent_given_on=TODAY))


def test_medical_details_are_kept_only_when_consented(cw_a, case_a, partner_a):
    referral = services.add_referral(
        child=case_a, by=cw_a, values=referral_values(partner_a, share_medical=False, medical_details="asthma")
    )
    assert referral.medical_details == ""
    with pytest.raises(ValidationError):
        services.add_referral(child=case_a, by=cw_a, values=referral_values(partner_a, share_medical=True))


def test_only_a_supervisor_overrides_consent_with_a_reason(cw_a, sup_a, case_a, partner_a):
    referral = services.add_referral(child=case_a, by=cw_a, values=referral_values(partner_a))
    with pytest.raises(ValidationError):
        services.override_consent(referral=referral, by=cw_a, reason="urgent", expected_version=1)
    with pytest.raises(ValidationError):
        services.override_consent(referral=referral, by=sup_a, reason="  ", expected_version=1)
    services.override_consent(referral=referral, by=sup_a, reason="The child needs surgery now", expected_version=1)
    services.change_referral_status(referral=referral, by=cw_a, status="sent", expected_version=2)
    saved = Referral.objects.get()
    assert (saved.status, saved.override_by_id) == ("sent", sup_a.pk)
    override_row = saved.history.get(history_user_id=sup_a.pk)
    assert override_row.history_change_reason == "The child needs surgery now"


def test_a_partner_is_the_teams_and_kept_in_history(sup_a, team_a, partner_a):
    services.update_partner(
        partner=partner_a,
        by=sup_a,
        values={"name": partner_a.name, "kind": "school", "province": "jilin", "contact": "", "active": False},
        expected_version=1,
    )
    assert Partner.objects.get().team == team_a
    assert partner_a.history.count() == 2


def test_a_referral_not_sent_can_be_withdrawn_without_consent(cw_a, case_a, partner_a):
    referral = services.add_referral(child=case_a, by=cw_a, values=referral_values(partner_a))
    services.change_referral_status(referral=referral, by=cw_a, status="withdrawn", expected_version=1)
    assert Referral.objects.get().status == "withdrawn"
