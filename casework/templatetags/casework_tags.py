from functools import cache

from django import template
from django.db.models import Model

from casework.core import display, roles

register = template.Library()


@cache
def _labels(model, field_name: str) -> dict:
    return dict(model._meta.get_field(field_name).flatchoices)


@register.filter
def label(instance: Model | None, field_name: str) -> object:
    """The display name of a choice field, like get_FOO_display but from a cached map:
    Django's version rebuilds the choice map on every call, which dominated list pages."""
    if instance is None:
        return ""
    value = getattr(instance, field_name)
    return _labels(type(instance), field_name).get(value, value)


def _is_cjk(text: str) -> bool:
    # Hangul syllables and jamo, CJK ideographs: names written without a space (김민지, 王晨).
    return any("\u1100" <= ch <= "\u11ff" or "\uac00" <= ch <= "\ud7af" or "\u4e00" <= ch <= "\u9fff" for ch in text)


@register.filter
def full_name(person) -> str:
    """Family name first, as Korean and Chinese names are written; no space between the
    parts of a name in Hangul or Chinese characters. An unknown name is a dash."""
    family, given = (person.family_name or "").strip(), (person.given_name or "").strip()
    if not (family or given):
        return "—"
    separator = "" if _is_cjk(family + given) else " "
    return separator.join(part for part in (family, given) if part)


@register.filter
def object_label(object_type: str) -> str:
    """ "Listed (the follow-ups)" rather than "Listed (follow_up)"."""
    return display.object_label(object_type)


@register.filter
def role_label(role: str) -> str:
    """ "Supervisor" rather than "supervisor", in the reader's language."""
    return str(roles.ROLE_LABELS.get(role, role))
