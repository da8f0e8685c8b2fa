"""SE-7: two-factor sign-in for every account. The password alone opens nothing; the
authenticator is set up on first login from a QR code drawn here; backup codes work once;
a code is accepted once; a system admin's reset is recorded and means enrolling again."""

import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework.models import AccessLog, Preferences, PrivilegeChange, PrivilegeKind
from tests.signin import authenticator, code_for, password_step, sign_in

CODE = reverse("accounts:two-factor")
ENROL = reverse("accounts:enrol")


@pytest.fixture
def client():
    return Client()


def redirected_to(response, url) -> bool:
    return response.status_code == 302 and response["Location"].split("?")[0] == url


def test_the_password_alone_opens_no_case_page(client, cw_a, case_a):
    authenticator(cw_a)
    password_step(client, "cw_a")
    for url in (case_a.get_absolute_url(), reverse("children:list"), reverse("interviews:follow-ups")):
        response = client.get(url)
        assert redirected_to(response, CODE), url
        assert case_a.case_number not in response.content.decode()


def test_the_password_alone_opens_no_admin_page(client, sys_admin):
    authenticator(sys_admin)
    password_step(client, "sysadmin")
    for url in (reverse("admin:index"), reverse("admin:auth_user_changelist")):
        assert redirected_to(client.get(url), CODE), url


def test_the_password_alone_opens_no_aggregate(client, data_admin):
    authenticator(data_admin)
    password_step(client, "dataadmin")
    for url in (reverse("aggregates:dashboard"), reverse("aggregates:download", args=["csv"])):
        response = client.get(url)
        assert redirected_to(response, CODE), url
        assert not response.content


def test_the_password_alone_changes_nothing(client, cw_a, case_a):
    authenticator(cw_a)
    password_step(client, "cw_a")
    response = client.post(reverse("accounts:preferences"), {"discreet_mode": "on"})
    assert redirected_to(response, CODE)
    assert not Preferences.objects.filter(user=cw_a, discreet_mode=True).exists()


def test_the_code_opens_the_pages_and_goes_where_the_person_was_headed(client, cw_a, case_a):
    device = authenticator(cw_a)
    password_step(client, "cw_a")
    response = client.post(CODE + f"?next={case_a.get_absolute_url()}", {"token": code_for(device)})
    assert response.status_code == 302 and response["Location"] == case_a.get_absolute_url()
    assert case_a.case_number in client.get(case_a.get_absolute_url()).content.decode()


def test_a_wrong_code_opens_nothing(client, cw_a, case_a):
    device = authenticator(cw_a)
    password_step(client, "cw_a")
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post(CODE, {"token": wrong})
    assert response.status_code == 200 and "not valid" in response.content.decode()
    assert redirected_to(client.get(case_a.get_absolute_url()), CODE)


def test_a_code_is_accepted_once_even_within_its_window(cw_a, case_a):
    """A code read over a shoulder, or from a proxy log, cannot open a second session."""
    device = authenticator(cw_a)
    code = code_for(device)
    first, second = Client(), Client()
    password_step(first, "cw_a")
    assert first.post(CODE, {"token": code}).status_code == 302
    password_step(second, "cw_a")
    response = second.post(CODE, {"token": code})
    assert response.status_code == 200 and "not valid" in response.content.decode()
    assert redirected_to(second.get(case_a.get_absolute_url()), CODE)


def test_first_login_sets_up_the_authenticator_from_a_qr_code_drawn_here(client, cw_a, case_a):
    response = password_step(client, "cw_a")
    response = client.get(response["Location"])
    assert redirected_to(response, ENROL)

    page = client.get(ENROL)
    html = page.content.decode()
    # The QR code is inline SVG: the secret goes to no outside service, and CSP allows only 'self'.
    assert "<svg" in html and "otpauth" not in html
    assert not re.search(r"<img[^>]+src=\"https?:", html)
    device = TOTPDevice.objects.get(user=cw_a, confirmed=False)
    assert page.context["secret"] in html

    response = client.post(ENROL, {"token": code_for(device)})
    device.refresh_from_db()
    assert device.confirmed
    codes = response.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(code in response.content.decode() for code in codes)
    assert client.get(case_a.get_absolute_url()).status_code == 200


def test_enrolment_with_a_wrong_code_confirms_nothing(client, cw_a):
    password_step(client, "cw_a")
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=cw_a)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post(ENROL, {"token": wrong})
    assert response.status_code == 200 and "not valid" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=cw_a, confirmed=True).exists()
    assert not StaticDevice.objects.filter(user=cw_a).exists()


def test_the_password_alone_cannot_add_an_authenticator_to_an_account_that_has_one(client, cw_a):
    authenticator(cw_a)
    password_step(client, "cw_a")
    response = client.get(ENROL)
    assert redirected_to(response, CODE)
    assert TOTPDevice.objects.filter(user=cw_a).count() == 1


def test_the_backup_codes_are_shown_once(client, cw_a):
    password_step(client, "cw_a")
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=cw_a)
    codes = client.post(ENROL, {"token": code_for(device)}).context["codes"]
    again = client.get(ENROL)
    assert again.status_code == 302
    assert not any(code in again.content.decode() for code in codes)


def test_a_backup_code_signs_in_once(cw_a, case_a):
    authenticator(cw_a)
    backup = StaticDevice.objects.create(user=cw_a, name="backup codes", confirmed=True)
    StaticToken.objects.create(device=backup, token="abcd2345")

    first = Client()
    password_step(first, "cw_a")
    assert first.post(CODE, {"token": "ABCD 2345"}).status_code == 302
    assert first.get(case_a.get_absolute_url()).status_code == 200

    second = Client()
    password_step(second, "cw_a")
    assert second.post(CODE, {"token": "abcd2345"}).status_code == 200
    assert redirected_to(second.get(case_a.get_absolute_url()), CODE)


def test_a_reset_by_a_system_admin_is_recorded_and_means_enrolling_again(cw_a, sys_admin, case_a):
    phone = Client()
    sign_in(phone, cw_a)
    StaticDevice.objects.create(user=cw_a, name="backup codes", confirmed=True)

    call_command("reset_two_factor", "cw_a", by="sysadmin", reason="Phone lost in the market")

    assert not TOTPDevice.objects.filter(user=cw_a).exists()
    assert not StaticDevice.objects.filter(user=cw_a).exists()
    # The session on the lost phone ends with it.
    assert phone.get(case_a.get_absolute_url())["Location"].startswith(reverse("login"))
    row = AccessLog.objects.get(action="reset")
    assert (row.user_id, row.object_type, row.object_id) == (sys_admin.pk, "user", str(cw_a.pk))
    assert row.detail == {"username": "cw_a"}
    # And in the chained record of privilege changes, with the reason given.
    change = PrivilegeChange.objects.get(kind=PrivilegeKind.DEVICES_RESET)
    assert (change.subject_id, change.actor_id, change.reason) == (cw_a.pk, sys_admin.pk, "Phone lost in the market")

    client = Client()
    password_step(client, "cw_a")
    assert redirected_to(client.get(reverse("children:list")), ENROL)


def test_only_a_system_admin_can_reset(cw_a, sup_a):
    authenticator(cw_a)
    with pytest.raises(CommandError):
        call_command("reset_two_factor", "cw_a", by="sup_a")
    assert TOTPDevice.objects.filter(user=cw_a).exists()
    assert not AccessLog.objects.filter(action="reset").exists()
    assert not PrivilegeChange.objects.filter(kind=PrivilegeKind.DEVICES_RESET).exists()


def test_logout_and_quick_exit_stay_open_before_the_second_factor(client, cw_a):
    authenticator(cw_a)
    password_step(client, "cw_a")
    assert client.post(reverse("logout"))["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_the_admin_itself_refuses_a_session_without_the_second_factor(client, sys_admin, settings):
    """Defence in depth: with the middleware taken out, the admin site's own check holds."""
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("SignInCompleteMiddleware")]
    authenticator(sys_admin)
    password_step(client, "sysadmin")
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 302


def test_the_admins_login_page_is_the_applications(client):
    response = client.get(reverse("admin:login") + "?next=/admin/auth/user/?q=x")
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=/admin/auth/user/"


def test_the_teams_supervisor_sees_the_reset_in_the_access_review(cw_a, sup_a, sup_b, sys_admin):
    authenticator(cw_a)
    call_command("reset_two_factor", "cw_a", by="sysadmin")
    review = Client()
    review.force_login(sup_a)
    rows = review.get(reverse("supervision:access"), {"kind": "reset"}).context["page"]
    assert [(row.username, row.object_id) for row in rows] == [("sysadmin", str(cw_a.pk))]
    review.force_login(sup_b)
    assert list(review.get(reverse("supervision:access"), {"kind": "reset"}).context["page"]) == []


def test_the_session_probe_answers_401_before_the_second_factor(client, cw_a):
    """static/js/casework.js asks before sending a form: a half signed-in session would not save it."""
    authenticator(cw_a)
    password_step(client, "cw_a")
    response = client.get(reverse("accounts:session"))
    assert response.status_code == 401 and response.json() == {"signed_in": False}
