"""Changes to a child's family, mother and father. Reached through a child the caller may
change (children.access), so the family is always the child's own."""

from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.db import transaction

from casework.core.tracked import save_tracked, set_fields
from casework.names.keys import write_family_name_keys
from children.models import Child
from families.models import Family, Father, Mother

Parent = TypeVar("Parent", Mother, Father)


@transaction.atomic
def update_family(*, child: Child, by: User, values: dict[str, Any], expected_version: int, reason: str = "") -> Family:
    family = Family.objects.get(pk=child.family_id)
    return save_tracked(set_fields(family, values), by=by, reason=reason, expected_version=expected_version)


def _update_parent(
    child: Child,
    relation: str,
    model: type[Parent],
    *,
    by: User,
    values: dict[str, Any],
    reason: str,
    expected_version: int | None,
) -> Parent:
    """Edit the family's mother or father (at `expected_version`), or add one where the
    family had none (`expected_version` None: there is no version yet)."""
    family = Family.objects.select_related(relation).get(pk=child.family_id)
    parent: Parent | None = getattr(family, relation)
    if parent is None:
        parent = save_tracked(set_fields(model(), values), by=by, reason=reason)
        setattr(family, relation, parent)
        # The family row was read just now, in this transaction: its own version.
        save_tracked(family, by=by, reason=reason, expected_version=family.version)
    else:
        save_tracked(set_fields(parent, values), by=by, reason=reason, expected_version=expected_version)
    # The parent's names are keys of every case of the family (siblings included).
    write_family_name_keys(family_id=family.pk)
    return parent


@transaction.atomic
def update_mother(
    *, child: Child, by: User, values: dict[str, Any], expected_version: int | None, reason: str = ""
) -> Mother:
    return _update_parent(
        child, "mother", Mother, by=by, values=values, reason=reason, expected_version=expected_version
    )


@transaction.atomic
def update_father(
    *, child: Child, by: User, values: dict[str, Any], expected_version: int | None, reason: str = ""
) -> Father:
    return _update_parent(
        child, "father", Father, by=by, values=values, reason=reason, expected_version=expected_version
    )
