"""A temporary assignment (cover during leave) stops granting the case on its end date,
with no scheduled job: in the access gate and in guardian's get_objects_for_user."""

import datetime

from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import get_objects_for_user

from casework.access.services import assign_case, reassign_case, revoke_assignment
from casework.models import AccessAction, AccessLog, Assignment
from children import access
from children.models import Child, ChildUserObjectPermission


def guardian_sees(user, child) -> bool:
    visible = get_objects_for_user(
        user, "children.view_child", klass=Child, accept_global_perms=False, with_superuser=False
    )
    return visible.filter(pk=child.pk).exists()


def test_a_temporary_assignment_grants_the_case_until_the_day_before_its_end(sup_a, cw_a2, case_a, travel_to):
    ends_on = timezone.localdate() + datetime.timedelta(days=10)
    assign_case(child=case_a, to=cw_a2, by=sup_a, ends_on=ends_on, reason="Cover during cw_a's leave")

    travel_to(ends_on - datetime.timedelta(days=1))
    assert access.may_access(cw_a2, case_a.pk)
    assert access.child_for(cw_a2, case_a.pk) == case_a
    assert guardian_sees(cw_a2, case_a)


def test_a_temporary_assignment_lapses_on_its_end_date(sup_a, cw_a2, case_a, travel_to):
    ends_on = timezone.localdate() + datetime.timedelta(days=10)
    assign_case(child=case_a, to=cw_a2, by=sup_a, ends_on=ends_on, reason="Cover during cw_a's leave")

    travel_to(ends_on)
    assert not access.may_access(cw_a2, case_a.pk)
    assert case_a not in access.children_visible_to(cw_a2)
    assert not guardian_sees(cw_a2, case_a)
    assert not access.may_access(cw_a2, case_a.pk, access.CHANGE)


def test_the_case_page_is_a_404_once_the_cover_has_ended(client, sup_a, cw_a2, case_a, travel_to):
    ends_on = timezone.localdate() + datetime.timedelta(days=3)
    assign_case(child=case_a, to=cw_a2, by=sup_a, ends_on=ends_on, reason="Cover")
    client.force_login(cw_a2)
    during = client.get(case_a.get_absolute_url())
    assert during.status_code == 200 and case_a.case_number in during.content.decode()
    travel_to(ends_on + datetime.timedelta(days=30))
    after = client.get(case_a.get_absolute_url())
    assert after.status_code == 404 and after.templates[0].name == "404.html"
    page = after.content.decode()
    assert "There is nothing here, or nothing you may see." in page
    assert case_a.case_number not in page and case_a.given_name not in page
    denied = AccessLog.objects.get(action=AccessAction.DENIED)
    assert (denied.user_id, denied.object_id) == (cw_a2.pk, str(case_a.pk))


def test_the_regular_caseworker_keeps_the_case_through_the_cover(sup_a, cw_a, cw_a2, case_a, travel_to):
    ends_on = timezone.localdate() + datetime.timedelta(days=10)
    assign_case(child=case_a, to=cw_a2, by=sup_a, ends_on=ends_on, reason="Cover")
    travel_to(ends_on)
    assert access.may_access(cw_a, case_a.pk) and guardian_sees(cw_a, case_a)


def test_a_lasting_assignment_outlives_a_temporary_one_for_the_same_caseworker(sup_a, cw_a2, case_a, travel_to):
    ends_on = timezone.localdate() + datetime.timedelta(days=10)
    assign_case(child=case_a, to=cw_a2, by=sup_a, ends_on=ends_on, reason="Cover")
    assign_case(child=case_a, to=cw_a2, by=sup_a, reason="Takes the case for good")
    travel_to(ends_on + datetime.timedelta(days=1))
    assert access.may_access(cw_a2, case_a.pk) and guardian_sees(cw_a2, case_a)


def test_a_lapsed_caseworker_can_be_assigned_again(sup_a, cw_a2, case_a, travel_to):
    today = timezone.localdate()
    assign_case(child=case_a, to=cw_a2, by=sup_a, ends_on=today + datetime.timedelta(days=2), reason="Cover")
    travel_to(today + datetime.timedelta(days=5))
    assert not access.may_access(cw_a2, case_a.pk)

    reassign_case(child=case_a, to=cw_a2, by=sup_a, reason="Takes the case over")
    assert access.may_access(cw_a2, case_a.pk) and guardian_sees(cw_a2, case_a)


def test_revoking_a_lapsed_assignment_removes_its_grant_rows(sup_a, cw_a2, case_a, travel_to):
    today = timezone.localdate()
    held = assign_case(child=case_a, to=cw_a2, by=sup_a, ends_on=today + datetime.timedelta(days=2), reason="Cover")
    travel_to(today + datetime.timedelta(days=5))
    revoke_assignment(assignment=held, by=sup_a, reason="Cover over")
    assert not ChildUserObjectPermission.all_grants.filter(user=cw_a2, content_object=case_a).exists()


def test_the_lapse_leaves_the_assignment_record_untouched(sup_a, cw_a2, case_a, travel_to):
    ends_on = timezone.localdate() + datetime.timedelta(days=1)
    held = assign_case(child=case_a, to=cw_a2, by=sup_a, ends_on=ends_on, reason="Cover")
    travel_to(ends_on)
    assert Assignment.objects.get(pk=held.pk).revoked_at is None
    assert held.history.count() == 1


def test_the_team_view_no_longer_lists_a_lapsed_caseworker(client, sup_a, cw_a, cw_a2, case_a, travel_to):
    ends_on = timezone.localdate() + datetime.timedelta(days=1)
    assign_case(child=case_a, to=cw_a2, by=sup_a, ends_on=ends_on, reason="Cover")
    client.force_login(sup_a)

    def holders():
        (row,) = client.get(reverse("supervision:team")).context["page"]
        return [held.caseworker.username for held in row.current_assignments]

    assert holders() == ["cw_a", "cw_a2"]
    travel_to(ends_on)
    assert holders() == ["cw_a"]


def test_has_perm_agrees_with_the_gate_after_the_end_date(sup_a, cw_a2, case_a, travel_to):
    """Django's user.has_perm goes through guardian's backend; ours answers from the gate."""
    ends_on = timezone.localdate() + datetime.timedelta(days=3)
    assign_case(child=case_a, to=cw_a2, by=sup_a, ends_on=ends_on, reason="Cover")
    fresh = type(cw_a2).objects.get(pk=cw_a2.pk)
    assert fresh.has_perm("children.view_child", case_a)
    travel_to(ends_on)
    fresh = type(cw_a2).objects.get(pk=cw_a2.pk)
    assert not fresh.has_perm("children.view_child", case_a)
    assert not fresh.has_perm("children.change_child", case_a)
