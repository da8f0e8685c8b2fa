from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from casework import roles
from casework.audit import log_access
from casework.models import AccessAction, Preferences
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
)
from children.models import Child, DocumentKind
from families import services as family_services
from families.models import Family, Father, Mother


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def discreet(user) -> bool:
    prefs = Preferences.objects.filter(user=user).only("discreet_mode").first()
    return bool(prefs and prefs.discreet_mode)


@login_required
@require_GET
def case_list(request):
    access.require_case_role(request.user)
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
            "results": page.count,
            "searched": searched,
            "filters": sorted(k for k in ("case_status", "mother_status", "shut_door", "overdue") if filters[k]),
        },
    )
    context = {"page": page, "form": form, "discreet": discreet(request.user), "query": _query_without_page(request)}
    template = "children/case_list.html#results" if is_htmx(request) else "children/case_list.html"
    return render(request, template, context)


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _team_for_new_case(user):
    """Cases are opened in the user's own team (caseworkers and supervisors only)."""
    access.require_case_role(user)
    team = roles.teams_of(user).order_by("name").first()
    if team is None:
        raise Http404
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


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request):
    team = _team_for_new_case(request.user)
    data = request.POST if request.method == "POST" else None
    forms = {
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
    return render(request, "children/case_new.html", context)


@login_required
@require_GET
def case_detail(request, pk):
    child = access.child_for(request.user, pk, request=request)
    context = {
        "child": child,
        "discreet": discreet(request.user),
        "may_change": access.may_access(request.user, child.pk, access.CHANGE),
        "is_supervisor": roles.has_role(request.user, roles.SUPERVISOR),
        **queries.case_detail(child),
    }
    return render(request, "children/case_detail.html", context)


# The parts of a case page that are edited in place: form, the record it edits, the service.
SECTIONS = {
    "child": (ChildForm, lambda child: child, services.update_child),
    "family": (FamilyForm, lambda child: child.family, family_services.update_family),
    "mother": (MotherForm, lambda child: child.family.mother or Mother(), family_services.update_mother),
    "father": (FatherForm, lambda child: child.family.father or Father(), family_services.update_father),
}


def conflict_rows(form, current, fields=None) -> list[tuple[str, str, str]]:
    """Field by field, what someone else saved and what this form would have saved.
    `fields` defaults to the model form's own fields."""
    rows = []
    for name in fields or form._meta.fields:
        field = form.fields[name]
        theirs = getattr(current, name)
        yours = form.cleaned_data.get(name)
        if theirs != yours:
            rows.append((field.label, _display(field, theirs), _display(field, yours)))
    return rows


def carry_newer_version(form, record) -> None:
    """After a conflict the form carries the version now saved, so that saving again from
    the conflict page is a deliberate choice over the other person's change."""
    form.data = form.data.copy()
    form.data[form.add_prefix("version")] = record.version


def _display(field, value) -> str:
    if value in (None, ""):
        return "—"
    choices = dict(getattr(field, "choices", []) or [])
    if value in choices:
        return str(choices[value])
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    return str(value)


def _edit(request, child, *, form, template, section_context, save):
    """The shared edit-in-place flow: gate done by the caller, then form, then service.

    htmx gets the card fragment back; without JavaScript the full page is rendered or the
    browser is redirected to the case page."""
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            save(form)
        except services.StaleEdit as stale:
            conflict = conflict_rows(form, stale.instance)
            carry_newer_version(form, stale.instance)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if is_htmx(request):
                saved = access.child_for(request.user, child.pk, access.CHANGE, log_as=None)
                context = {"child": saved, "may_change": True, **queries.case_detail(saved)}
                return render(request, "children/case_detail.html#" + section_context["display"], context)
            messages.success(request, _("Saved."))
            return redirect(child)
    context = {"child": child, "form": form, "conflict": conflict, **section_context}
    fragment = "#edit-form" if is_htmx(request) else ""
    status = 409 if conflict else 200
    return render(request, template + fragment, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def edit_section(request, pk, section):
    if section not in SECTIONS:
        raise Http404
    log_as = AccessAction.VIEW if request.method == "GET" else None
    child = access.child_for(request.user, pk, access.CHANGE, request=request, log_as=log_as)
    form_class, record_of, service = SECTIONS[section]
    record = record_of(child)
    form = form_class(request.POST or None, instance=record, prefix=section)

    def save(bound):
        service(
            child=child,
            by=request.user,
            values=bound.values(),
            reason=bound.cleaned_data.get("reason", ""),
            expected_version=bound.cleaned_data.get("version"),
        )

    section_context = {"section": section, "title": _section_title(section), "display": f"section-{section}"}
    return _edit(
        request, child, form=form, template="children/edit_section.html", section_context=section_context, save=save
    )


def _section_title(section: str) -> str:
    return {"child": _("Child"), "family": _("Family"), "mother": _("Mother"), "father": _("Father")}[section]


@login_required
@require_http_methods(["GET", "POST"])
def edit_door(request, pk, kind):
    if kind not in DocumentKind.values:
        raise Http404
    log_as = AccessAction.VIEW if request.method == "GET" else None
    child = access.child_for(request.user, pk, access.CHANGE, request=request, log_as=log_as)
    door = child.document_access.get(kind=kind)
    form = DoorForm(request.POST or None, instance=door, prefix=kind)

    def save(bound):
        services.update_document_access(
            child=child,
            by=request.user,
            kind=kind,
            status=bound.cleaned_data["status"],
            barrier=bound.cleaned_data["barrier"],
            note=bound.cleaned_data["note"],
            reason=bound.cleaned_data.get("reason", ""),
            expected_version=bound.cleaned_data.get("version"),
        )

    section_context = {"section": kind, "title": door.get_kind_display(), "display": "section-doors", "door": door}
    return _edit(
        request, child, form=form, template="children/edit_section.html", section_context=section_context, save=save
    )


def _change_case_status(request, pk, service, done_message):
    """Close or reopen: a reason is required and goes into history with the change."""
    child = access.child_for(request.user, pk, access.CHANGE, request=request, log_as=None)
    form = CloseCaseForm(request.POST)
    if form.is_valid():
        try:
            service(child=child, by=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, done_message)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, _("Give a reason."))
    return redirect(child)


@login_required
@require_POST
def close_case(request, pk):
    return _change_case_status(request, pk, services.close_case, _("Case closed."))


@login_required
@require_POST
def reopen_case(request, pk):
    return _change_case_status(request, pk, services.reopen_case, _("Case reopened."))
