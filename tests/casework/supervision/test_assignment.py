"""The assignment page: a supervisor assigns, reassigns and revokes within the team."""

import datetime

from django.urls import reverse
from django.utils import timezone

from casework.models import Assignment
from children import access
from tests.not_found import assert_the_plain_404


def url(child):
    return reverse("supervision:assignment", args=[child.pk])


def holders(child):
    """Who holds the case now, by username."""
    held = Assignment.objects.filter(child=child, revoked_at__isnull=True)
    return sorted(held.values_list("caseworker__username", flat=True))


def assign(client, child, **data):
    return client.post(url(child), {"mode": "reassign", "reason": "Cover while cw_a is away", **data})


def test_reassignment_moves_access_to_the_new_caseworker(client, sup_a, cw_a, cw_a2, case_a):
    client.force_login(sup_a)
    response = assign(client, case_a, caseworker="cw_a2")
    assert response.status_code == 302 and response["Location"] == url(case_a)
    assert holders(case_a) == ["cw_a2"]

    client.force_login(cw_a)
    assert_the_plain_404(client.get(case_a.get_absolute_url()), case_a)
    client.force_login(cw_a2)
    page = client.get(case_a.get_absolute_url()).content.decode()
    assert case_a.case_number in page and "Kim Minji" in page


def test_reassignment_is_itself_in_the_record(client, sup_a, cw_a, cw_a2, case_a):
    client.force_login(sup_a)
    assign(client, case_a, caseworker="cw_a2", reason="cw_a moved to the Hunchun office")

    old = Assignment.objects.get(child=case_a, caseworker=cw_a)
    new = Assignment.objects.get(child=case_a, caseworker=cw_a2)
    assert (old.revoked_by, new.granted_by, new.reason) == (sup_a, sup_a, "cw_a moved to the Hunchun office")
    revocation = old.history.latest()
    assert (revocation.history_user_id, revocation.history_change_reason) == (
        sup_a.pk,
        "cw_a moved to the Hunchun office",
    )
    page = client.get(url(case_a)).content.decode()
    assert "revoked" in page and "granted" in page and "cw_a moved to the Hunchun office" in page


def test_adding_a_caseworker_keeps_the_current_one(client, sup_a, cw_a, cw_a2, case_a):
    client.force_login(sup_a)
    assign(client, case_a, caseworker="cw_a2", mode="add")
    assert access.may_access(cw_a, case_a.pk) and access.may_access(cw_a2, case_a.pk)


def test_a_caseworker_of_another_team_is_a_form_error(client, sup_a, cw_a, cw_b, case_a):
    client.force_login(sup_a)
    response = assign(client, case_a, caseworker="cw_b")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not access.may_access(cw_b, case_a.pk)
    assert list(Assignment.objects.filter(child=case_a).values_list("caseworker__username", flat=True)) == ["cw_a"]


def test_a_case_of_another_team_is_a_404_and_nothing_changes(client, sup_a, cw_a, case_b):
    client.force_login(sup_a)
    before = Assignment.history.filter(child_id=case_b.pk).count()
    assert_the_plain_404(client.get(url(case_b)), case_b)
    assert_the_plain_404(assign(client, case_b, caseworker="cw_a"), case_b)
    assert not access.may_access(cw_a, case_b.pk)
    assert holders(case_b) == ["cw_b"]
    assert Assignment.history.filter(child_id=case_b.pk).count() == before


def test_a_reason_is_required(client, sup_a, cw_a2, case_a):
    client.force_login(sup_a)
    response = assign(client, case_a, caseworker="cw_a2", reason="  ")
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["Say why."]
    assert '<p class="error" id="id_reason_error">Say why.</p>' in response.content.decode()
    assert not access.may_access(cw_a2, case_a.pk)
    assert holders(case_a) == ["cw_a"]


def test_an_end_date_that_is_not_after_today_is_refused(client, sup_a, cw_a2, case_a):
    client.force_login(sup_a)
    response = assign(client, case_a, caseworker="cw_a2", ends_on=timezone.localdate().isoformat())
    assert "must end after today" in response.content.decode()
    assert not access.may_access(cw_a2, case_a.pk)


def test_a_temporary_assignment_shows_its_end_date(client, sup_a, cw_a2, case_a):
    client.force_login(sup_a)
    ends_on = timezone.localdate() + datetime.timedelta(days=14)
    assign(client, case_a, caseworker="cw_a2", mode="add", ends_on=ends_on.isoformat())
    assert Assignment.objects.get(caseworker=cw_a2).ends_on == ends_on
    assert access.may_access(cw_a2, case_a.pk)


def test_revoking_removes_access_and_records_who_and_why(client, sup_a, cw_a, case_a):
    held = Assignment.objects.get(child=case_a, caseworker=cw_a)
    client.force_login(sup_a)
    response = client.post(reverse("supervision:revoke", args=[case_a.pk, held.pk]), {"reason": "Conflict of interest"})
    assert response.status_code == 302 and response["Location"] == url(case_a)
    assert not access.may_access(cw_a, case_a.pk)
    held.refresh_from_db()
    assert held.revoked_by == sup_a
    assert held.history.latest().history_change_reason == "Conflict of interest"


def test_revoking_needs_a_reason(client, sup_a, cw_a, case_a):
    held = Assignment.objects.get(child=case_a, caseworker=cw_a)
    client.force_login(sup_a)
    before = held.history.count()
    response = client.post(reverse("supervision:revoke", args=[case_a.pk, held.pk]), {"reason": ""})
    assert response.status_code == 200
    assert response.context["revoke_form"].errors["reason"] == ["Say why."]
    assert "Say why." in response.content.decode()
    assert access.may_access(cw_a, case_a.pk)
    held.refresh_from_db()
    assert held.revoked_at is None and held.history.count() == before


def test_an_assignment_of_another_case_cannot_be_revoked_through_this_case(client, sup_a, cw_a, cw_a2, case_a):
    from tests import factories

    other = factories.open_case_for(cw_a2)
    held = Assignment.objects.get(child=other)
    client.force_login(sup_a)
    response = client.post(reverse("supervision:revoke", args=[case_a.pk, held.pk]), {"reason": "x"})
    assert_the_plain_404(response, other)
    assert access.may_access(cw_a2, other.pk)
    held.refresh_from_db()
    assert held.revoked_at is None and held.history.count() == 1
