"""The Django admin is for the system admin: accounts (Django's own User and Group
admin) and teams. Case data, history and the access log are deliberately not registered:
IT staff manage accounts, not cases, and no admin page may change or delete a history or
access-log row (tests/casework/audit/test_admin.py keeps it that way)."""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework.access import services
from casework.models import Team

# django-otp registers its devices in the admin, which would show every authenticator's
# secret key and let devices be removed without a trace. A lost phone goes through
# `manage.py reset_two_factor`, which records who reset whose devices.
for device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(device_model):
        admin.site.unregister(device_model)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
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
