from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Case work")

    def ready(self):
        # Imported here: models are not ready when this module is loaded.
        from django.conf import settings
        from django.contrib.auth.models import Group, User
        from django.db.models.signals import m2m_changed, post_save

        from casework import checks  # noqa: F401  (registers the deploy checks)

        # model_wide also registers the system check that fails migrate while a grant exists.
        from casework.access.backends import answer_case_permissions_by_the_gate
        from casework.access.guard import refuse_unaudited_group_change
        from casework.access.model_wide import refuse_model_wide_case_permission
        from casework.accounts.sessions import end_sessions_when_deactivated
        from casework.audit.chain import link_history_row
        from casework.core import history  # connects the attribution signal
        from casework.web import (
            language,  # noqa: F401  (applies the preferred language at login)
            middleware,  # noqa: F401  (starts the session clocks at login)
        )

        # Role and team groups change only through casework.access.services.
        m2m_changed.connect(refuse_unaudited_group_change, sender=User.groups.through, dispatch_uid="privilege-groups")
        # has_perm on case data is the gate's answer, superuser or not.
        answer_case_permissions_by_the_gate()
        post_save.connect(end_sessions_when_deactivated, sender=settings.AUTH_USER_MODEL, dispatch_uid="end-sessions")
        for through in (User.user_permissions.through, Group.permissions.through):
            m2m_changed.connect(refuse_model_wide_case_permission, sender=through, dispatch_uid=f"case-perms-{through}")

        # Every history row is linked into its table's keyed chain as it is inserted.
        history.history_row_inserting.connect(link_history_row, dispatch_uid="casework-audit-chain")
