from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casework.access.queries import teams_of
from casework.audit.services import log_access
from casework.core import display, roles
from casework.core.tracked import StaleEdit
from casework.models import AccessAction, Interview
from casework.plans import queries as plan_queries
from casework.web.conflicts import carry_newer_version, conflict_rows, log_conflict
from casework.web.discreet import conceal, discreet
from casework.web.fragments import link_to, render_fragment, words
from casework.web.gates import case_role_required, refuse
from casework.web.htmx import is_htmx, refused_status
from children import access, queries, services
from children.forms import (
    CaseFilterForm,
    ChildForm,
    CloseCaseForm,
    DoorForm,
    FamilyChoiceForm,
    FamilyForm,
    FatherForm,
    MotherForm,
    NewChildForm,
    NewFamilyForm,
    NewFatherForm,
    NewMotherForm,
    OtherNameForm,
    RemoveOtherNameForm,
    ReopenCaseForm,
)
from children.models import Child, DocumentAccess, DocumentKind, OtherName
from families import services as family_services
from families.models import Family, Father, Mother


@case_role_required("case_list")
@require_GET
def case_list(request):
    form = CaseFilterForm(request.GET)
    filters = form.filters()
    page = queries.case_page(request.user, **filters)
    searched = bool(filters["search"].strip())
    log_access(
        user=request.user,
        action=AccessAction.SEARCH if searched else AccessAction.LIST,
        object_type="child",
        request=request,
        # The search words are not kept: they are often a child's name.
        detail={
            "page": page.number,
            "results": page.paginator.count,
            "searched": searched,
            "filters": sorted(k for k in ("case_status", "mother_status", "shut_door", "overdue") if filters[k]),
        },
    )
    hidden = discreet(request.user)
    context = {"page": page, "form": form, "discreet": hidden, "rows": case_rows(page.object_list, discreet=hidden)}
    template = "children/case_list.html#results" if is_htmx(request) else "children/case_list.html"
    return render(request, template, context)


# The words of a list row, resolved once per page (casework/web/fragments.py).
CASE_ROW_TEXT = {
    "closed": gettext_lazy("closed"),
    "age": gettext_lazy("%(age)s y"),
    "age_unknown": gettext_lazy("age ?"),
    "mother": gettext_lazy("Mother:"),
    "documents": gettext_lazy("Documents"),
    "last_interview": gettext_lazy("Last interview:"),
    "follow_up": gettext_lazy("Follow-up:"),
}


def case_rows(children, *, discreet: bool) -> SafeString:
    """The list's rows (templates/children/case_rows.jinja) for children.queries.CaseRow."""
    return render_fragment(
        "children/case_rows.jinja",
        children=children,
        discreet=discreet,
        text=words(CASE_ROW_TEXT),
        living=display.choice_labels(Child, "living_arrangement"),
        mother_status=display.choice_labels(Mother, "status"),
        door_kind=display.choice_labels(DocumentAccess, "kind"),
        door_status=display.choice_labels(DocumentAccess, "status"),
        full_name=display.full_name,
        date=display.short_date,
        url_of=link_to("children:detail"),
    )


def _team_for_new_case(request):
    """Cases are opened in the user's own team."""
    team = teams_of(request.user).order_by("name").first()
    if team is None:
        refuse(request, "case_new")
    return team


def _sibling_families(user):
    visible = access.visible_child_ids(user)
    families = Family.objects.filter(children__in=visible).distinct()
    return families.prefetch_related(
        # Only the sibling cases the user may see label the choice: no foreign case number leaks.
        _visible_children_prefetch(visible)
    )


def _visible_children_prefetch(visible_ids):
    return Prefetch(
        "children",
        queryset=Child.objects.filter(pk__in=visible_ids).order_by("case_number"),
        to_attr="visible_children",
    )


@case_role_required("case_new")
@require_http_methods(["GET", "POST"])
def case_new(request):
    team = _team_for_new_case(request)
    data = request.POST if request.method == "POST" else None
    # Any: five kinds of form, each used through its own methods below (values, fields).
    forms: dict[str, Any] = {
        "child": NewChildForm(data, prefix="child"),
        "sibling": FamilyChoiceForm(data, prefix="sibling", families=_sibling_families(request.user)),
        "family": NewFamilyForm(data, prefix="family"),
        "mother": NewMotherForm(data, prefix="mother"),
        "father": NewFatherForm(data, prefix="father"),
    }
    if request.method == "POST":
        sibling_ok = forms["sibling"].is_valid()
        existing = forms["sibling"].cleaned_data.get("family") if sibling_ok else None
        # A sibling joins an existing family: the new-family parts are then not needed.
        needed = ["child", "sibling"] if existing else ["child", "sibling", "family", "mother", "father"]
        if all(forms[name].is_valid() for name in needed):
            duplicates = _possible_duplicates(request, forms["child"])
            if duplicates is not None:
                context = {
                    "forms": forms,
                    "team": team,
                    "has_sibling_choices": forms["sibling"].fields["family"].queryset.exists(),
                    **duplicates,
                }
                return render(request, "children/case_new.html", context)
            child = services.open_case(
                by=request.user,
                team=team,
                child=forms["child"].values(),
                family=existing,
                family_data=None if existing else forms["family"].values(),
                mother=None if existing else forms["mother"].values(),
                father=None if existing else forms["father"].values(),
            )
            messages.success(request, _("Case %(number)s opened.") % {"number": child.case_number})
            return redirect(child)
    context = {"forms": forms, "team": team, "has_sibling_choices": forms["sibling"].fields["family"].queryset.exists()}
    return render(request, "children/case_new.html", context, status=refused_status(invalid=request.method == "POST"))


def _possible_duplicates(request, child_form) -> dict | None:
    """Before a case is opened: the cases with a matching name (across scripts) and birth
    year that the user may see, to open instead; of the others only that one exists, and
    the question is logged against that case for its team's supervisor. None when nothing
    matches, or when the user has seen the warning and opens the case anyway."""
    if request.POST.get("duplicates_seen"):
        return None
    values = child_form.cleaned_data
    found = _name_matches(
        request, values.get("family_name", ""), values.get("given_name", ""), values.get("date_of_birth")
    )
    return found if found["duplicates"] or found["similar_elsewhere"] else None


def _name_matches(request, family_name: str, given_name: str, born, *, besides=None) -> dict:
    """The cases whose child's name matches (across scripts) with a birth year within two
    years: those the user may see, and only whether another exists. Each match is in the
    access log (a match the user may not see as `denied`, for its team's supervisor)."""
    shown, others = queries.possible_duplicates(request.user, family_name=family_name, given_name=given_name, born=born)
    shown = [match for match in shown if match.pk != besides]
    others = [pk for pk in others if pk != besides]
    for match in shown:
        log_access(
            user=request.user,
            action=AccessAction.SEARCH,
            object_type="child",
            object_id=match.pk,
            request=request,
            detail={"possible_duplicate": True},
        )
    for pk in others:
        log_access(
            user=request.user,
            action=AccessAction.DENIED,
            object_type="child",
            object_id=pk,
            request=request,
            detail={"possible_duplicate": True},
        )
    return {"duplicates": shown, "similar_elsewhere": bool(others)}


@case_role_required("child")
@require_GET
def case_detail(request, pk):
    child = access.child_for(request.user, pk, request=request)
    context = {
        "child": child,
        "discreet": discreet(request.user),
        "may_change": access.may_access(request.user, child.pk, access.CHANGE),
        "is_supervisor": roles.has_role(request.user, roles.SUPERVISOR),
        "close_form": CloseCaseForm(auto_id="id_close_%s"),
        "reopen_form": ReopenCaseForm(auto_id="id_reopen_%s"),
        **queries.case_detail(child),
        **plan_queries.case_plan(child),
    }
    context["interview_rows"] = interview_rows(context["interviews"])
    return render(request, "children/case_detail.html", context)


# The words of an interview on the case page, resolved once per page.
INTERVIEW_ROW_TEXT = {
    "risk": gettext_lazy("risk %(level)s"),
    "follow_up": gettext_lazy("follow up by %(date)s"),
}


def interview_rows(interviews) -> SafeString:
    """The case page's interviews (templates/children/interview_rows.jinja), newest first."""
    return render_fragment(
        "children/interview_rows.jinja",
        interviews=interviews,
        text=words(INTERVIEW_ROW_TEXT),
        location=display.choice_labels(Interview, "location_type"),
        risk=display.choice_labels(Interview, "risk_level"),
        date=display.short_date,
    )


# The parts of a case page that are edited in place: form, the record it edits, the service.
SECTIONS = {
    "child": (ChildForm, lambda child: child, services.update_child),
    "family": (FamilyForm, lambda child: child.family, family_services.update_family),
    "mother": (MotherForm, lambda child: child.family.mother or Mother(), family_services.update_mother),
    "father": (FatherForm, lambda child: child.family.father or Father(), family_services.update_father),
}


def _edit(request, child, *, form, template, section_context, save, after_save=None):
    """The shared edit-in-place flow: gate done by the caller, then form, then service.

    htmx gets the card fragment back; without JavaScript the full page is rendered or the
    browser is redirected to the case page."""
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            save(form)
        except StaleEdit as stale:
            log_conflict(request, stale)
            conflict = conflict_rows(form, stale.instance)
            carry_newer_version(form, stale.instance)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            warnings = after_save(form) if after_save else {}
            if is_htmx(request):
                saved = access.child_for(request.user, child.pk, access.CHANGE, log_as=None)
                context = {
                    "child": saved,
                    "may_change": True,
                    "discreet": discreet(request.user),
                    **queries.case_detail(saved),
                    **warnings,
                }
                return render(request, "children/case_detail.html#" + section_context["display"], context)
            messages.success(request, _("Saved."))
            _warn(request, warnings)
            return redirect(child)
    context = {"child": child, "form": form, "conflict": conflict, **section_context}
    fragment = "#edit-form" if is_htmx(request) else ""
    status = refused_status(conflict=conflict is not None, invalid=request.method == "POST")
    return render(request, template + fragment, context, status=status)


@case_role_required("child")
@require_http_methods(["GET", "POST"])
def edit_section(request, pk, section):
    if section not in SECTIONS:
        raise Http404
    log_as = AccessAction.VIEW if request.method == "GET" else None
    child = access.child_for(request.user, pk, access.CHANGE, request=request, log_as=log_as)
    form_class, record_of, service = SECTIONS[section]
    record = record_of(child)
    form = form_class(request.POST or None, instance=record, prefix=section)
    # Discreet mode: the names stay out of the form until the user taps "Show" (?reveal=1,
    # then carried by the form), so a glance at the screen never reads them.
    revealed = (request.GET.get("reveal") or request.POST.get("reveal")) == "1"
    concealed = conceal(form) if discreet(request.user) and not revealed else []

    def save(bound):
        service(
            child=child,
            by=request.user,
            values=bound.values(),
            reason=bound.cleaned_data.get("reason", ""),
            expected_version=bound.cleaned_data["version"],
        )

    def after_save(bound) -> dict:
        # A child renamed may now match another case: say so, as when a case is opened.
        if section != "child" or not {"family_name", "given_name"} & set(bound.changed_data):
            return {}
        data = bound.cleaned_data
        return _name_matches(request, data["family_name"], data["given_name"], data["date_of_birth"], besides=child.pk)

    section_context = {
        "section": section,
        "title": _section_title(section),
        "display": f"section-{section}",
        "concealed": concealed,
        "revealed": revealed,
    }
    return _edit(
        request,
        child,
        form=form,
        template="children/edit_section.html",
        section_context=section_context,
        save=save,
        after_save=after_save,
    )


def _warn(request, warnings: dict) -> None:
    """The possible duplicates of a renamed child, for the next page (without JavaScript)."""
    numbers = ", ".join(match.case_number for match in warnings.get("duplicates", []))
    if numbers:
        messages.warning(request, _("Cases with a similar name that you follow: %(numbers)s.") % {"numbers": numbers})
    if warnings.get("similar_elsewhere"):
        messages.warning(request, _("A case with a similar name exists in your organisation; ask your supervisor."))


def _section_title(section: str) -> str:
    return {"child": _("Child"), "family": _("Family"), "mother": _("Mother"), "father": _("Father")}[section]


@case_role_required("child")
@require_http_methods(["GET", "POST"])
def edit_door(request, pk, kind):
    if kind not in DocumentKind.values:
        raise Http404
    log_as = AccessAction.VIEW if request.method == "GET" else None
    child = access.child_for(request.user, pk, access.CHANGE, request=request, log_as=log_as)
    door = child.document_access.get(kind=kind)
    form = DoorForm(request.POST or None, instance=door, prefix=kind)

    def save(bound):
        services.update_door(
            child=child,
            by=request.user,
            kind=kind,
            status=bound.cleaned_data["status"],
            barrier=bound.cleaned_data["barrier"],
            note=bound.cleaned_data["note"],
            reason=bound.cleaned_data.get("reason", ""),
            expected_version=bound.cleaned_data["version"],
        )

    section_context = {"section": kind, "title": door.get_kind_display(), "display": "section-doors", "door": door}
    return _edit(
        request, child, form=form, template="children/edit_section.html", section_context=section_context, save=save
    )


def _change_case_status(request, pk, form_class, service, done_message):
    """Close or reopen: a reason is required and goes into history with the change."""
    child = access.child_for(request.user, pk, access.CHANGE, request=request, log_as=None)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            service(child=child, by=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, done_message)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, _("Give a reason."))
    return redirect(child)


@case_role_required("child")
@require_POST
def close_case(request, pk):
    return _change_case_status(request, pk, CloseCaseForm, services.close_case, _("Case closed."))


@case_role_required("child")
@require_POST
def reopen_case(request, pk):
    return _change_case_status(request, pk, ReopenCaseForm, services.reopen_case, _("Case reopened."))


@case_role_required("child")
@require_http_methods(["GET", "POST"])
def other_names(request, pk):
    """The other names and spellings recorded on a case: seen by whoever may see the case,
    added and removed by whoever may change it (each change in history, searched at once)."""
    writing = request.method == "POST"
    child = access.child_for(
        request.user,
        pk,
        access.CHANGE if writing else access.VIEW,
        request=request,
        log_as=None if writing else AccessAction.VIEW,
    )
    may_change = writing or access.may_access(request.user, child.pk, access.CHANGE)
    add_form = OtherNameForm(request.POST if request.POST.get("action") == "add" else None, prefix="other")
    remove_form = RemoveOtherNameForm(request.POST if request.POST.get("action") == "remove" else None)
    if writing and add_form.is_bound and add_form.is_valid():
        services.add_other_name(
            child=child, by=request.user, values=add_form.values(), reason=add_form.cleaned_data["reason"]
        )
        messages.success(request, _("Saved."))
        return redirect("children:other-names", pk=child.pk)
    if writing and remove_form.is_bound and remove_form.is_valid():
        try:
            services.remove_other_name(
                child=child,
                by=request.user,
                other_name_id=remove_form.cleaned_data["other_name"],
                reason=remove_form.cleaned_data["reason"],
            )
        except OtherName.DoesNotExist:
            raise Http404 from None
        messages.success(request, _("Removed."))
        return redirect("children:other-names", pk=child.pk)
    context = {
        "child": child,
        "names": list(child.other_names.all()),
        "may_change": may_change,
        "discreet": discreet(request.user),
        "add_form": add_form,
        "remove_form": remove_form,
    }
    return render(request, "children/other_names.html", context, status=refused_status(invalid=writing))
