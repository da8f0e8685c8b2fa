from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "casework"
    verbose_name = _("Case work")

    def ready(self):
        # Imported here: the app registry must be ready before these modules load.
        from casework.audit.chain import link_history_row
        from casework.core import history  # connects the attribution signal

        # Every history row is linked into its table's keyed chain as it is inserted.
        history.history_row_inserting.connect(link_history_row, dispatch_uid="casework-audit-chain")
