"""The Django admin is for the system admin: accounts (Django's own User and Group
admin) and teams. Case data, history and the access log are deliberately not registered:
IT staff manage accounts, not cases, and no admin page may change or delete a history or
access-log row (tests/casework/audit/test_admin.py keeps it that way).

What the admin does is logged in the chained admin log (casework.models.AdminLogEntry,
through casework.audit.services.log_admin_action), not in Django's own unchained
django_admin_log: every admin class here is an `AuditedAdmin`, User and Group included
(re-registered with Django's own admin classes underneath)."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from casework.access import services
from casework.audit.services import log_admin_action
from casework.models import AdminAction, AdminLogEntry, Team


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


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class AuditedUserAdmin(AuditedAdmin, UserAdmin):
    pass


@admin.register(Group)
class AuditedGroupAdmin(AuditedAdmin, GroupAdmin):
    pass


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
