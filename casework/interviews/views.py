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
from casework.interviews.forms import all_valid, interview_changes, interview_conflict, interview_forms
from casework.interviews.services import record_interview
from casework.models import AccessAction, Interview
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
    forms = interview_forms(child, request.POST if request.method == "POST" else None)
    conflict = None
    if request.method == "POST" and all_valid(forms):
        interview_data = forms["interview"].cleaned_data
        token = interview_data.pop("submission_token")
        try:
            record_interview(
                child=child,
                by=request.user,
                submission_token=token,
                reason=forms["reason"].cleaned_data["reason"],
                **interview_data,
                **interview_changes(forms),
            )
        except StaleEdit as stale:
            log_conflict(request, stale)
            conflict = interview_conflict(forms, stale)
        except ValidationError as error:
            forms["interview"].add_error(None, error)
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
