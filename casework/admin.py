"""The Django admin is for the system admin: accounts (Django's own User and Group
admin), teams, and the record of privilege changes. Case data, history and the access log
are deliberately not registered: IT staff manage accounts, not cases, and no admin page
may change or delete a history or access-log row (tests/casework/audit/test_admin.py
keeps it that way).

Roles and teams are groups, but the admin never edits those groups directly: the user
form shows them read-only (with the staff flags, which follow the system admin role), the
role and team groups cannot be changed or deleted in the group admin, and every change
goes through the audited services of casework.access.services on the user's "Roles and
teams" page. Grants wait there for a second system admin (the two-person rule).
What the admin does is logged in the chained admin log (casework.models.AdminLogEntry,
through casework.audit.services.log_admin_action), not in Django's own unchained
django_admin_log: every admin class here is an `AuditedAdmin`, User and Group included."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework.access import services
from casework.access.guard import PRIVILEGE_GROUP_PREFIXES
from casework.access.queries import pending_changes, teams_of
from casework.audit.services import log_admin_action
from casework.core import roles
from casework.models import AdminAction, AdminLogEntry, PrivilegeChange, PrivilegeOutcome, Team
from casework.web.forms import ReasonField


class AuditedAdmin(admin.ModelAdmin):
    """Logs to the chained admin log instead of django_admin_log."""

    def log_addition(self, request, obj, message):
        return log_admin_action(user=request.user, action=AdminAction.ADD, obj=obj, message=message)

    def log_change(self, request, obj, message):
        return log_admin_action(user=request.user, action=AdminAction.CHANGE, obj=obj, message=message)

    def log_deletions(self, request, queryset):
        return [log_admin_action(user=request.user, action=AdminAction.DELETE, obj=obj) for obj in queryset]

    def history_view(self, request, object_id, extra_context=None):
        """Django's history page, its rows read from the chained admin log (Django's own
        query of django_admin_log finds nothing and is overridden by the context)."""
        rows = AdminLogEntry.objects.filter(object_type=self.opts.label_lower, object_id=unquote(object_id))
        paginator = self.get_paginator(request, rows.order_by("at", "id"), 100)
        page = paginator.get_page(request.GET.get(PAGE_VAR, 1))
        context = {
            "action_list": page,
            "page_range": paginator.get_elided_page_range(page.number),
            "pagination_required": paginator.count > 100,
            **(extra_context or {}),
        }
        return super().history_view(request, object_id, extra_context=context)


# django-otp registers its devices in the admin, which would show every authenticator's
# secret key and let devices be removed without a trace. A lost phone goes through
# `manage.py reset_two_factor`, which records who reset whose devices.
for device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(device_model):
        admin.site.unregister(device_model)


@admin.register(Team)
class TeamAdmin(AuditedAdmin):
    list_display = ["name", "member_count"]
    search_fields = ["name"]
    fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(members=Count("group__user", distinct=True))

    @admin.display(description=_("members"), ordering="members")
    def member_count(self, team):
        return team.members

    def get_readonly_fields(self, request, obj=None):
        # The name is part of the team's group names: fixed once the team exists.
        return ["name"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            return
        # A team is created with its two groups by the one service that knows how.
        team = services.create_team(name=obj.name)
        obj.pk, obj.group, obj.oversight_group = team.pk, team.group, team.oversight_group

    def has_delete_permission(self, request, obj=None):
        # Cases and assignments hold on to their team (PROTECT); a team is not deleted.
        return False


class PrivilegeForm(forms.Form):
    """One change of a person's roles or teams, made by casework.access.services."""

    JOIN_AS_CASEWORKER = "join_caseworker"
    JOIN_AS_SUPERVISOR = "join_supervisor"
    LEAVE = "leave"
    GRANT = "grant"
    REVOKE = "revoke"

    change = forms.ChoiceField(
        label=_("Change"),
        choices=[
            (JOIN_AS_CASEWORKER, _("Join a team as a caseworker")),
            (JOIN_AS_SUPERVISOR, _("Join a team as its supervisor")),
            (LEAVE, _("Leave a team (its cases are revoked at once)")),
            (GRANT, _("Gain a role")),
            (REVOKE, _("Lose a role (what it allowed ends at once)")),
        ],
    )
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False, label=_("Team"))
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", "---------"), *roles.ROLE_LABELS.items()])
    reason = ReasonField(multiline=True)

    def clean(self):
        data = super().clean() or {}
        change = data.get("change")
        if change in (self.JOIN_AS_CASEWORKER, self.JOIN_AS_SUPERVISOR, self.LEAVE) and not data.get("team"):
            self.add_error("team", _("Choose the team."))
        if change in (self.GRANT, self.REVOKE) and not data.get("role"):
            self.add_error("role", _("Choose the role."))
        return data

    def apply(self, *, user: User, by: User) -> PrivilegeChange:
        data = self.cleaned_data
        change, reason = data["change"], data["reason"]
        team: Team = data.get("team")  # type: ignore[assignment]  # required for these changes (clean)
        role: str = data.get("role") or ""
        if change == self.JOIN_AS_CASEWORKER:
            return services.join_team(user=user, team=team, role=roles.CASEWORKER, by=by, reason=reason)
        if change == self.JOIN_AS_SUPERVISOR:
            return services.join_team(user=user, team=team, role=roles.SUPERVISOR, by=by, reason=reason)
        if change == self.LEAVE:
            return services.leave_team(user=user, team=team, by=by, reason=reason)
        if change == self.GRANT:
            return services.grant_role(user=user, role=role, by=by, reason=reason)
        return services.revoke_role(user=user, role=role, by=by, reason=reason)


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class AccountAdmin(AuditedAdmin, UserAdmin):
    """Django's user admin, with roles, teams and the staff flags read-only: they change on
    the user's "Roles and teams" page, through the audited services."""

    readonly_fields = ["is_staff", "is_superuser", "groups", "user_permissions", "last_login", "date_joined"]
    list_display = ["username", "is_active", "role_names", "team_names"]
    list_filter = ["is_active", "groups"]

    def get_urls(self):
        return [
            path(
                "<id>/privileges/",
                self.admin_site.admin_view(self.privileges_view),
                name="auth_user_privileges",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("roles"))
    def role_names(self, user):
        return ", ".join(str(roles.ROLE_LABELS.get(role, role)) for role in sorted(roles.roles_of(user)))

    @admin.display(description=_("teams"))
    def team_names(self, user):
        return ", ".join(team.name for team in teams_of(user))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {"privileges_url": reverse("admin:auth_user_privileges", args=[object_id]), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def privileges_view(self, request, id):
        if not services.is_system_admin(request.user):
            raise PermissionDenied
        user = get_object_or_404(User, pk=id)
        form = PrivilegeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                change = form.apply(user=user, by=request.user)
            except (ValidationError, PermissionDenied) as error:
                messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
            else:
                if change.outcome == PrivilegeOutcome.REQUESTED:
                    messages.warning(
                        request, _("Asked for: a second system admin must approve it before it takes effect.")
                    )
                else:
                    messages.success(request, _("Done: the change took effect and is recorded."))
                return redirect("admin:auth_user_privileges", id=user.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Roles and teams of %(name)s") % {"name": user.get_username()},
            "subject": user,
            "opts": self.model._meta,
            "form": form,
            "roles_held": [roles.ROLE_LABELS.get(role, role) for role in sorted(roles.roles_of(user))],
            "teams": list(teams_of(user)),
            "supervises": list(Team.objects.filter(oversight_group__user=user)),
            "pending": list(pending_changes().filter(subject_id=user.pk)),
            "record": list(PrivilegeChange.objects.filter(subject_id=user.pk).select_related("team")[:50]),
        }
        return TemplateResponse(request, "admin/auth/user/privileges.html", context)


class PrivilegeGroupForm(forms.ModelForm):
    class Meta:
        model = Group
        fields = ["name", "permissions"]

    def clean_name(self):
        name = self.cleaned_data["name"]
        if name.startswith(PRIVILEGE_GROUP_PREFIXES):
            raise forms.ValidationError(_("Role and team groups are made by the application, not here."))
        return name


@admin.register(Group)
class AccountGroupAdmin(AuditedAdmin, GroupAdmin):
    """Groups other than roles and teams may be edited; a role or a team group is shown
    read-only (its members change through the services, its name is fixed)."""

    form = PrivilegeGroupForm

    def _is_privilege_group(self, obj):
        return obj is not None and obj.name.startswith(PRIVILEGE_GROUP_PREFIXES)

    def has_change_permission(self, request, obj=None):
        return not self._is_privilege_group(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._is_privilege_group(obj) and super().has_delete_permission(request, obj)


@admin.register(PrivilegeChange)
class PrivilegeChangeAdmin(AuditedAdmin):
    """The record of privilege changes, read-only. Requests that wait for a second system
    admin are answered here with the actions (the one who asked cannot approve)."""

    list_display = ["at", "kind", "subject_username", "team", "role_label", "outcome", "actor_username", "answer_state"]
    list_filter = ["outcome", "kind"]
    search_fields = ["subject_username", "actor_username"]
    actions = ["approve", "decline"]
    list_select_related = ["team", "answer"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return services.is_system_admin(request.user)

    def has_module_permission(self, request):
        return services.is_system_admin(request.user)

    def get_actions(self, request):
        # The answers are the services' to check; the actions need no change permission.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description=_("role"))
    def role_label(self, change):
        return roles.ROLE_LABELS.get(change.role, change.role)

    @admin.display(description=_("answer"))
    def answer_state(self, change):
        if change.outcome != PrivilegeOutcome.REQUESTED:
            return ""
        answer = getattr(change, "answer", None)
        if answer is None:
            return format_html("<strong>{}</strong>", _("waiting"))
        return f"{answer.get_outcome_display()} ({answer.actor_username})"

    def _answer(self, request, queryset, service, done):
        answered = 0
        for change in queryset.filter(outcome=PrivilegeOutcome.REQUESTED):
            try:
                service(request=change, by=request.user)
            except (ValidationError, PermissionDenied) as error:
                message = " ".join(getattr(error, "messages", [str(error)]))
                messages.error(request, f"{change.subject_username}: {message}")
            else:
                answered += 1
        if answered:
            messages.success(request, done % {"count": answered})

    @admin.action(description=_("Approve the selected requests (a second system admin)"))
    def approve(self, request, queryset):
        self._answer(request, queryset, services.approve_change, _("%(count)s approved: they took effect."))

    @admin.action(description=_("Decline the selected requests"))
    def decline(self, request, queryset):
        self._answer(request, queryset, services.decline_change, _("%(count)s declined."))
