"""Log a field interview, and the follow-ups that interviews set."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from casework.audit.services import log_access
from casework.core.tracked import StaleEdit
from casework.interviews import queries as interview_queries
from casework.interviews.forms import all_valid, interview_changes, interview_conflict, interview_forms
from casework.interviews.services import record_interview
from casework.models import AccessAction
from casework.plans.forms import ServiceForm
from casework.web.conflicts import log_conflict
from casework.web.discreet import discreet
from casework.web.gates import case_role_required
from casework.web.htmx import refused_status
from children import access


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
            conflict = interview_conflict(forms, stale)
        except ValidationError as error:
            _show_refusal(forms, error)
        else:
            messages.success(request, _("Interview logged."))
            return redirect(child)
    context = {"child": child, "forms": forms, "conflict": conflict}
    status = refused_status(conflict=conflict is not None, invalid=request.method == "POST")
    return render(request, "casework/interviews/interview_form.html", context, status=status)


def _interview_forms(child, data=None):
    """The interview's forms (casework.interviews.forms.interview_forms, shared with the
    offline sync) and, online only, a service given during the visit, recorded in the
    same transaction (optional)."""
    forms = interview_forms(child, data)
    forms["service"] = ServiceForm(data, child=child, optional=True, prefix="service")
    return forms


def _all_valid(forms) -> bool:
    # Both, so that every form shows its errors.
    return all([all_valid(forms), forms["service"].is_valid()])


def _changes(forms) -> dict:
    service = forms["service"]
    given_on = forms["interview"].cleaned_data["held_on"]
    return interview_changes(forms) | {"services": [] if service.is_empty() else [service.entry(given_on=given_on)]}


def _show_refusal(forms, error: ValidationError) -> None:
    """A refusal of the services beside the form's own checks: on the field it names, in
    the part of the form that has it (the service's partner or amount), else on top."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form = next((f for f in (forms["interview"], forms["service"]) if name in f.fields), forms["interview"])
            form.add_error(name if name in form.fields else None, errors)
    else:
        forms["interview"].add_error(None, error)


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
