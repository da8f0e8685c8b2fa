"""Log a field interview, and the follow-ups that interviews set."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from casework.audit.services import log_access
from casework.core.tracked import StaleEdit
from casework.interviews import queries as interview_queries
from casework.interviews.forms import DoorNowForm, InterviewForm, InterviewReasonForm, MotherNowForm
from casework.interviews.services import record_interview
from casework.models import AccessAction, Interview
from casework.plans.forms import ServiceForm
from casework.web.conflicts import carry_newer_version, conflict_rows, log_conflict
from casework.web.discreet import discreet
from casework.web.gates import case_role_required
from casework.web.htmx import refused_status
from children import access
from children.models import DocumentKind
from children.services import DoorUpdate


def _interview_forms(child, data=None):
    doors = {door.kind: door for door in child.document_access.all()}
    mother = child.family.mother
    forms = {
        "interview": InterviewForm(data, prefix="interview"),
        "reason": InterviewReasonForm(data, prefix="reason"),
        "doors": [DoorNowForm(data, instance=doors[kind], prefix=f"door-{kind}") for kind in DocumentKind.values],
        "mother": None,
        # A service given during the visit, recorded in the same transaction (optional).
        "service": ServiceForm(data, child=child, optional=True, prefix="service"),
    }
    if mother is not None:
        forms["mother"] = MotherNowForm(
            data,
            prefix="mother",
            initial={"status": mother.status, "whereabouts": mother.whereabouts, "version": mother.version},
        )
    return forms


def _all_valid(forms) -> bool:
    parts = [forms["interview"], forms["reason"], forms["service"], *forms["doors"]]
    parts += [forms["mother"]] if forms["mother"] else []
    return all([form.is_valid() for form in parts])  # a list, so every form shows its errors


def _changes(forms) -> dict:
    """Only what the caseworker changed on the form is written; untouched parts are left
    alone even if someone else has changed them meanwhile."""
    mother, doors, versions = None, {}, {}
    if forms["mother"] is not None and forms["mother"].has_changed():
        mother = forms["mother"].cleaned_data
        versions["mother"] = mother["version"]
    for form in forms["doors"]:
        if form.has_changed():
            data = form.cleaned_data
            doors[form.instance.kind] = DoorUpdate(status=data["status"], barrier=data["barrier"], note=data["note"])
            versions[form.instance.kind] = data["version"]
    return {
        "mother_status": mother["status"] if mother else None,
        "mother_whereabouts": mother["whereabouts"] if mother else None,
        "doors": doors,
        "expected_versions": versions,
        "services": []
        if forms["service"].is_empty()
        else [forms["service"].entry(given_on=forms["interview"].cleaned_data["held_on"])],
    }


@case_role_required("child")
@require_http_methods(["GET", "POST"])
def interview_new(request, pk):
    log_as = AccessAction.VIEW if request.method == "GET" else None
    child = access.child_for(request.user, pk, access.CHANGE, request=request, log_as=log_as)
    forms = _interview_forms(child, request.POST if request.method == "POST" else None)
    conflict = None
    if request.method == "POST" and _all_valid(forms):
        interview_data = forms["interview"].cleaned_data
        token = interview_data.pop("submission_token")
        try:
            record_interview(
                child=child,
                by=request.user,
                submission_token=token,
                reason=forms["reason"].cleaned_data["reason"],
                **interview_data,
                **_changes(forms),
            )
        except StaleEdit as stale:
            log_conflict(request, stale)
            conflict = _interview_conflict(forms, stale)
        except ValidationError as error:
            _show_refusal(forms, error)
        except IntegrityError:
            # The same form arrived twice at the same moment: the other request logged it.
            if not Interview.objects.filter(submission_token=token, child=child).exists():
                raise
            return redirect(child)
        else:
            messages.success(request, _("Interview logged."))
            return redirect(child)
    context = {"child": child, "forms": forms, "conflict": conflict}
    status = refused_status(conflict=conflict is not None, invalid=request.method == "POST")
    return render(request, "casework/interviews/interview_form.html", context, status=status)


def _show_refusal(forms, error: ValidationError) -> None:
    """A refusal of the services beside the form's own checks: on the field it names, in
    the part of the form that has it (the service's partner or amount), else on top."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form = next((f for f in (forms["interview"], forms["service"]) if name in f.fields), forms["interview"])
            form.add_error(name if name in form.fields else None, errors)
    else:
        forms["interview"].add_error(None, error)


def _interview_conflict(forms, stale: StaleEdit) -> dict:
    record = stale.instance
    if record._meta.model_name == "mother":
        form, title = forms["mother"], _("Mother's status")
        rows = conflict_rows(form, record, fields=("status", "whereabouts"))
    else:
        form = next(f for f in forms["doors"] if f.instance.kind == record.kind)
        title, rows = record.get_kind_display(), conflict_rows(form, record)
    carry_newer_version(form, record)
    return {"title": title, "rows": rows}


@case_role_required("follow_ups")
@require_GET
def follow_ups(request):
    overdue, due, today = interview_queries.follow_ups(request.user)
    log_access(
        user=request.user,
        action=AccessAction.LIST,
        object_type="follow_up",
        request=request,
        detail={"overdue": len(overdue), "due": len(due)},
    )
    context = {"overdue": overdue, "due": due, "today": today, "discreet": discreet(request.user)}
    return render(request, "casework/interviews/follow_ups.html", context)
