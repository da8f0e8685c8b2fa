from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Case work")

    def ready(self):
        from casework import checks  # noqa: F401  (registers the deploy checks)
        from casework.core import history  # noqa: F401  (connects the attribution signal)
