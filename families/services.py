"""Changes to a child's family, mother and father. Reached through a child the caller may
change (children.access), so the family is always the child's own."""

from django.db import transaction

from children.models import Child
from children.services import _set, save_tracked
from families.models import Family, Father, Mother


@transaction.atomic
def update_family(*, child: Child, by, values: dict, reason: str = "", expected_version: int | None = None) -> Family:
    family = Family.objects.get(pk=child.family_id)
    return save_tracked(_set(family, values), by=by, reason=reason, expected_version=expected_version)


def _parent(child: Child, relation: str):
    family = Family.objects.select_related(relation).get(pk=child.family_id)
    return family, getattr(family, relation)


@transaction.atomic
def update_mother(*, child: Child, by, values: dict, reason: str = "", expected_version: int | None = None) -> Mother:
    """Edit the mother's record, or add one where the family had none."""
    family, mother = _parent(child, "mother")
    if mother is None:
        mother = save_tracked(_set(Mother(), values), by=by, reason=reason)
        family.mother = mother
        save_tracked(family, by=by, reason=reason)
        return mother
    return save_tracked(_set(mother, values), by=by, reason=reason, expected_version=expected_version)


@transaction.atomic
def update_father(*, child: Child, by, values: dict, reason: str = "", expected_version: int | None = None) -> Father:
    """Edit the father's record, or add one where the family had none."""
    family, father = _parent(child, "father")
    if father is None:
        father = save_tracked(_set(Father(), values), by=by, reason=reason)
        family.father = father
        save_tracked(family, by=by, reason=reason)
        return father
    return save_tracked(_set(father, values), by=by, reason=reason, expected_version=expected_version)
