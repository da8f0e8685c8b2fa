"""History settings shared by every case-data model.

Each tracked model says ``history = case_history()`` so that all of them agree:
a 64-bit history id, a change reason of any length, and an attribution that
survives the user account. The acting user is kept as a plain id plus the
username at the time, with no foreign key: deleting or deactivating an account
never rewrites (or is blocked by) the append-only history rows.
"""

from typing import Any

from django.contrib.auth.models import User
from django.db import models
from django.dispatch import receiver
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record


class HistoryAttribution(models.Model):
    history_username = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        abstract = True


def case_history(**options: Any) -> HistoricalRecords:
    return HistoricalRecords(
        history_id_field=models.BigAutoField(),
        history_change_reason_field=models.TextField(null=True, blank=True),
        history_user_id_field=models.BigIntegerField(null=True, blank=True, db_index=True),
        bases=[HistoryAttribution],
        cascade_delete_history=False,
        **options,
    )


@receiver(pre_create_historical_record)
def remember_username(
    sender: type[models.Model], history_instance: models.Model, history_user: User | None = None, **kwargs: Any
) -> None:
    if history_user is not None and hasattr(history_instance, "history_username"):
        history_instance.history_username = history_user.get_username()
