"""A supervisor's pages: the team, assignment, the audit timeline and the access review.

Only the supervisor who leads the team reaches these pages; everyone else, including
supervisors of other teams, gets the same 404 as for a page that does not exist.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casework.access.queries import assignment_record, current_assignments
from casework.access.services import assign_case, reassign_case, revoke_assignment
from casework.audit.services import log_access
from casework.core import display, roles
from casework.models import AccessAction, AccessLog, PrivilegeChange
from casework.plans import queries as plan_queries
from casework.supervision import queries as review
from casework.supervision.forms import AssignForm, RevokeForm, access_filter_form, timeline_filter_form
from casework.transfers import queries as transfers
from casework.web.discreet import discreet
from casework.web.fragments import link_to, render_fragment, words
from casework.web.gates import refuse, supervisor_required
from children import access
from children.models import Child


def _team_case(request, team, pk, perm=access.VIEW, *, log_as=AccessAction.VIEW):
    """A case of the team the user leads, through the access gate, or 404."""
    child = access.child_for(request.user, pk, perm, request=request, log_as=None)
    if child.team_id != team.pk:
        refuse(request, "child")
    if log_as:
        log_access(user=request.user, action=log_as, object_type="child", object_id=child.pk, request=request)
    return child


@supervisor_required("team")
@require_GET
def team_overview(request, team):
    page = review.team_case_page(team, request.GET.get("page"))
    log_access(
        user=request.user, action=AccessAction.LIST, object_type="team", request=request, detail={"page": page.number}
    )
    context = {
        "team": team,
        "page": page,
        "case_rows": team_case_rows(page),
        "caseload": review.caseload(team),
        "incoming_transfers": transfers.incoming(team),
        "outgoing_transfers": transfers.outgoing(team),
        # The plan's figures of the team (casework.plans.queries; templates' plan_figures.html).
        "goal_figures": plan_queries.goal_figures(team),
        "overdue_goals": plan_queries.overdue_goals(team),
    }
    return render(request, "casework/supervision/team.html", context)


# The words of the team page's case rows, resolved once per page.
TEAM_ROW_TEXT = {
    "until": gettext_lazy("until %(date)s"),
    "nobody": gettext_lazy("nobody"),
    "overdue": gettext_lazy("overdue"),
    "assignment": gettext_lazy("Assignment"),
    "history": gettext_lazy("History"),
    "access": gettext_lazy("Access"),
    "transfer": gettext_lazy("Transfer"),
}


def team_case_rows(page) -> SafeString:
    """The team page's cases (templates/casework/supervision/team_rows.jinja)."""
    return render_fragment(
        "casework/supervision/team_rows.jinja",
        children=page.object_list,
        text=words(TEAM_ROW_TEXT),
        statuses=display.choice_labels(Child, "case_status"),
        date=display.short_date,
        case_url=link_to("children:detail"),
        assignment_url=link_to("supervision:assignment"),
        history_url=link_to("supervision:case-history"),
        access_url=link_to("supervision:case-access"),
        transfer_url=link_to("transfers:propose"),
    )


@supervisor_required("caseload")
@require_GET
def caseload_figures(request, team):
    """The team's own figures for its supervisor (named caseworkers and cases: not the
    anonymised aggregates, which are head office's)."""
    figures = review.caseload_figures(team)
    log_access(user=request.user, action=AccessAction.LIST, object_type="caseload", request=request)
    return render(request, "casework/supervision/caseload.html", {"team": team, "figures": figures})


@supervisor_required("child")
@require_http_methods(["GET", "POST"])
def assignment(request, pk, team):
    child = _team_case(request, team, pk, access.CHANGE, log_as=None if request.method == "POST" else AccessAction.VIEW)
    form = AssignForm(request.POST or None, team=team)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        assign = reassign_case if data["mode"] == AssignForm.REASSIGN else assign_case
        try:
            assign(child=child, to=data["caseworker"], by=request.user, ends_on=data["ends_on"], reason=data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        except PermissionDenied:
            form.add_error("caseworker", _("This person cannot be given the case."))
        else:
            messages.success(request, _("The case is assigned to %(name)s.") % {"name": data["caseworker"]})
            return redirect("supervision:assignment", pk=child.pk)
    return render(request, "casework/supervision/assignment.html", _assignment_context(child, form, RevokeForm()))


def _assignment_context(child, form, revoke_form):
    return {
        "child": child,
        "form": form,
        "revoke_form": revoke_form,
        "current": current_assignments(child),
        "record": assignment_record(child),
    }


@supervisor_required("child")
@require_POST
def revoke(request, pk, assignment_pk, team):
    child = _team_case(request, team, pk, access.CHANGE, log_as=None)
    held = get_object_or_404(child.assignments.select_related("caseworker"), pk=assignment_pk)
    form = RevokeForm(request.POST)
    if form.is_valid():
        revoke_assignment(assignment=held, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("%(name)s no longer holds the case.") % {"name": held.caseworker})
        return redirect("supervision:assignment", pk=child.pk)
    return render(
        request, "casework/supervision/assignment.html", _assignment_context(child, AssignForm(team=team), form)
    )


def _access_page(request, form, team, **fixed):
    if form.is_valid():
        return review.access_page(team, form.review_filter(**fixed), request.GET.get("page"))
    return None


# The words of the access review's rows, resolved once per page (casework/web/fragments.py).
ACCESS_ROW_TEXT = {"anonymous": gettext_lazy("anonymous"), "console": gettext_lazy("the console")}


def access_rows(page) -> SafeString:
    """The log rows of the access review (templates/casework/supervision/access_rows.jinja)."""
    return render_fragment(
        "casework/supervision/access_rows.jinja",
        entries=page.object_list if page else [],
        text=words(ACCESS_ROW_TEXT),
        actions=display.choice_labels(AccessLog, "action"),
        object_label=display.object_label,
        moment=display.local_datetime,
    )


def privilege_rows(privileges) -> SafeString:
    """The changes of roles and teams (templates/casework/supervision/privilege_rows.jinja)."""
    return render_fragment(
        "casework/supervision/privilege_rows.jinja",
        changes=privileges.rows if privileges else [],
        text=words(ACCESS_ROW_TEXT),
        kinds=display.choice_labels(PrivilegeChange, "kind"),
        outcomes=display.choice_labels(PrivilegeChange, "outcome"),
        roles={role: str(label) for role, label in roles.ROLE_LABELS.items()},
        moment=display.local_datetime,
    )


def _timeline_window(request, form, team, **fixed):
    """The timeline's page, paged by marks (`before` / `after`, see queries.Mark)."""
    if form.is_valid():
        f = form.review_filter(**fixed)
        return review.timeline_page(team, f, before=request.GET.get("before"), after=request.GET.get("after"))
    return None, None


@supervisor_required("history")
@require_GET
def timeline(request, team):
    form = timeline_filter_form(request.GET, team=team)
    page, entries = _timeline_window(request, form, team)
    log_access(user=request.user, action=AccessAction.LIST, object_type="history", request=request)
    return render(
        request,
        "casework/supervision/timeline.html",
        {"team": team, "form": form, "page": page, "entries": entries, "discreet": discreet(request.user)},
    )


@supervisor_required("child")
@require_GET
def case_history(request, pk, team):
    child = _team_case(request, team, pk)
    form = timeline_filter_form(request.GET, team=team, with_case=False)
    page, entries = _timeline_window(request, form, team, child_pk=child.pk)
    return render(
        request,
        "casework/supervision/case_history.html",
        {
            "team": team,
            "child": child,
            "form": form,
            "page": page,
            "entries": entries,
            "discreet": discreet(request.user),
        },
    )


@supervisor_required("access_log")
@require_GET
def access_review(request, team):
    form = access_filter_form(request.GET, team=team)
    page = _access_page(request, form, team)
    privileges = review.privilege_list(team, form.review_filter()) if form.is_valid() else None
    log_access(user=request.user, action=AccessAction.LIST, object_type="access_log", request=request)
    return render(
        request,
        "casework/supervision/access.html",
        {
            "team": team,
            "form": form,
            "page": page,
            "access_rows": access_rows(page),
            "privileges": privileges,
            "privilege_rows": privilege_rows(privileges),
        },
    )


@supervisor_required("child")
@require_GET
def case_access(request, pk, team):
    child = _team_case(request, team, pk)
    form = access_filter_form(request.GET, team=team, with_case=False)
    page = _access_page(request, form, team, child_pk=child.pk)
    return render(
        request,
        "casework/supervision/case_access.html",
        {"team": team, "child": child, "form": form, "page": page, "access_rows": access_rows(page)},
    )
