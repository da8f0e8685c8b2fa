import html

from django import template
from django.db.models import Model
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

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


@register.simple_tag
def created_values(changes, discreet) -> SafeString:
    """A record's values as created, in the timeline: a <dt>/<dd> per field, a sensitive
    one hidden in discreet mode. Written here rather than as a template loop: an opening
    folds some seventy values, and the loop was most of the timeline's rendering. Every
    label and value is escaped here (stdlib html.escape, as Django's escape does, without
    its lazy-string wrapper per call)."""
    hidden = '<span class="muted">' + _escaped(_("hidden (discreet mode)")) + "</span>"
    rows = "".join(
        "<dt>"
        + _escaped(change.label)
        + '</dt><dd class="new">'
        + (hidden if discreet and change.sensitive else _escaped(change.new))
        + "</dd>"
        for change in changes
    )
    return mark_safe('<dl class="created">' + rows + "</dl>")  # every piece escaped by _escaped


def _escaped(value) -> str:
    """conditional_escape: markup already safe stays as it is, anything else is escaped."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))
