"""AC-1 and IN-1: every URL of the application, every role, the status each one gets.

The matrix is checked in here. A new URL that is not in it fails `test_every_url_is_in_the_matrix`,
so whoever adds a page must decide who may reach it. Statuses are for GET; the CSRF sweep
posts to every URL that accepts POST without a token and expects 403."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from casework.aggregates.services import publish_release
from casework.models import (
    AccessAction,
    AccessLog,
    Assignment,
    Interview,
    Partner,
    PlanGoal,
    Referral,
    Service,
    Transfer,
)
from casework.plans import services as plan_services
from casework.transfers.services import propose_transfer
from children.models import Child, DocumentAccess
from families.models import Family, Father, Mother

ROLES = ("anon", "cw_a", "cw_b", "sup_a", "sup_b", "data_admin", "sys_admin")
LOGIN = 302  # anonymous: sent to the login page


def row(anon=LOGIN, cw_a=404, cw_b=404, sup_a=404, sup_b=404, data_admin=404, sys_admin=404):
    return dict(zip(ROLES, (anon, cw_a, cw_b, sup_a, sup_b, data_admin, sys_admin), strict=True))


CASE_A = row(cw_a=200, sup_a=200)  # a case of team A held by cw_a
CASE_WORK = row(cw_a=200, cw_b=200, sup_a=200, sup_b=200)  # pages of caseworkers and supervisors
SUPERVISORS = row(sup_a=200, sup_b=200)
SUPERVISOR_A = row(sup_a=200)
EVERYONE = row(*(200,) * 7)
POST_ONLY = row(*(405,) * 7)
CASE_ROLES_POST_ONLY = row(LOGIN, 405, 405, 405, 405, 404, 404)

# URL name -> (arguments, GET status per role)
MATRIX = {
    "home": ((), row(LOGIN, 302, 302, 302, 302, 302, 302)),
    "login": ((), row(200, 302, 302, 302, 302, 302, 302)),
    "logout": ((), POST_ONLY),
    "children:list": ((), CASE_WORK),
    "children:new": ((), CASE_WORK),
    "children:detail": (("case",), CASE_A),
    "children:edit": (("case", "child"), CASE_A),
    "children:edit-door": (("case", "education"), CASE_A),
    "children:other-names": (("case",), CASE_A),
    # POST only; for anyone without a case role the page gate answers first: no such page.
    "children:close": (("case",), CASE_ROLES_POST_ONLY),
    "children:reopen": (("case",), CASE_ROLES_POST_ONLY),
    "interviews:new": (("case",), CASE_A),
    "interviews:follow-ups": ((), CASE_WORK),
    "plans:goal-new": (("case",), CASE_A),
    "plans:goal-edit": (("case", "goal"), CASE_A),
    "plans:service-new": (("case",), CASE_A),
    "plans:referral-new": (("case",), CASE_A),
    "plans:referral-status": (("case", "referral"), CASE_A),
    # The supervisor gate first, then the case gate: only the supervisor of the case's team.
    "plans:referral-override": (("case", "referral"), SUPERVISOR_A),
    "plans:referral-slip": (("case", "referral"), CASE_A),
    "plans:partners": ((), CASE_WORK),
    "plans:partner-new": ((), SUPERVISORS),
    # A partner of team A: another team's supervisor gets the same 404 as for none.
    "plans:partner-edit": (("partner",), SUPERVISOR_A),
    "accounts:preferences": ((), row(LOGIN, *(200,) * 6)),
    "accounts:quick-exit": ((), POST_ONLY),
    "accounts:language": ((), POST_ONLY),
    "accounts:neutral": ((), EVERYONE),
    # Asked by the page's script: signed out is 401, never a redirect to follow.
    "accounts:session": ((), row(401, *(200,) * 6)),
    # Signed in with the second factor already (force_login): both steps send the person on.
    "accounts:two-factor": ((), row(LOGIN, *(302,) * 6)),
    "accounts:enrol": ((), row(LOGIN, *(302,) * 6)),
    "accounts:password": ((), row(LOGIN, *(200,) * 6)),
    "supervision:team": ((), SUPERVISORS),
    "supervision:caseload": ((), SUPERVISORS),
    "supervision:timeline": ((), SUPERVISORS),
    "supervision:access": ((), SUPERVISORS),
    "supervision:assignment": (("case",), SUPERVISOR_A),
    # The supervisor gate comes first: for anyone else the page does not exist, whatever
    # the method; the supervisor who leads team A is told to POST.
    "supervision:revoke": (("case", "assignment"), row(LOGIN, 404, 404, 405, 405, 404, 404)),
    "supervision:case-history": (("case",), SUPERVISOR_A),
    "supervision:case-access": (("case",), SUPERVISOR_A),
    "transfers:propose": (("case",), SUPERVISOR_A),
    # A transfer of case_a from team A to team B, pending: both supervisors reach it, the
    # receiving one without the case (tests/casework/transfers/).
    "transfers:detail": (("transfer",), SUPERVISORS),
    "transfers:accept": (("transfer",), row(LOGIN, 404, 404, 405, 405, 404, 404)),
    "transfers:refuse": (("transfer",), row(LOGIN, 404, 404, 405, 405, 404, 404)),
    "transfers:withdraw": (("transfer",), row(LOGIN, 404, 404, 405, 405, 404, 404)),
    "audit:integrity": ((), SUPERVISORS),
    "aggregates:dashboard": ((), row(data_admin=200)),
    "aggregates:download": (("csv",), row(data_admin=200)),
    "aggregates:releases": ((), row(data_admin=200)),
    # Field work offline: the service worker and the manifest carry nothing about anyone.
    "offline:service-worker": ((), EVERYONE),
    "offline:manifest": ((), EVERYONE),
    "offline:home": ((), CASE_WORK),
    "offline:take": ((), CASE_WORK),
    "offline:devices": ((), CASE_WORK),
    "offline:limits": ((), SUPERVISORS),
    "offline:register": ((), CASE_ROLES_POST_ONLY),
    "offline:sync": ((), CASE_ROLES_POST_ONLY),
    "offline:wiped": ((), CASE_ROLES_POST_ONLY),
    "offline:revoke": (("00000000-0000-0000-0000-000000000000",), CASE_ROLES_POST_ONLY),
    "admin:index": ((), row(302, 302, 302, 302, 302, 302, 200)),
    # The admin's "view on site" shortcut, shadowed: no existence oracle for anyone.
    "admin-view-on-site": (("1", "case"), row(*(404,) * 7)),
}


def application_url_names():
    """Every named URL outside the Django admin (which is checked as one page)."""
    names = set()

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(namespace + pattern.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_url_is_in_the_matrix():
    assert application_url_names() | {"admin:index"} == set(MATRIX)


@pytest.fixture
def people(cw_a, cw_b, sup_a, sup_b, data_admin, sys_admin):
    return {
        "cw_a": cw_a,
        "cw_b": cw_b,
        "sup_a": sup_a,
        "sup_b": sup_b,
        "data_admin": data_admin,
        "sys_admin": sys_admin,
    }


@pytest.fixture(autouse=True)
def pending_transfer(case_a, sup_a, team_b, sup_b):
    """A transfer of case_a to team B, waiting for sup_b's answer."""
    return propose_transfer(child=case_a, to_team=team_b, by=sup_a, reason="The family moved to Yanji")


def resolve_args(args, case):
    values = {
        "case": case.pk,
        "assignment": Assignment.objects.filter(child=case).first().pk,
        "transfer": Transfer.objects.filter(child=case).first().pk,
        "goal": PlanGoal.objects.filter(child=case).values_list("pk", flat=True).first(),
        "referral": Referral.objects.filter(child=case).values_list("pk", flat=True).first(),
        "partner": Partner.objects.filter(team_id=case.team_id).values_list("pk", flat=True).first(),
    }
    return [values.get(arg, arg) for arg in args]


@pytest.fixture(autouse=True)
def plan_of_case_a(request):
    """A partner of team A, and a goal and a referral on case A, for the plan's URLs."""
    if "case_a" not in request.fixturenames:
        return
    case = request.getfixturevalue("case_a")
    cw = request.getfixturevalue("cw_a")
    partner = plan_services.add_partner(
        team=case.team, by=cw, values={"name": "Village school", "kind": "school", "province": "jilin"}
    )
    plan_services.add_goal(child=case, by=cw, values={"area": "education", "text": "Enrol", "responsible": cw})
    plan_services.add_referral(child=case, by=cw, values={"partner": partner, "area": "education"})


def client_for(people, role, **kwargs):
    client = Client(**kwargs)
    if role != "anon":
        client.force_login(people[role])
    return client


def tracked_counts():
    models = (
        Child,
        DocumentAccess,
        Family,
        Mother,
        Father,
        Interview,
        Assignment,
        Transfer,
        Partner,
        PlanGoal,
        Service,
        Referral,
    )
    return [model.objects.count() for model in models] + [model.history.count() for model in models]


@pytest.fixture
def release(data_admin):
    """A published release of the aggregates, so that its download exists."""
    return publish_release(by=data_admin, reason="matrix")


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_status_of_the_matrix(people, case_a, case_b, release, role):
    client = client_for(people, role)
    got, expected = {}, {}
    before = tracked_counts()
    for name, (args, statuses) in MATRIX.items():
        got[name] = client.get(reverse(name, args=resolve_args(args, case_a))).status_code
        expected[name] = statuses[role]
    assert got == expected
    # IN-1: a GET changes no case data and no history (the access log is written by design).
    assert tracked_counts() == before


@pytest.mark.parametrize("role", ["cw_a", "sup_a"])
def test_every_post_without_a_csrf_token_is_refused(people, case_a, role):
    client = client_for(people, role, enforce_csrf_checks=True)
    refused = {}
    for name, (args, _statuses) in MATRIX.items():
        if name in ("accounts:quick-exit", "accounts:neutral"):
            continue  # the exit must work with a stale page; the calendar takes no POST
        response = client.post(reverse(name, args=resolve_args(args, case_a)), {"reason": "x"})
        refused[name] = response.status_code
    # The CSRF check runs before the view, so even GET-only pages refuse a forged POST.
    assert {name: status for name, status in refused.items() if status != 403} == {}


@pytest.mark.parametrize("role", [role for role in ROLES if role != "anon"])
def test_every_404_of_the_matrix_is_logged_as_denied(people, case_a, case_b, role):
    """Whichever gate refuses (a page gate of casework.web.gates or the case gate of
    children.access), the refusal is in the access log for the supervisors' review."""
    client = client_for(people, role)
    unlogged = []
    for name, (args, statuses) in MATRIX.items():
        if statuses[role] != 404:
            continue
        before = AccessLog.objects.filter(user_id=people[role].pk, action=AccessAction.DENIED).count()
        assert client.get(reverse(name, args=resolve_args(args, case_a))).status_code == 404
        if AccessLog.objects.filter(user_id=people[role].pk, action=AccessAction.DENIED).count() != before + 1:
            unlogged.append(name)
    assert unlogged == []
