from functools import cache

from django import template

register = template.Library()


@cache
def _labels(model, field_name: str) -> dict:
    return dict(model._meta.get_field(field_name).flatchoices)


@register.filter
def label(instance, field_name: str):
    """The display name of a choice field, like get_FOO_display but from a cached map:
    Django's version rebuilds the choice map on every call, which dominated list pages."""
    if instance is None:
        return ""
    value = getattr(instance, field_name)
    return _labels(type(instance), field_name).get(value, value)
