"""Database constraints shared by the case-data models."""

from django.db import models


def choices_constraint(
    model_name: str, field: str, choices: type[models.Choices], *, allow_blank: bool = False, allow_null: bool = False
) -> models.CheckConstraint:
    """A CHECK that the column holds one of its choice values, so no write path
    (a form, the shell, a migration) can store a value the application cannot show."""
    condition = models.Q(**{f"{field}__in": [value for value, _label in choices.choices]})
    if allow_blank:
        condition |= models.Q(**{field: ""})
    if allow_null:
        condition |= models.Q(**{f"{field}__isnull": True})
    return models.CheckConstraint(condition=condition, name=f"{model_name}_{field}_valid")


def year_range_constraint(model_name: str, field: str, low: int, high: int) -> models.CheckConstraint:
    condition = models.Q(**{f"{field}__isnull": True}) | models.Q(**{f"{field}__gte": low, f"{field}__lte": high})
    return models.CheckConstraint(condition=condition, name=f"{model_name}_{field}_range")
