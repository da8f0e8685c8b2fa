from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Case work")

    def ready(self):
        from django.conf import settings
        from django.db.models.signals import post_save

        # Imported here: models are not ready when this module is loaded.
        from casework.accounts.sessions import end_sessions_when_deactivated
        from casework.core import history  # noqa: F401  (connects the attribution signal)

        post_save.connect(end_sessions_when_deactivated, sender=settings.AUTH_USER_MODEL, dispatch_uid="end-sessions")
