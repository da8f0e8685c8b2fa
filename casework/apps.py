from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Case work")

    def ready(self):
        # Imported here: models are not ready when this module is loaded.
        from axes.signals import user_locked_out
        from django.conf import settings
        from django.contrib.auth.models import Group, User
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import m2m_changed, post_save
        from simple_history.signals import post_create_historical_record

        from casework import checks  # noqa: F401  (registers the deploy checks)

        # model_wide also registers the system check that fails migrate while a grant exists.
        from casework.access.backends import answer_case_permissions_by_the_gate
        from casework.access.guard import refuse_unaudited_group_change
        from casework.access.model_wide import refuse_model_wide_case_permission
        from casework.accounts.login import report_lock
        from casework.accounts.passwords import flag_password_set_by_someone_else, remember_a_due_password_change
        from casework.accounts.sessions import end_sessions_when_deactivated
        from casework.audit.chain import link_history_row
        from casework.core import (
            history,  # connects the attribution signal
            lookups,  # noqa: F401  (registers __any_of)
        )
        from casework.supervision.timeline_index import index_history_row
        from casework.web import (
            language,  # noqa: F401  (applies the preferred language at login)
            middleware,  # noqa: F401  (starts the session clocks at login)
        )

        # Role and team groups change only through casework.access.services.
        m2m_changed.connect(refuse_unaudited_group_change, sender=User.groups.through, dispatch_uid="privilege-groups")
        # has_perm on case data is the gate's answer, superuser or not.
        answer_case_permissions_by_the_gate()
        post_save.connect(end_sessions_when_deactivated, sender=settings.AUTH_USER_MODEL, dispatch_uid="end-sessions")
        # A password set by anyone but its owner must be changed at the next login.
        post_save.connect(
            flag_password_set_by_someone_else, sender=settings.AUTH_USER_MODEL, dispatch_uid="password-flag"
        )
        user_logged_in.connect(remember_a_due_password_change, dispatch_uid="password-due")
        # The start of an account's lock is an access-log row for the team's supervisor.
        user_locked_out.connect(report_lock, dispatch_uid="report-lock")
        for through in (User.user_permissions.through, Group.permissions.through):
            m2m_changed.connect(refuse_model_wide_case_permission, sender=through, dispatch_uid=f"case-perms-{through}")

        # Every history row is linked into its table's keyed chain as it is inserted.
        history.history_row_inserting.connect(link_history_row, dispatch_uid="casework-audit-chain")
        # ... and written into the timeline's index in the same transaction.
        post_create_historical_record.connect(index_history_row, dispatch_uid="casework-timeline-index")


class VerifiedAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with a site that asks for the second factor (casework.web.admin_site)."""

    default = False  # named in INSTALLED_APPS; CaseworkConfig stays this module's default
    default_site = "casework.web.admin_site.VerifiedAdminSite"
