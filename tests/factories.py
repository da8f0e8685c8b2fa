"""Factories build valid objects with no permissions attached; tests say who may see what.

Cases are opened through the real service (`open_case_for`) so that they carry their four
document-access rows, their history and the grants a real case has.
"""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from casework.access.queries import teams_of
from casework.access.services import create_team, grant_role, join_team
from casework.core import roles
from children.models import HukouStatus, LivingArrangement, Sex
from children.services import open_case
from families.models import MotherStatus, Province, Whereabouts

PASSWORD = "a-long-test-password"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    # Hashed here rather than through set_password(): a password set with set_password()
    # by someone other than its owner must be changed at the next login
    # (casework.accounts.passwords), and test users are ready to sign in as they are.
    password = factory.LazyFunction(lambda: make_password(PASSWORD))

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def TeamFactory(name="Team A"):  # noqa: N802  (reads like the other factories)
    return create_team(name=name)


def _user_with_role(role, team=None, **kwargs):
    # Through the services, as the console (by=None): the change takes effect at once.
    user = UserFactory(**kwargs)
    if team is not None:
        join_team(user=user, team=team, role=role)
    else:
        grant_role(user=user, role=role)
    return user


def caseworker(team, **kwargs):
    return _user_with_role(roles.CASEWORKER, team, **kwargs)


def supervisor(team, **kwargs):
    return _user_with_role(roles.SUPERVISOR, team, **kwargs)


def data_admin(**kwargs):
    return _user_with_role(roles.DATA_ADMIN, **kwargs)


def system_admin(**kwargs):
    kwargs.setdefault("is_staff", True)
    kwargs.setdefault("is_superuser", True)
    return _user_with_role(roles.SYSTEM_ADMIN, **kwargs)


CHILD = {
    "given_name": "Minji",
    "family_name": "Kim",
    "date_of_birth": datetime.date(2016, 3, 14),
    "sex": Sex.FEMALE,
    "living_arrangement": LivingArrangement.FATHER_ONLY,
    "hukou_status": HukouStatus.UNREGISTERED,
}
MOTHER = {
    "given_name": "Sunhee",
    "family_name": "Kim",
    "birth_year": 1988,
    "origin_province": "North Hamgyong",
    "arrived_china_year": 2008,
    "status": MotherStatus.REPATRIATED,
    "whereabouts": Whereabouts.NORTH_KOREA,
}
FATHER = {"given_name": "Wei", "family_name": "Zhang", "birth_year": 1975, "hukou_county": "Longjing", "present": True}
FAMILY = {"province": Province.JILIN, "county": "Longjing", "village": "Sanhe"}


def open_case_for(user, *, team=None, child=None, family=None, mother=MOTHER, father=FATHER, **kwargs):
    """Open a case as `user` (a caseworker gets it assigned) in their team."""
    team = team or teams_of(user).get()
    return open_case(
        by=user,
        team=team,
        child={**CHILD, **(child or {})},
        family=family,
        family_data=None if family else dict(FAMILY),
        mother=None if family else mother,
        father=None if family else father,
        **kwargs,
    )
