from django import template
from django.db.models import Model

from casework.core import display, roles

register = template.Library()


@register.filter
def label(instance: Model | None, field_name: str) -> object:
    """The display name of a choice field, like get_FOO_display but from a map resolved once
    per language (casework.core.display.choice_labels)."""
    if instance is None:
        return ""
    value = getattr(instance, field_name)
    return display.choice_labels(type(instance), field_name).get(value, value)


@register.filter
def full_name(person) -> str:
    """Family name first (casework.core.display.full_name)."""
    return display.full_name(person)


@register.filter
def object_label(object_type: str) -> str:
    """ "Listed (the follow-ups)" rather than "Listed (follow_up)"."""
    return display.object_label(object_type)


@register.filter
def role_label(role: str) -> str:
    """ "Supervisor" rather than "supervisor", in the reader's language."""
    return str(roles.ROLE_LABELS.get(role, role))
