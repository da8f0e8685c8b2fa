"""The referral slip: only what the guardian consented to disclose; its opening is logged."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import AccessAction, AccessLog
from casework.plans import services
from tests.factories import CHILD, FAMILY, MOTHER
from tests.not_found import assert_the_plain_404

TODAY = timezone.localdate()


def referral(case, by, partner, **shared):
    values = {
        "partner": partner,
        "area": "medical",
        "need": "NEED-NOT-PRINTED",
        "consent_given_on": TODAY,
        "consent_method": "signed",
        **shared,
    }
    return services.add_referral(child=case, by=by, values=values, send=True)


def slip_of(client, case, record):
    return client.get(reverse("plans:referral-slip", args=[case.pk, record.pk]))


def slip_text(response) -> str:
    page = response.content.decode()
    return page[page.index('<article class="slip"') : page.index("</article>")]


def test_the_slip_carries_only_the_consented_fields(client, cw_a, case_a, partner_a):
    record = referral(case_a, cw_a, partner_a, share_age=True, share_medical=True, medical_details="Asthma since 2023")
    client.force_login(cw_a)
    response = slip_of(client, case_a, record)
    assert response.status_code == 200
    slip = slip_text(response)
    assert partner_a.name in slip and "Asthma since 2023" in slip and "years" in slip
    page = response.content.decode()
    never = (
        CHILD["given_name"],
        CHILD["family_name"],
        MOTHER["given_name"],
        FAMILY["village"],
        case_a.case_number,
        str(case_a.pk),
        str(record.pk),
        partner_a.contact,
        "NEED-NOT-PRINTED",
        "Medical care",  # the door concerned was not consented to
    )
    for value in never:
        assert value not in slip, value
    # Neither the case number nor any id anywhere on the page, printed or not.
    assert case_a.case_number not in page and CHILD["given_name"] not in page
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", slip)


def test_the_name_and_the_door_appear_when_consented(client, cw_a, case_a, partner_a):
    record = referral(case_a, cw_a, partner_a, share_name=True, share_door=True)
    client.force_login(cw_a)
    slip = slip_text(slip_of(client, case_a, record))
    assert CHILD["given_name"] in slip and "Medical care" in slip
    assert "Medical details" not in slip


def test_the_slip_is_never_cached_and_its_opening_is_logged(client, cw_a, case_a, partner_a):
    record = referral(case_a, cw_a, partner_a)
    client.force_login(cw_a)
    response = slip_of(client, case_a, record)
    assert "no-store" in response["Cache-Control"]
    row = AccessLog.objects.get(action=AccessAction.EXPORT)
    assert (row.user_id, row.object_type, row.object_id) == (cw_a.pk, "child", str(case_a.pk))
    assert row.detail == {"referral_slip": str(record.pk)}


def test_the_printing_is_in_the_cases_access_review(client, cw_a, sup_a, case_a, partner_a):
    record = referral(case_a, cw_a, partner_a)
    client.force_login(cw_a)
    slip_of(client, case_a, record)
    client.force_login(sup_a)
    review = client.get(reverse("supervision:case-access", args=[case_a.pk]))
    rows = [row for row in review.context["page"] if row.action == AccessAction.EXPORT]
    assert [row.user_id for row in rows] == [cw_a.pk]


def test_the_print_stylesheet_leaves_the_page_margins_empty(client, cw_a, case_a, partner_a):
    record = referral(case_a, cw_a, partner_a)
    client.force_login(cw_a)
    assert "css/slip.css" in slip_of(client, case_a, record).content.decode()


@pytest.mark.parametrize("who", ["cw_b", "sup_b", "data_admin"])
def test_the_slip_of_a_case_one_may_not_see_is_a_logged_404(client, case_a, cw_a, partner_a, who, request):
    record = referral(case_a, cw_a, partner_a, share_name=True)
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = slip_of(client, case_a, record)
    assert_the_plain_404(response, case_a)
    assert AccessLog.objects.filter(user_id=user.pk, action=AccessAction.DENIED).exists()
    assert not AccessLog.objects.filter(action=AccessAction.EXPORT).exists()


def test_a_referral_of_another_case_is_a_logged_404(client, cw_a, case_a, cw_b, case_b, partner_a, partner_b):
    other = referral(case_b, cw_b, partner_b, share_name=True)
    client.force_login(cw_a)
    response = slip_of(client, case_a, other)
    assert response.status_code == 404
    assert AccessLog.objects.filter(action=AccessAction.DENIED, object_type="referral").exists()


def test_without_recorded_consent_nothing_about_the_child_is_printed(client, cw_a, sup_a, case_a, partner_a):
    """Boxes ticked but no consent recorded, sent on a supervisor's override: the slip
    carries the partner and the date only."""
    record = services.add_referral(
        child=case_a,
        by=cw_a,
        values={
            "partner": partner_a,
            "area": "medical",
            "share_name": True,
            "share_age": True,
            "share_door": True,
            "share_medical": True,
            "medical_details": "Asthma since 2023",
        },
    )
    services.override_consent(referral=record, by=sup_a, reason="urgent", expected_version=1)
    services.change_referral_status(referral=record, by=sup_a, status="sent", expected_version=2)
    client.force_login(cw_a)
    slip = slip_text(slip_of(client, case_a, record))
    assert partner_a.name in slip
    for never in (CHILD["given_name"], "Asthma", "Medical care", "years"):
        assert never not in slip, never
