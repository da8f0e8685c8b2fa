"""The case plan, services and referrals on the case page (edited in place with htmx, as
the doors and the family are), the referral slip, and the team's partners.

Every case page goes through the access gate (children.access.child_for): a case the user
may not see, or a goal, service or referral of it, is a 404 logged as denied. Partners
are the team's own: another team's partner is a 404 logged as denied too.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from casework.access.queries import teams_of
from casework.audit.services import log_access
from casework.core import roles
from casework.core.tracked import StaleEdit
from casework.models import AccessAction, Referral
from casework.plans import queries, services
from casework.plans.forms import (
    GoalForm,
    NewGoalForm,
    NewPartnerForm,
    OverrideForm,
    PartnerForm,
    ReferralForm,
    ReferralStatusForm,
    ServiceForm,
)
from casework.web.conflicts import carry_newer_version, conflict_rows, log_conflict
from casework.web.gates import case_role_required, refuse, supervisor_required
from casework.web.htmx import is_htmx, refused_status
from children import access
from families.models import Province

PLAN_TEMPLATE = "casework/plans/case_plan.html"
EDIT_TEMPLATE = "children/edit_section.html"


def _case(request, pk, perm=access.CHANGE):
    """The case through the gate; a GET of a form is a view of the case, a POST is a write
    that history records."""
    log_as = AccessAction.VIEW if request.method == "GET" else None
    return access.child_for(request.user, pk, perm, request=request, log_as=log_as)


def _in_place(request, child, *, form, title, display, save, conflict_fields=None):
    """The shared edit-in-place flow of the plan's cards: form, then service; htmx gets the
    card back, a plain browser the case page. A refused form answers 409 or 422
    (casework.web.htmx.refused_status) and keeps what was typed."""
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            save(form)
        except StaleEdit as stale:
            log_conflict(request, stale)
            conflict = conflict_rows(form, stale.instance, conflict_fields)
            carry_newer_version(form, stale.instance)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if is_htmx(request):
                context = {
                    "child": child,
                    "may_change": True,
                    "is_supervisor": roles.has_role(request.user, roles.SUPERVISOR),
                    **queries.case_plan(child),
                }
                return render(request, f"{PLAN_TEMPLATE}#{display}", context)
            messages.success(request, _("Saved."))
            return redirect(child)
    context = {"child": child, "form": form, "conflict": conflict, "title": title, "display": display}
    fragment = "#edit-form" if is_htmx(request) else ""
    status = refused_status(conflict=conflict is not None, invalid=request.method == "POST")
    return render(request, EDIT_TEMPLATE + fragment, context, status=status)


def _reason(form) -> str:
    return form.cleaned_data.get("reason") or ""


# --- Plan goals --------------------------------------------------------------------------


@case_role_required("child")
@require_http_methods(["GET", "POST"])
def goal_new(request, pk):
    child = _case(request, pk)
    form = NewGoalForm(request.POST or None, child=child, by=request.user, prefix="goal")

    def save(bound):
        services.add_goal(child=child, by=request.user, values=bound.values(), reason=_reason(bound))

    return _in_place(request, child, form=form, title=_("New goal"), display="section-plan", save=save)


@case_role_required("child")
@require_http_methods(["GET", "POST"])
def goal_edit(request, pk, goal):
    child = _case(request, pk)
    record = queries.goal_of(child, goal)
    if record is None:
        refuse(request, "plan_goal", goal)
    form = GoalForm(request.POST or None, instance=record, child=child, prefix="goal")

    def save(bound):
        services.update_goal(
            goal=record,
            by=request.user,
            values=bound.values(),
            expected_version=bound.cleaned_data["version"],
            reason=_reason(bound),
        )

    return _in_place(request, child, form=form, title=_("Goal"), display="section-plan", save=save)


# --- Services ----------------------------------------------------------------------------


@case_role_required("child")
@require_http_methods(["GET", "POST"])
def service_new(request, pk):
    child = _case(request, pk)
    form = ServiceForm(request.POST or None, child=child, prefix="service")

    def save(bound):
        services.record_service(child=child, by=request.user, entry=bound.entry())

    return _in_place(request, child, form=form, title=_("Service given"), display="section-services", save=save)


# --- Referrals ---------------------------------------------------------------------------


@case_role_required("child")
@require_http_methods(["GET", "POST"])
def referral_new(request, pk):
    child = _case(request, pk)
    form = ReferralForm(request.POST or None, child=child, prefix="referral")

    def save(bound):
        services.add_referral(
            child=child,
            by=request.user,
            values=bound.values(),
            send=bound.cleaned_data["send"],
            reason=_reason(bound),
        )

    return _in_place(request, child, form=form, title=_("Referral"), display="section-referrals", save=save)


def _referral(request, child, pk) -> Referral:
    referral = queries.referral_of(child, pk)
    if referral is None:
        refuse(request, "referral", pk)
    return referral


@case_role_required("child")
@require_http_methods(["GET", "POST"])
def referral_status(request, pk, referral):
    child = _case(request, pk)
    record = _referral(request, child, referral)
    form = ReferralStatusForm(request.POST or None, referral=record, prefix="status")

    def save(bound):
        services.change_referral_status(
            referral=record,
            by=request.user,
            status=bound.cleaned_data["status"],
            expected_version=bound.cleaned_data["version"],
            reason=_reason(bound),
        )

    return _in_place(
        request,
        child,
        form=form,
        title=_("Referral status"),
        display="section-referrals",
        save=save,
        conflict_fields=("status",),
    )


@supervisor_required("referral")
@require_http_methods(["GET", "POST"])
def referral_override(request, pk, referral, team):
    """The supervisor of the case's team lets a referral go without recorded consent,
    with a reason that stays on the referral and in its history."""
    child = _case(request, pk)
    if child.team_id != team.pk:
        refuse(request, "child", pk)
    record = _referral(request, child, referral)
    form = OverrideForm(request.POST or None, initial={"version": record.version}, prefix="override")

    def save(bound):
        services.override_consent(
            referral=record,
            by=request.user,
            reason=bound.cleaned_data["reason"],
            expected_version=bound.cleaned_data["version"],
        )

    return _in_place(
        request,
        child,
        form=form,
        title=_("Send without consent"),
        display="section-referrals",
        save=save,
        conflict_fields=("reason",),
    )


@case_role_required("child")
@require_GET
@never_cache
def referral_slip(request, pk, referral):
    """The slip for the partner: only what the guardian consented to disclose, no case
    number, no id, no address of a page. Opening it (to print it) is in the access log."""
    child = access.child_for(request.user, pk, access.VIEW, request=request, log_as=None)
    record = _referral(request, child, referral)
    # An export of the case (so the case's access review shows it), naming the slip.
    log_access(
        user=request.user,
        action=AccessAction.EXPORT,
        object_type="child",
        object_id=child.pk,
        request=request,
        detail={"referral_slip": str(record.pk)},
    )
    # What the guardian agreed to, and only once that agreement is recorded: a referral
    # sent on a supervisor's override carries nothing about the child.
    consented = record.has_consent
    context = {
        "child": child,
        "referral": record,
        "consented": consented,
        "name": consented and record.share_name,
        "age": consented and record.share_age,
        "door": record.get_area_display() if consented and record.share_door else None,
        "medical": consented and record.share_medical,
    }
    response: HttpResponse = render(request, "casework/plans/referral_slip.html", context)
    response["Cache-Control"] = "no-store"
    return response


# --- Partners ----------------------------------------------------------------------------


@case_role_required("partners")
@require_GET
def partner_list(request):
    """The partners of the user's team: caseworkers read them, the supervisor keeps them."""
    team = teams_of(request.user).first()
    partners = list(queries.team_partners(team.pk)) if team else []
    provinces = dict(Province.choices)
    for partner in partners:
        partner.province_label = provinces.get(partner.province, partner.province)  # type: ignore[attr-defined]
    log_access(user=request.user, action=AccessAction.LIST, object_type="partner", request=request)
    context = {
        "team": team,
        "partners": partners,
        "may_manage": team is not None and roles.has_role(request.user, roles.SUPERVISOR),
    }
    return render(request, "casework/plans/partner_list.html", context)


def _partner_form(request, form, save, title):
    if request.method == "POST" and form.is_valid():
        try:
            save(form)
        except StaleEdit as stale:
            log_conflict(request, stale)
            carry_newer_version(form, stale.instance)
            form.add_error(None, _("Someone else saved this after you opened it."))
            return render(request, "casework/plans/partner_form.html", {"form": form, "title": title}, status=409)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("plans:partners")
    status = refused_status(invalid=request.method == "POST")
    return render(request, "casework/plans/partner_form.html", {"form": form, "title": title}, status=status)


@supervisor_required("partner")
@require_http_methods(["GET", "POST"])
def partner_new(request, team):
    form = NewPartnerForm(request.POST or None, prefix="partner")

    def save(bound):
        services.add_partner(team=team, by=request.user, values=bound.values(), reason=_reason(bound))

    return _partner_form(request, form, save, _("New partner"))


@supervisor_required("partner")
@require_http_methods(["GET", "POST"])
def partner_edit(request, pk, team):
    partner = queries.partner_of(team.pk, pk)
    if partner is None:
        refuse(request, "partner", pk)
    if request.method == "GET":
        log_access(user=request.user, action=AccessAction.VIEW, object_type="partner", object_id=pk, request=request)
    form = PartnerForm(request.POST or None, instance=partner, prefix="partner")

    def save(bound):
        services.update_partner(
            partner=partner,
            by=request.user,
            values=bound.values(),
            expected_version=bound.cleaned_data["version"],
            reason=_reason(bound),
        )

    return _partner_form(request, form, save, partner.name)
