"""seed_demo: the demo users, and synthetic children shaped like the survey, written
through the real services, the same for a seed and never duplicated."""

import base64
import datetime
import random
import re
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from casework.access.queries import supervised_team, teams_of
from casework.core import roles
from casework.demo import services as demo
from casework.models import (
    Assignment,
    Interview,
    Partner,
    PlanGoal,
    Referral,
    ReferralStatus,
    Service,
    Team,
    Transfer,
    TransferStatus,
)
from children.access import children_visible_to
from children.models import AccessStatus, Barrier, CaseStatus, Child, DocumentAccess, LivingArrangement
from families.models import Family, Father, Mother, MotherStatus, Province, Whereabouts

HANGUL = re.compile(r"^[\uac00-\ud7a3]+$")
HAN = re.compile(r"^[\u4e00-\u9fff]+$")
pytestmark = pytest.mark.django_db

TRACKED = (Child, DocumentAccess, Family, Mother, Father, Interview, Assignment, Partner, PlanGoal, Service, Referral)


def seed(**options):
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def debug(settings):
    settings.DEBUG = True
    return settings


def snapshot():
    """Everything that identifies the demo data apart from random UUIDs."""
    children = Child.objects.select_related("family__mother", "family__father").order_by("case_number")
    first_of_family = {}
    rows = []
    for child in children:
        family = child.family
        first_of_family.setdefault(family.pk, child.case_number)
        rows.append(
            (
                child.case_number,
                child.given_name,
                child.family_name,
                child.date_of_birth,
                child.living_arrangement,
                child.hukou_status,
                child.case_status,
                first_of_family[family.pk],
                family.county,
                family.village,
                family.mother.given_name,
                family.mother.status,
                family.father and family.father.family_name,
                tuple(child.document_access.order_by("kind").values_list("kind", "status", "barrier")),
                tuple(
                    child.interviews.order_by("held_on", "created_at").values_list("held_on", "follow_up_on", "notes")
                ),
                child.assignments.get().caseworker.username,
                tuple(child.plan_goals.order_by("created_at").values_list("area", "status", "target_on")),
                tuple(
                    child.services.order_by("given_on", "created_at").values_list(
                        "kind", "given_on", "partner__name", "amount_yuan"
                    )
                ),
                tuple(
                    child.referrals.order_by("created_at").values_list("partner__name", "area", "status", "share_name")
                ),
            )
        )
    return rows


def counts():
    return {
        **{model.__name__: model.objects.count() for model in TRACKED},
        **{f"history of {model.__name__}": model.history.count() for model in TRACKED},
        "users": get_user_model().objects.count(),
        "teams": Team.objects.count(),
    }


def fresh_snapshot(**options):
    """Seed inside a savepoint that is rolled back: what a fresh database gets."""
    with transaction.atomic():
        seed(**options)
        result = snapshot()
        transaction.set_rollback(True)
    return result


def test_creates_the_seven_demo_users_with_their_roles_teams_and_password(debug):
    seed(children=0)

    users = {user.username: user for user in get_user_model().objects.all()}
    assert set(users) == {
        "caseworker1",
        "caseworker2",
        "caseworker3",
        "supervisor1",
        "supervisor2",
        "dataadmin",
        "sysadmin",
        "sysadmin2",
    }
    expected = {
        "caseworker1": (roles.CASEWORKER, {"A"}),
        "caseworker2": (roles.CASEWORKER, {"A"}),
        "caseworker3": (roles.CASEWORKER, {"B"}),
        "supervisor1": (roles.SUPERVISOR, {"A"}),
        "supervisor2": (roles.SUPERVISOR, {"B"}),
        "dataadmin": (roles.DATA_ADMIN, set()),
        "sysadmin": (roles.SYSTEM_ADMIN, set()),
        "sysadmin2": (roles.SYSTEM_ADMIN, set()),
    }
    assert set(users) == set(expected)
    for username, (role, teams) in expected.items():
        user = users[username]
        assert roles.roles_of(user) == {role}, username
        assert {team.name for team in teams_of(user)} == teams, username
        assert user.check_password(debug.DEMO_PASSWORD), username
        assert (user.is_staff, user.is_superuser) == (
            (True, True) if username.startswith("sysadmin") else (False, False)
        )
    assert supervised_team(users["supervisor1"]).name == "A"
    assert supervised_team(users["supervisor2"]).name == "B"


def test_the_password_comes_from_the_demo_password_setting(debug):
    debug.DEMO_PASSWORD = "another-long-demo-password"
    seed(children=0)
    assert get_user_model().objects.get(username="caseworker1").check_password("another-long-demo-password")


def test_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        seed(children=5)
    assert not get_user_model().objects.exists()


def test_force_with_debug_off_still_refuses_the_default_password(settings):
    settings.DEBUG = False
    settings.DEMO_PASSWORD = "demo-password"
    with pytest.raises(CommandError, match="DEMO_PASSWORD"):
        seed(children=5, force=True)
    assert not Child.objects.exists()


def test_force_runs_with_debug_off_and_a_password_of_ones_own(settings):
    settings.DEBUG = False
    settings.DEMO_PASSWORD = "a-training-server-password"
    output = seed(children=5, force=True)
    assert Child.objects.count() == 5
    assert "a-training-server-password" not in output


def test_a_fresh_database_gets_the_same_data_for_the_same_seed(debug):
    first = fresh_snapshot(children=12, seed=5)
    assert not Child.objects.exists()
    assert fresh_snapshot(children=12, seed=5) == first


def test_plans_are_deterministic_and_a_smaller_plan_is_a_prefix_of_a_larger_one():
    today = datetime.date(2026, 11, 26)
    plans = demo.plan_children(30, seed=7, today=today)
    assert len(plans) == 30
    assert demo.plan_children(30, seed=7, today=today) == plans
    assert demo.plan_children(130, seed=7, today=today)[:30] == plans
    assert demo.plan_children(30, seed=8, today=today) != plans


def test_a_larger_run_adds_only_the_missing_children_into_the_same_families(debug):
    plans = demo.plan_children(15, seed=9, today=timezone.localdate())
    # Stop the first run just after an eldest child whose sibling comes next.
    split = next(plan.number - 1 for plan in plans if plan.family_number != plan.number)
    expected = fresh_snapshot(children=15, seed=9)
    seed(children=split, seed=9)
    first_ids = set(Child.objects.values_list("pk", flat=True))

    output = seed(children=15, seed=9)

    assert f"{15 - split} created, {split} already there" in output
    assert first_ids <= set(Child.objects.values_list("pk", flat=True))
    assert snapshot() == expected
    eldest, sibling = Child.objects.order_by("case_number")[split - 1 : split + 1]
    assert eldest.family_id == sibling.family_id


def test_another_seed_is_refused_once_demo_data_exists(debug):
    seed(children=5, seed=1)
    with pytest.raises(CommandError, match="seed 1"):
        seed(children=5, seed=2)
    assert Child.objects.count() == 5


def test_the_summary_names_the_users_and_the_children(debug):
    output = seed(children=3)
    for demo_user in demo.DEMO_USERS:
        assert demo_user.username in output
    assert "3 created, 0 already there" in output
    assert "Password: demo-password" in output


def test_verbose_runs_report_progress_on_stderr(debug):
    err = StringIO()
    call_command("seed_demo", children=3, verbosity=2, stdout=StringIO(), stderr=err)
    assert "3/3 demo children" in err.getvalue()


class TestTheDemoSetOfAHundred:
    """One seeded database of 100 children, read by every test of the class."""

    @pytest.fixture(scope="class", autouse=True)
    @classmethod
    def hundred(cls, django_db_setup, django_db_blocker):
        with django_db_blocker.unblock(), transaction.atomic():
            demo.seed_demo(children=100)
            yield
            transaction.set_rollback(True)

    def test_running_it_again_changes_nothing(self, debug):
        before_counts, before = counts(), snapshot()

        output = seed(children=100)

        assert counts() == before_counts
        assert snapshot() == before
        assert "0 created, 100 already there" in output

    def test_one_transfer_from_team_a_to_team_b_waits_for_an_answer(self):
        transfer = Transfer.objects.select_related("child", "from_team", "to_team", "proposed_by").get()
        assert (transfer.from_team.name, transfer.to_team.name, transfer.status) == ("A", "B", TransferStatus.PENDING)
        assert transfer.proposed_by.username == "supervisor1" and transfer.child.case_status == "open"
        assert transfer.child.team.name == "A"
        # Chosen by the seed: the same plan number every time.
        plans = demo.plan_children(100, seed=demo.DEFAULT_SEED, today=timezone.localdate())
        numbers = {
            child_id: number for number, (child_id, _family) in demo.existing_demo_children(demo.DEFAULT_SEED).items()
        }
        chosen = numbers[transfer.child_id]
        again = [
            plan.number
            for plan in plans
            if plan.caseworker in ("caseworker1", "caseworker2")
            and plan.closed_on is None
            and sum(other.family_number == plan.family_number for other in plans) == 1
        ]
        assert random.Random(f"casework-demo:{demo.DEFAULT_SEED}:transfer").choice(again) == chosen

    def test_it_has_plausible_partners_plans_services_and_referrals(self):
        assert (
            Partner.objects.filter(team__name="A").count() == 5 and Partner.objects.filter(team__name="B").count() == 4
        )
        goals = list(PlanGoal.objects.select_related("child"))
        assert 50 <= len(goals) <= 95
        assert {goal.status for goal in goals} >= {"open", "achieved"}
        services = list(Service.objects.select_related("partner", "child"))
        assert len(services) >= 40
        assert all(s.partner is None or s.partner.team_id == s.child.team_id for s in services)
        assert all(s.amount_yuan is None or s.amount_yuan > 0 for s in services)
        referrals = list(Referral.objects.select_related("partner", "child"))
        assert len(referrals) >= 5
        for referral in referrals:
            assert referral.partner.team_id == referral.child.team_id
            assert referral.status == ReferralStatus.PREPARED or referral.has_consent

    def test_it_is_shaped_like_the_survey(self):
        children = list(Child.objects.select_related("family__mother", "family__father"))
        assert len(children) == 100
        arrangement = Counter(child.living_arrangement for child in children)
        status = Counter(child.family.mother.status for child in children)
        assert 12 <= arrangement[LivingArrangement.BOTH_PARENTS] <= 18
        assert 32 <= status[MotherStatus.REPATRIATED] <= 40
        assert 27 <= status[MotherStatus.RAN_AWAY] <= 35
        assert status[MotherStatus.PRESENT] >= arrangement[LivingArrangement.BOTH_PARENTS]

    def test_the_mother_and_the_living_arrangement_agree(self):
        ran_away_to = Counter()
        for child in Child.objects.select_related("family__mother", "family__father"):
            mother, father = child.family.mother, child.family.father
            if mother.status == MotherStatus.REPATRIATED:
                assert mother.whereabouts == Whereabouts.NORTH_KOREA
            if mother.status != MotherStatus.PRESENT:
                assert child.living_arrangement not in (LivingArrangement.BOTH_PARENTS, LivingArrangement.MOTHER_ONLY)
                assert mother.status_changed_on is not None or mother.status == MotherStatus.UNKNOWN
            if mother.status == MotherStatus.RAN_AWAY:
                ran_away_to[mother.whereabouts] += 1
                assert mother.whereabouts != Whereabouts.NORTH_KOREA
            if child.living_arrangement in (LivingArrangement.BOTH_PARENTS, LivingArrangement.FATHER_ONLY):
                assert father is not None and father.present
            if child.living_arrangement == LivingArrangement.BOTH_PARENTS:
                assert mother.status == MotherStatus.PRESENT
        assert ran_away_to.most_common(1)[0][0] == Whereabouts.SOUTH_KOREA

    def test_names_and_places_are_korean_and_chinese(self):
        mothers = list(Mother.objects.all())
        fathers = list(Father.objects.all())
        assert all(HANGUL.match(m.family_name + m.given_name) for m in mothers)
        assert all(HAN.match(f.family_name + f.given_name) for f in fathers)
        names = [child.family_name + child.given_name for child in Child.objects.all()]
        assert any(HAN.match(name) for name in names) and any(HANGUL.match(name) for name in names)
        provinces = Counter(Family.objects.values_list("province", flat=True))
        assert provinces.most_common(1)[0][0] == Province.JILIN
        counties = Counter(Family.objects.values_list("county", flat=True))
        assert sum(counties[county] for county in demo.YANBIAN) > Family.objects.count() / 2
        assert {m.origin_province for m in mothers} <= {name for name, _ in demo.NK_PROVINCES}

    def test_siblings_share_a_family(self):
        sizes = Counter(Child.objects.values_list("family_id", flat=True))
        assert max(sizes.values()) >= 2
        assert Family.objects.count() == len(sizes)

    def test_the_four_doors_are_shaped_by_registration_and_age(self):
        doors = Counter(DocumentAccess.objects.values_list("kind", "status", "barrier"))
        for kind in ("education", "medical"):
            shut_for_hukou = doors[(kind, AccessStatus.NO_ACCESS, Barrier.NO_HUKOU)]
            assert shut_for_hukou == max(count for (k, *_), count in doors.items() if k == kind)
        for kind in ("marriage", "bank"):
            not_applicable = doors[(kind, AccessStatus.NOT_APPLICABLE, "")]
            assert not_applicable > 50

    def test_every_child_has_four_doors_and_history_written_by_a_caseworker(self):
        caseworkers = set(get_user_model().objects.filter(username__in=demo.CASEWORKERS).values_list("pk", flat=True))
        for child in Child.objects.prefetch_related("document_access"):
            assert sorted(door.kind for door in child.document_access.all()) == [
                "bank",
                "education",
                "marriage",
                "medical",
            ]
        assert not Child.history.filter(history_user_id__isnull=True).exists()
        assert not DocumentAccess.history.filter(history_user_id__isnull=True).exists()
        assert set(Child.history.values_list("history_user_id", flat=True)) <= caseworkers
        opened = Child.history.filter(history_type="+")
        assert opened.count() == 100
        assert all(
            reason.startswith(demo.MARKER_PREFIX) for reason in opened.values_list("history_change_reason", flat=True)
        )

    def test_history_reads_as_if_it_happened_over_two_years(self):
        now = timezone.now()
        dates = list(Child.history.values_list("history_date", flat=True))
        assert min(dates) < now - datetime.timedelta(days=365)
        assert max(dates) <= now
        for child in Child.objects.all()[:20]:
            records = list(child.history.order_by("history_id").values_list("history_date", flat=True))
            assert records == sorted(records)

    def test_cases_carry_a_few_interviews_with_overdue_and_upcoming_follow_ups(self):
        today = timezone.localdate()
        per_child = Counter(Interview.objects.values_list("child_id", flat=True))
        assert len(per_child) == 100 and 1 <= min(per_child.values()) and max(per_child.values()) <= 6
        held = list(Interview.objects.values_list("held_on", flat=True))
        assert min(held) < today - datetime.timedelta(days=365) and max(held) <= today
        latest = {}
        for child_id, follow_up in Interview.objects.order_by("held_on").values_list("child_id", "follow_up_on"):
            latest[child_id] = follow_up
        open_ids = set(Child.objects.filter(case_status=CaseStatus.OPEN).values_list("pk", flat=True))
        follow_ups = [latest[pk] for pk in open_ids if latest[pk] is not None]
        assert sum(day < today for day in follow_ups) >= 5
        assert sum(today <= day <= today + datetime.timedelta(days=14) for day in follow_ups) >= 5
        assert Child.objects.filter(case_status=CaseStatus.CLOSED).exists()

    def test_the_children_are_spread_over_the_three_caseworkers(self):
        holders = Counter(Assignment.objects.values_list("caseworker__username", flat=True))
        assert set(holders) == set(demo.CASEWORKERS)
        assert min(holders.values()) >= 15
        assert sum(holders.values()) == 100

    def test_a_caseworker_sees_only_their_children_and_a_supervisor_their_team(self):
        User = get_user_model()  # noqa: N806
        caseworker1, supervisor1, supervisor2 = (
            User.objects.get(username=name) for name in ("caseworker1", "supervisor1", "supervisor2")
        )
        own = set(Assignment.objects.filter(caseworker=caseworker1).values_list("child_id", flat=True))
        assert own and set(children_visible_to(caseworker1).values_list("pk", flat=True)) == own
        team_a = set(Child.objects.filter(team__name="A").values_list("pk", flat=True))
        assert set(children_visible_to(supervisor1).values_list("pk", flat=True)) == team_a
        team_b = set(Child.objects.filter(team__name="B").values_list("pk", flat=True))
        assert set(children_visible_to(supervisor2).values_list("pk", flat=True)) == team_b
        assert not children_visible_to(User.objects.get(username="dataadmin")).exists()
        assert not children_visible_to(User.objects.get(username="sysadmin")).exists()


def test_with_debug_on_the_demo_users_share_the_published_authenticator_key(debug):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from casework.demo.users import DEMO_TOTP_KEY_BASE32

    output = seed(children=0)
    assert DEMO_TOTP_KEY_BASE32 in output
    devices = TOTPDevice.objects.filter(confirmed=True)
    assert devices.count() == len(demo.DEMO_USERS)
    assert {device.bin_key for device in devices} == {base64.b32decode(DEMO_TOTP_KEY_BASE32)}
    seed(children=0)  # again: nothing doubled
    assert TOTPDevice.objects.count() == len(demo.DEMO_USERS)


def test_with_debug_off_no_demo_user_gets_the_published_key(settings):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from casework.demo.users import DEMO_TOTP_KEY_BASE32

    settings.DEBUG = False
    settings.DEMO_PASSWORD = "a-training-password-of-our-own"
    output = seed(children=0, force=True)
    assert DEMO_TOTP_KEY_BASE32 not in output
    assert not TOTPDevice.objects.exists()
