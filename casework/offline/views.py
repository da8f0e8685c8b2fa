"""Field work without a connection: the installable app's manifest and service worker,
the offline pages' shell, taking cases offline, sending interviews logged offline, and
the devices that hold them.

The shell (`offline:home`) and the service worker carry no case data: the cases reach a
device only as the JSON answer of `offline:take` (never cached, `no-store`), which the
page encrypts under the caseworker's PIN before it stores anything. Interviews come back
one by one to `offline:sync`, which applies them with the online form's forms and service
(casework.interviews), under the same checks."""

import json
import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casework.access.queries import supervised_team
from casework.core.tracked import StaleEdit
from casework.interviews.forms import (
    DoorNowForm,
    InterviewForm,
    InterviewReasonForm,
    MotherNowForm,
    all_valid,
    interview_changes,
    interview_conflict,
    interview_forms,
)
from casework.interviews.services import record_interview
from casework.models import Interview, OfflineDevice
from casework.offline import queries, services
from casework.offline.forms import OfflineSettingsForm
from casework.web.conflicts import log_conflict
from casework.web.discreet import discreet
from casework.web.gates import case_role_required, refuse, supervisor_required
from children import access
from children.models import Child, DocumentAccess, DocumentKind

# What the service worker keeps: the application's own shell and assets, nothing else.
SHELL_STATIC = (
    "css/casework.css",
    "js/casework.js",
    "js/offline.js",
    "vendor/htmx/htmx.min.js",
    "favicon.svg",
)
CACHE_NAME = "casework-shell-v1"


def shell_urls() -> list[str]:
    return [reverse("offline:home"), *(static(path) for path in SHELL_STATIC)]


@require_GET
def manifest(request):
    """The web app manifest: the name, the start page, the icon. Nothing about anyone."""
    data = {
        "name": _("Casework"),
        "short_name": _("Casework"),
        "start_url": reverse("offline:home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#ffffff",
        "icons": [{"src": static("favicon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }
    return JsonResponse(data, content_type="application/manifest+json")


@require_GET
def service_worker(request):
    """The service worker, served from the root so that its scope is the whole site. Its
    list of what to cache is written here, from the same list the tests check."""
    script = render(
        request,
        "casework/offline/sw.js",
        {"cache_name": CACHE_NAME, "shell": json.dumps(shell_urls()), "home": json.dumps(reverse("offline:home"))},
        content_type="text/javascript",
    )
    script["Service-Worker-Allowed"] = "/"
    return script


@case_role_required("offline")
@require_GET
def home(request):
    """The offline pages' shell: the interview form's fields and the page's words, no case
    in it. The script fills it from the encrypted store after the PIN."""
    child_forms = interview_forms_blank()
    team = queries.team_of(request.user)
    settings = queries.settings_for(team)
    return render(request, "casework/offline/home.html", {"forms": child_forms, "limits": settings})


def interview_forms_blank() -> dict:
    """The online interview form's fields, without a case: the offline form uses their
    names, labels and choices, and the script fills in the values of the case."""
    return {
        "interview": InterviewForm(prefix="interview"),
        "reason": InterviewReasonForm(prefix="reason"),
        "mother": MotherNowForm(prefix="mother"),
        "doors": [
            DoorNowForm(instance=DocumentAccess(kind=kind), prefix=f"door-{kind}") for kind in DocumentKind.values
        ],
    }


def _json_body(request) -> dict | None:
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return body if isinstance(body, dict) else None


def _bad(message: str, **extra) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=400)


def _wipe(request, device: OfflineDevice) -> JsonResponse:
    """A revoked device is told to wipe what it holds, and the instruction is logged."""
    services.record_wipe(device=device, by=request.user, why="revoked", request=request)
    return JsonResponse({"wipe": True, "error": _("This device was revoked. Everything it held is wiped.")}, status=410)


@case_role_required("offline")
@require_POST
def register(request):
    """Register this browser as a device, under the name the caseworker gives it."""
    body = _json_body(request)
    name = body.get("name") if body else None
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 60:
        return _bad(_("Give this device a name of at most 60 characters."))
    device = services.register_device(by=request.user, name=name)
    team = queries.team_of(request.user)
    limits = queries.settings_for(team)
    return JsonResponse(
        {"device": str(device.pk), "name": device.name, "expiry_hours": limits.expiry_hours},
        status=201,
    )


@case_role_required("offline")
@require_http_methods(["GET", "POST"])
def take(request):
    """GET: the cases she may take, to choose from (a page like any case list, never
    cached). POST (JSON, from the page's script): what the device receives for them."""
    team = queries.team_of(request.user)
    limits = queries.settings_for(team)
    hide_names = discreet(request.user)
    if request.method == "GET":
        cases = list(queries.cases_to_take(request.user))
        context = {
            "cases": cases,
            "due": set(queries.due_soon(cases)),
            "limits": limits,
            "discreet": hide_names,
        }
        return render(request, "casework/offline/take.html", context)
    body = _json_body(request)
    if body is None or not isinstance(body.get("cases"), list):
        return _bad(_("The request was not understood. Nothing was taken."))
    device = queries.device_of(request.user, body.get("device"))
    if device is None:
        return _bad(_("This device is not registered. Set it up again."))
    if device.revoked:
        return _wipe(request, device)
    ids = body["cases"]
    if not ids or len(ids) > limits.max_cases or len(set(map(str, ids))) != len(ids):
        return _bad(_("Choose between 1 and %(most)s cases.") % {"most": limits.max_cases})
    # Every case through the read gate: one the user may not change is a logged 404.
    children = [access.child_for(request.user, pk, access.CHANGE, request=request, log_as=None) for pk in ids]
    taken = [queries.offline_case(child, settings=limits, discreet=hide_names) for child in children]
    services.record_taken(device=device, by=request.user, case_ids=[child.pk for child in children], request=request)
    return JsonResponse({"cases": taken, "expiry_hours": limits.expiry_hours, "max_cases": limits.max_cases})


def _fields(body: dict) -> QueryDict | None:
    fields = body.get("fields")
    if not isinstance(fields, dict) or len(fields) > 100:
        return None
    data = QueryDict(mutable=True)
    for key, value in fields.items():
        if not isinstance(key, str) or not isinstance(value, str) or len(value) > 20000:
            return None
        data[key] = value
    return data


@case_role_required("offline")
@require_POST
def sync(request):
    """One interview logged offline, sent by the device: the online form's forms, checks
    and service. Answers: 200 sent (or already sent: the token), 409 a conflict (the same
    side-by-side rows as online), 404 a case no longer hers (logged as denied), 410 wipe
    (a revoked device), 400 a payload that is not an interview (nothing changed)."""
    body = _json_body(request)
    if body is None:
        return _bad(_("The request was not understood. Nothing was saved."))
    device = queries.device_of(request.user, body.get("device"))
    if device is None:
        return _bad(_("This device is not registered. Set it up again."))
    if device.revoked:
        return _wipe(request, device)
    if body.get("ping") is True:
        services.record_sync(device=device, by=request.user, sent=0, request=request)
        return JsonResponse({"status": "ok"})
    data = _fields(body)
    if data is None:
        return _bad(_("The request was not understood. Nothing was saved."))
    child = access.child_for(request.user, body.get("case"), access.CHANGE, request=request, log_as=None)
    try:
        token = uuid.UUID(data.get("interview-submission_token", ""))
    except ValueError:
        return _bad(_("The request was not understood. Nothing was saved."))
    earlier = Interview.objects.filter(submission_token=token).first()
    if earlier is not None:
        if earlier.child_id != child.pk:
            return _bad(_("The request was not understood. Nothing was saved."))
        # A resend: nothing new, nothing logged.
        return JsonResponse({"status": "already", "case": _fresh_case(request, child)})
    forms = interview_forms(child, data)
    if not all_valid(forms):
        errors = {}
        for form in [forms["interview"], forms["reason"], forms["mother"], *forms["doors"]]:
            if form is not None and form.errors:
                errors.update({form.add_prefix(name): [str(e) for e in errs] for name, errs in form.errors.items()})
        return _bad(_("Some answers need checking. Nothing was saved."), fields=errors)
    interview_data = forms["interview"].cleaned_data
    interview_data.pop("submission_token")
    try:
        # A twin of this token arriving at the same moment is answered by record_interview
        # itself (the unique index refuses the second INSERT and it returns the first).
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
        record = stale.instance
        version_field = "mother-version" if record._meta.model_name == "mother" else f"door-{record.kind}-version"
        rows = [[str(label), theirs, yours] for label, theirs, yours in conflict["rows"]]
        return JsonResponse(
            {
                "conflict": {
                    "title": str(conflict["title"]),
                    "rows": rows,
                    "case": str(child.pk),
                    # Sending again with this version is the deliberate choice over theirs.
                    "version_field": version_field,
                    "version": record.version,
                },
                "error": _("Someone else changed this case while you were away. Nothing was overwritten."),
            },
            status=409,
        )
    except ValidationError as error:
        return _bad(" ".join(error.messages))
    services.record_sync(device=device, by=request.user, sent=1, request=request)
    return JsonResponse({"status": "sent", "case": _fresh_case(request, child)})


def _fresh_case(request, child) -> dict:
    """The case as saved now, in the shape `take` gives it: the device's copy is renewed
    (the versions above all, so that the next interview starts from them)."""
    child = Child.objects.select_related("family", "family__mother").get(pk=child.pk)
    limits = queries.settings_for(queries.team_of(request.user))
    return queries.offline_case(child, settings=limits, discreet=discreet(request.user))


@case_role_required("offline")
@require_POST
def wiped(request):
    """The device reports a wipe it did itself (five wrong PINs, expiry, logging out)."""
    body = _json_body(request) or {}
    device = queries.device_of(request.user, body.get("device"))
    why = body.get("why")
    if device is None or why not in ("pin", "expired", "logout", "user"):
        return _bad(_("The request was not understood."))
    services.record_wipe(device=device, by=request.user, why=why, request=request)
    return JsonResponse({"status": "ok"})


@case_role_required("offline_devices")
@require_GET
def devices(request):
    """Her devices; for a supervisor, also her team's."""
    team = supervised_team(request.user)
    context = {
        "mine": queries.devices_of(request.user),
        "team": team,
        "team_devices": queries.devices_of_team(team).exclude(user=request.user) if team else [],
    }
    return render(request, "casework/offline/devices.html", context)


@case_role_required("offline_device")
@require_POST
def revoke(request, pk):
    device = OfflineDevice.objects.filter(pk=pk).select_related("user").first()
    team = supervised_team(request.user)
    allowed = device is not None and (
        device.user_id == request.user.pk or (team is not None and device.user.groups.filter(pk=team.group_id).exists())
    )
    if device is None or not allowed:
        refuse(request, "offline_device", pk)
    services.revoke_device(device=device, by=request.user, request=request)
    messages.success(request, _("Device revoked. It wipes everything it holds at its next contact."))
    return redirect("offline:devices")


@supervisor_required("offline_settings")
@require_http_methods(["GET", "POST"])
def limits(request, team):
    current = queries.settings_for(team)
    form = OfflineSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_offline_settings(
                team=team,
                by=request.user,
                max_cases=data["max_cases"],
                expiry_hours=data["expiry_hours"],
                include_village=data["include_village"],
                include_notes=data["include_notes"],
                reason=data["reason"],
                expected_version=data["version"],
            )
        except StaleEdit:
            form.add_error(None, _("Someone else changed these limits meanwhile. Check them and save again."))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Offline limits saved."))
            return redirect("offline:limits")
    status = 422 if request.method == "POST" else 200
    return render(request, "casework/offline/limits.html", {"form": form, "team": team}, status=status)
