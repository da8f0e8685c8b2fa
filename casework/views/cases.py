"""The caseworker's cross-app pages: log an interview, follow-ups, preferences, quick exit."""

import calendar

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casework import services
from casework.audit import log_access
from casework.forms import DoorNowForm, InterviewForm, InterviewReasonForm, MotherNowForm, PreferencesForm
from casework.models import AccessAction, Interview, Preferences
from children import access, queries
from children.services import DoorUpdate, StaleEdit
from children.views import carry_newer_version, conflict_rows, discreet


def _interview_forms(child, data=None):
    doors = {door.kind: door for door in child.document_access.all()}
    mother = child.family.mother
    forms = {
        "interview": InterviewForm(data, prefix="interview"),
        "reason": InterviewReasonForm(data, prefix="reason"),
        "doors": [DoorNowForm(data, instance=doors[kind], prefix=f"door-{kind}") for kind in queries.door_kinds()],
        "mother": None,
    }
    if mother is not None:
        forms["mother"] = MotherNowForm(
            data,
            prefix="mother",
            initial={"status": mother.status, "whereabouts": mother.whereabouts, "version": mother.version},
        )
    return forms


def _all_valid(forms) -> bool:
    parts = [forms["interview"], forms["reason"], *forms["doors"]] + ([forms["mother"]] if forms["mother"] else [])
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
    }


@login_required
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
            services.record_interview(
                child=child,
                by=request.user,
                submission_token=token,
                reason=forms["reason"].cleaned_data["reason"],
                **interview_data,
                **_changes(forms),
            )
        except StaleEdit as stale:
            conflict = _interview_conflict(forms, stale)
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
    return render(request, "casework/interview_form.html", context, status=409 if conflict else 200)


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


@login_required
@require_GET
def follow_ups(request):
    access.require_case_role(request.user)
    overdue, due, today = queries.follow_ups(request.user)
    log_access(
        user=request.user,
        action=AccessAction.LIST,
        object_type="follow_up",
        request=request,
        detail={"overdue": len(overdue), "due": len(due)},
    )
    context = {"overdue": overdue, "due": due, "today": today, "discreet": discreet(request.user)}
    return render(request, "casework/follow_ups.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    prefs, _created = Preferences.objects.get_or_create(user=request.user)
    form = PreferencesForm(request.POST or None, instance=prefs)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Preferences saved."))
        return redirect("casework:preferences")
    return render(request, "casework/preferences.html", {"form": form})


@require_POST
def quick_exit(request):
    """End the session at once and leave for a neutral page. No CSRF check: anyone may log
    anyone out of here, and a stale token must never stand between a caseworker and the exit."""
    logout(request)
    response = redirect("casework:neutral")
    response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


quick_exit.csrf_exempt = True


@require_GET
def neutral(request):
    """Where quick exit lands: an ordinary calendar with nothing of the application on it."""
    today = timezone.localdate()
    weeks = calendar.Calendar(firstweekday=0).monthdayscalendar(today.year, today.month)
    context = {"today": today, "weeks": weeks, "day_names": list(calendar.day_abbr)}
    return render(request, "casework/neutral.html", context)


@login_required
@require_GET
def home(request):
    """Each role starts where its work is; a data admin never lands on a list of cases."""
    from django.urls import NoReverseMatch, reverse

    from casework import roles

    if roles.has_role(request.user, roles.DATA_ADMIN):
        try:
            return redirect(reverse("aggregates:dashboard"))
        except NoReverseMatch:
            pass
    if roles.has_role(request.user, roles.SYSTEM_ADMIN) and not (
        roles.has_role(request.user, roles.CASEWORKER) or roles.has_role(request.user, roles.SUPERVISOR)
    ):
        return redirect("admin:index")
    return redirect("children:list")
