from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Case work")

    def ready(self):
        from casework.core import history  # noqa: F401  (connects the attribution signal)
        from casework.web import language  # noqa: F401  (applies the preferred language at login)
