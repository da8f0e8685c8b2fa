"""The "someone else saved this meanwhile" table of an edit that arrived too late
(casework.core.tracked.StaleEdit), shared by every form that edits a versioned record."""

from casework.audit.services import log_access
from casework.core.display import display_value
from casework.core.tracked import StaleEdit
from casework.models import AccessAction


def log_conflict(request, stale: StaleEdit) -> None:
    """A refused save is in the access log: who, which kind of record and its id, with the
    versions; never the values either side wanted."""
    record = stale.instance
    log_access(
        user=request.user,
        action=AccessAction.CONFLICT,
        object_type=record._meta.model_name,
        object_id=record.pk,
        request=request,
        detail={"expected_version": stale.expected_version, "current_version": record.version},
    )


def conflict_rows(form, current, fields=None) -> list[tuple[str, str, str]]:
    """Field by field, what someone else saved and what this form would have saved.
    `fields` defaults to the model form's own fields."""
    rows = []
    for name in fields or form._meta.fields:
        if name not in form.fields:  # left out of the form (discreet mode): not saved either
            continue
        field = form.fields[name]
        theirs = getattr(current, name)
        yours = form.cleaned_data.get(name)
        if theirs != yours:
            choices = getattr(field, "choices", None)
            rows.append((field.label, display_value(theirs, choices), display_value(yours, choices)))
    return rows


def carry_newer_version(form, record) -> None:
    """After a conflict the form carries the version now saved, so that saving again from
    the conflict page is a deliberate choice over the other person's change."""
    form.data = form.data.copy()
    form.data[form.add_prefix("version")] = record.version
