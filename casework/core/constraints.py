"""Database constraints shared by the case-data models."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, models


class ChoicesCheck(models.CheckConstraint):
    """The database's CHECK of a choice column, validated in Python before a save.

    Django validates a CheckConstraint with a query (`SELECT 1 WHERE <condition>`, in a
    savepoint): an interview with its four doors ran eight of them, with sixteen savepoint
    statements, to learn what the forms' choice fields had already checked. The database
    still enforces the CHECK on every write; migrations see a plain CheckConstraint."""

    def __init__(self, *args: Any, field: str, values: list[str], allow_blank: bool, allow_null: bool, **kwargs: Any):
        self.field, self.values = field, list(values)
        self.allow_blank, self.allow_null = allow_blank, allow_null
        super().__init__(*args, **kwargs)

    def validate(self, model: Any, instance: Any, exclude: Any = None, using: str = DEFAULT_DB_ALIAS) -> None:
        model_field = model._meta.get_field(self.field)
        if exclude and model_field.name in exclude:
            return  # as Django does: a field that failed its own checks is not checked again
        value = getattr(instance, model_field.attname)
        if value in self.values or (self.allow_blank and value == "") or (self.allow_null and value is None):
            return
        raise ValidationError(self.get_violation_error_message(), code=self.violation_error_code)

    def deconstruct(self) -> Any:
        _path, args, kwargs = super().deconstruct()
        return "django.db.models.CheckConstraint", args, kwargs

    def clone(self) -> "ChoicesCheck":
        _path, args, kwargs = super().deconstruct()
        return self.__class__(
            *args,
            field=self.field,
            values=self.values,
            allow_blank=self.allow_blank,
            allow_null=self.allow_null,
            **kwargs,
        )


def choices_constraint(
    model_name: str, field: str, choices: type[models.Choices], *, allow_blank: bool = False, allow_null: bool = False
) -> models.CheckConstraint:
    """A CHECK that the column holds one of its choice values, so no write path
    (a form, the shell, a migration) can store a value the application cannot show."""
    values = [value for value, _label in choices.choices]
    condition = models.Q(**{f"{field}__in": values})
    if allow_blank:
        condition |= models.Q(**{field: ""})
    if allow_null:
        condition |= models.Q(**{f"{field}__isnull": True})
    return ChoicesCheck(
        field=field,
        values=values,
        allow_blank=allow_blank,
        allow_null=allow_null,
        condition=condition,
        name=f"{model_name}_{field}_valid",
    )


def year_range_constraint(model_name: str, field: str, low: int, high: int) -> models.CheckConstraint:
    condition = models.Q(**{f"{field}__isnull": True}) | models.Q(**{f"{field}__gte": low, f"{field}__lte": high})
    return models.CheckConstraint(condition=condition, name=f"{model_name}_{field}_range")
