"""Which tables are audit data: the one list behind the append-only triggers, the keyed
chains, verify_audit and the checkpoints.

- every simple-history table (`Historical*` models) of TRACKED_APPS, found through the
  app registry, so a new tracked model is covered by the next migration;
- the models named in AUDIT_MODELS, with the names of their chain columns.

A new append-only audit table (a record of privilege changes, the admin's log) is added
to AUDIT_MODELS, given the three chain columns, written only through
`casework.audit.chain.link_row` just before its INSERT, and its migration ends with
`install_append_only_triggers`. verify_audit and audit_checkpoint then cover it.
"""

import functools
from dataclasses import dataclass

from django.apps.registry import Apps
from django.db import models

TRACKED_APPS = ("casework", "children", "families")
HEAD_TABLE = "casework_auditchainhead"

# "app_label.ModelName": (sequence column, previous-hash column, hash column, time column).
AUDIT_MODELS: dict[str, tuple[str, str, str, str]] = {
    "casework.AccessLog": ("seq", "prev_hash", "row_hash", "at"),
    "casework.PrivilegeChange": ("seq", "prev_hash", "row_hash", "at"),
    # The Django admin's own log, in place of django_admin_log (casework.admin).
    "casework.AdminLogEntry": ("seq", "prev_hash", "row_hash", "at"),
}
# Append-only but not chained: records frozen once written that are not audit data of
# their own (a published release of the anonymised aggregates is what it was).
FROZEN_MODELS = ("casework.AggregatesRelease",)
# The chain columns every history table gets (casework.core.history.HistoryAttribution).
HISTORY_COLUMNS = ("chain_seq", "chain_prev", "chain_hash", "history_date")


@dataclass(frozen=True)
class Chain:
    """One audit table and the names of its chain columns."""

    model: type[models.Model]
    seq: str
    prev: str
    hash: str
    at: str

    @property
    def table(self) -> str:
        return self.model._meta.db_table


def is_history_model(model: type[models.Model]) -> bool:
    meta = model._meta
    return (
        meta.app_label in TRACKED_APPS
        and model.__name__.startswith("Historical")
        and any(field.name == "history_type" for field in meta.get_fields())
    )


def _has_fields(model: type[models.Model], names: tuple[str, ...]) -> bool:
    present = {field.name for field in model._meta.get_fields()}
    return all(name in present for name in names)


def history_models(apps: Apps) -> list[type[models.Model]]:
    return sorted((model for model in apps.get_models() if is_history_model(model)), key=lambda m: m._meta.db_table)


def audit_models(apps: Apps) -> list[type[models.Model]]:
    """The models of AUDIT_MODELS that exist at this point of the migration graph."""
    found = []
    for label in AUDIT_MODELS:
        try:
            found.append(apps.get_model(label))
        except LookupError:
            continue
    return found


def append_only_tables(apps: Apps) -> list[str]:
    """Every audit table, chained or not yet: history tables, then AUDIT_MODELS, then the
    frozen records of FROZEN_MODELS. `apps` is django.apps.apps or a migration's
    historical registry."""
    frozen = []
    for label in FROZEN_MODELS:
        try:
            frozen.append(apps.get_model(label)._meta.db_table)
        except LookupError:
            continue
    return (
        [model._meta.db_table for model in history_models(apps)]
        + [model._meta.db_table for model in audit_models(apps)]
        + frozen
    )


def chains(apps: Apps) -> list[Chain]:
    """Every audit table that has its chain columns, in a fixed order."""
    found = [Chain(model, *HISTORY_COLUMNS) for model in history_models(apps) if _has_fields(model, HISTORY_COLUMNS)]
    for label, columns in AUDIT_MODELS.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        if _has_fields(model, columns):
            found.append(Chain(model, *columns))
    return found


@functools.cache
def chain_for(model: type[models.Model]) -> Chain | None:
    """The chain of one model (a history model or one of AUDIT_MODELS), or None. Cached:
    every audit write asks, and a model's fields do not change while the process runs."""
    if is_history_model(model) and _has_fields(model, HISTORY_COLUMNS):
        return Chain(model, *HISTORY_COLUMNS)
    columns = AUDIT_MODELS.get(model._meta.label)
    if columns is not None and _has_fields(model, columns):
        return Chain(model, *columns)
    return None
