"""Stores the search keys of the names on a case, beside the case (children.NameKey).

Called by the services that write names (opening a case, editing the child, the mother or
the father, their other names) inside their transaction, so keys never lag the names; and
by `manage.py rebuild_name_keys` for older data or after a library upgrade changed readings."""

import uuid
from collections.abc import Iterable

from django.db import transaction

from casework.names.readings import person_keys
from children.models import Child, NamedPerson, NameKey


def keys_of_case(child: Child) -> set[tuple[str, str]]:
    """(whose, key) for every name on the case: the child, the mother, the father, and
    the other names recorded of each."""
    family = child.family
    people: list[tuple[str, object]] = [
        (NamedPerson.CHILD, child),
        (NamedPerson.MOTHER, family.mother),
        (NamedPerson.FATHER, family.father),
    ]
    people += [(other.person, other) for other in child.other_names.all()]
    keys: set[tuple[str, str]] = set()
    for whose, person in people:
        if person is not None:
            names = person_keys(getattr(person, "family_name", ""), getattr(person, "given_name", ""))
            keys |= {(whose, key[:255]) for key in names}
    return keys


@transaction.atomic
def write_name_keys(*, children: Iterable[Child]) -> int:
    """Replace the keys of these cases by the keys of their names now. Returns the number written."""
    written = 0
    for child in children:
        fresh = Child.objects.select_related("family__mother", "family__father").get(pk=child.pk)
        keys = sorted(keys_of_case(fresh))
        # Derived from the names, whose changes history records; the keys themselves have none.
        NameKey.objects.filter(child=fresh).delete()  # history-safe: derived search keys, rebuilt from the names
        rows = [NameKey(child=fresh, whose=whose, key=key) for whose, key in keys]
        NameKey.objects.bulk_create(rows)  # history-safe: derived search keys, rebuilt from the names
        written += len(keys)
    return written


def write_family_name_keys(*, family_id: uuid.UUID) -> int:
    """After a parent's name changed: every case of the family carries the parents' keys."""
    return write_name_keys(children=Child.objects.filter(family_id=family_id))
