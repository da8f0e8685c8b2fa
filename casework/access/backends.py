"""Case permissions are answered by the one access gate, for everyone.

Django's `User.has_perm` answers True for an active superuser before it asks any backend,
and its ModelBackend answers True for every model-wide permission of a superuser. For a
permission on case data (casework.access.model_wide lists the models) neither is
consulted: `has_perm` asks the gate for a child and answers False for anything else, so
`has_perm("children.view_child", child)` is False for a superuser who holds no case, as
it is for anyone the gate would refuse.
"""

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Model
from guardian.backends import ObjectPermissionBackend

from casework.access.model_wide import CASE_DATA_APPS, CASE_DATA_MODELS
from children import access
from children.models import Child


def is_case_permission(perm: str) -> bool:
    """Whether "app_label.codename" is a permission on case data."""
    app_label, _dot, codename = perm.partition(".")
    model = codename.partition("_")[2]
    return app_label in CASE_DATA_APPS or (app_label == "casework" and model in CASE_DATA_MODELS)


class CaseObjectPermissionBackend(ObjectPermissionBackend):
    """guardian's backend, with case permissions answered by the one access gate.

    guardian's checker reaches the permission table by a join that skips the manager
    which hides lapsed temporary assignments; asking children.access keeps `has_perm`
    in step with every list and page of the application."""

    def has_perm(self, user_obj: User | AnonymousUser, perm: str, obj: Model | None = None) -> bool:
        if isinstance(obj, Child):
            codename = perm.rpartition(".")[2]
            if codename not in ("view_child", "change_child"):
                return False
            return access.may_access(user_obj, obj.pk, f"children.{codename}")
        if is_case_permission(perm):
            return False  # case data is granted per case, never model-wide or on another object
        return super().has_perm(user_obj, perm, obj)


_GATE = CaseObjectPermissionBackend()


def answer_case_permissions_by_the_gate() -> None:
    """Replace User.has_perm so that a case permission is answered by the gate alone,
    superuser or not (called once from casework.apps)."""
    original = User.has_perm
    if getattr(original, "answers_case_permissions_by_the_gate", False):
        return

    def has_perm(self: User, perm: str, obj: Any = None) -> bool:
        if is_case_permission(perm):
            return self.is_active and _GATE.has_perm(self, perm, obj)
        return original(self, perm, obj)

    has_perm.answers_case_permissions_by_the_gate = True  # type: ignore[attr-defined]
    User.has_perm = has_perm  # type: ignore[method-assign,assignment]  # the one replaced method
