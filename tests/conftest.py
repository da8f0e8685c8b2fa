import os

# Playwright's sync API runs an event loop in the test thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest  # noqa: E402
from django.utils import timezone  # noqa: E402

import tests.profiles  # noqa: E402,F401  (loads the Hypothesis profile)
from tests import factories  # noqa: E402
from tests.audit_flush import append_only_flush_hatch  # noqa: E402,F401  (flush past the audit triggers)


@pytest.fixture(autouse=True)
def force_login_signs_in_fully(monkeypatch):
    """`client.force_login(user)` gives a session that has passed the second factor, as a
    real login with a code does (django_otp.login), and holds the CSRF token a real login
    leaves in it (CSRF_USE_SESSIONS): the hundreds of tests about pages need a signed-in
    person, not the sign-in, and the pinned query counts the page's own queries. The tests
    of the sign-in itself (tests/casework/accounts/) log in through the real forms,
    password then code."""
    from django.http import HttpRequest
    from django.middleware.csrf import CSRF_SESSION_KEY, get_token
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    plain_force_login = Client.force_login

    def force_login(self, user, backend=None):
        plain_force_login(self, user, backend)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="test authenticator", confirmed=True)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        token_holder = HttpRequest()
        get_token(token_holder)  # what CsrfViewMiddleware stores after a real login's answer
        session[CSRF_SESSION_KEY] = token_holder.META["CSRF_COOKIE"]
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def team_a(db):
    return factories.TeamFactory(name="Team A")


@pytest.fixture
def team_b(db):
    return factories.TeamFactory(name="Team B")


@pytest.fixture
def cw_a(team_a):
    return factories.caseworker(team_a, username="cw_a")


@pytest.fixture
def cw_a2(team_a):
    return factories.caseworker(team_a, username="cw_a2")


@pytest.fixture
def cw_b(team_b):
    return factories.caseworker(team_b, username="cw_b")


@pytest.fixture
def sup_a(team_a):
    return factories.supervisor(team_a, username="sup_a")


@pytest.fixture
def sup_b(team_b):
    return factories.supervisor(team_b, username="sup_b")


@pytest.fixture
def data_admin(db):
    return factories.data_admin(username="dataadmin")


@pytest.fixture
def sys_admin(db):
    return factories.system_admin(username="sysadmin")


@pytest.fixture
def case_a(cw_a):
    """A case of team A, opened by (and so assigned to) cw_a."""
    return factories.open_case_for(cw_a)


@pytest.fixture
def case_b(cw_b):
    return factories.open_case_for(cw_b)


@pytest.fixture
def travel_to(monkeypatch):
    """Make timezone.localdate() answer `day`, as the calendar will on that day."""
    real = timezone.localdate

    def travel(day):
        monkeypatch.setattr(
            timezone, "localdate", lambda value=None, timezone=None: day if value is None else real(value, timezone)
        )

    return travel
