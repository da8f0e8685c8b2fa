"""The one way a tracked row is saved: with its author, its reason and a version check.

Every service of every layer above saves case data through `save_tracked`, so that
simple-history writes one row per change naming the user and the reason, and two people
editing from the same version cannot silently overwrite each other (`StaleEdit`).
"""

from collections.abc import Collection, Mapping
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.db import connections, models, router

from casework.core.history import serialise_history_writers

# Any tracked model: save_tracked and set_fields hand back the instance they were given.
Tracked = TypeVar("Tracked", bound=models.Model)


class StaleEdit(Exception):
    """Someone else saved the record after this form was opened: nothing was written."""

    # `instance` is the record as saved now, of a model with a `version` field.
    def __init__(self, instance: Any, expected_version: int) -> None:
        self.instance = instance
        self.expected_version = expected_version
        super().__init__(
            f"{instance._meta.model_name} is at version {instance.version}, the edit started from {expected_version}"
        )


class MissingVersion(TypeError):
    """An existing versioned record was saved without the version the edit started from:
    a programming error (the forms require the field), never a silent overwrite."""

    def __init__(self, instance: Any) -> None:
        super().__init__(f"{instance._meta.model_name} is versioned: saving it needs expected_version")


def save_tracked(
    instance: Tracked,
    *,
    by: User,
    reason: str = "",
    expected_version: int | None = None,
    fields: Collection[str] | None = None,
) -> Tracked:
    """Save one history-tracked row with its author and reason.

    An existing row of a model with a `version` is locked and its version compared with
    `expected_version` first, so two people editing from the same version cannot silently
    overwrite each other. The version cannot be left out (MissingVersion): a service that
    edits without a form passes the version of the row it read."""
    # Before any row lock: see serialise_history_writers.
    serialise_history_writers(connections[router.db_for_write(type(instance), instance=instance)])
    if instance.pk is not None and hasattr(instance, "version") and not instance._state.adding:
        if expected_version is None:
            raise MissingVersion(instance)
        # Any: only some tracked models have a `version` (and the stubs give Model no `objects`).
        model: Any = type(instance)
        current = model.objects.select_for_update().only("version").get(pk=instance.pk).version
        if current != expected_version:
            fresh = model.objects.get(pk=instance.pk)
            raise StaleEdit(fresh, expected_version)
        instance.version = current + 1
    # simple-history reads the author and the reason off the instance.
    instance._history_user = by  # type: ignore[attr-defined]
    instance._change_reason = reason or None  # type: ignore[attr-defined]
    # Field values are checked here (choices, lengths); the CHECK and UNIQUE constraints are
    # left to the database, which enforces them anyway: validating them in Python costs
    # one SELECT per constraint on every save.
    instance.full_clean(exclude=_excluded_from_clean(instance, fields), validate_constraints=False)
    instance.save()
    return instance


def _excluded_from_clean(instance: models.Model, fields: Collection[str] | None) -> list[str]:
    # Foreign keys are checked by the database; uniqueness of case numbers too, and of
    # the fields below: each would be a SELECT on every save. A new row's generated
    # primary key (a UUID) cannot collide in practice, and the database refuses it if it
    # did; a form's submission token is unique in the database, and its second use is
    # answered by the service that owns it (casework.interviews.services).
    excluded = {f.name for f in instance._meta.fields if isinstance(f, models.ForeignKey)}
    excluded |= {"case_number", "submission_token"}
    pk = instance._meta.pk
    if pk is not None and instance._state.adding and pk.has_default():
        excluded.add(pk.name)
    return list(excluded)


def set_fields(instance: Tracked, values: Mapping[str, Any], *, reserved: Collection[str] = ()) -> Tracked:
    # Relations (a child's team or family, a family's mother) are never edited as plain
    # values: moving a case or relinking a parent changes who may see what, and belongs
    # to a service of its own. `reserved` names fields another service owns.
    allowed = {
        f.name
        for f in instance._meta.fields
        if f.editable and not f.primary_key and not f.is_relation and f.name not in reserved
    }
    for name, value in values.items():
        if name not in allowed:
            raise ValueError(f"{type(instance).__name__} has no editable field {name!r}")
        setattr(instance, name, value)
    return instance
