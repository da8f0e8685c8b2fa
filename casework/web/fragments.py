"""Jinja2 for the few fragments a page repeats dozens of times: the rows of the
caseworker's list, of the case page's interviews, of the access review and of the team
page.

Why a second engine: Django's engine walks its node tree for every variable of every row
(about 10 us each, with escaping and localisation), and a page of 25 case rows spent more
of its time there than anywhere else (docs/benchmarks.md). Jinja compiles a template to
Python once; the same rows cost a tenth. The pages themselves stay Django templates; only
a `*.jinja` fragment is rendered here and placed into them, already escaped.

The fragments hold no translatable text of their own: the view hands them every word
resolved once per page (a dict of gettext strings, the choice labels of
casework.core.display), so makemessages finds the words in Python, and a row performs no
translation lookup."""

import uuid
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import jinja2
from django.conf import settings
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(settings.BASE_DIR / "templates"),
        # Every value is escaped unless it is already safe (Django's SafeString has
        # __html__, so Jinja leaves it as it is, as Django's engine does).
        autoescape=True,
        # A misspelt name is an error in tests, never a silently empty cell.
        undefined=jinja2.StrictUndefined,
        auto_reload=settings.DEBUG,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def words(texts: Mapping[str, Any]) -> dict[str, str]:
    """A fragment's words ({key: gettext_lazy(...)}) in the active language, resolved once
    for the page rather than once per row."""
    return {key: str(text) for key, text in texts.items()}


def render_fragment(name: str, **context: Any) -> SafeString:
    """The fragment `name` (under templates/) rendered with `context`, as safe HTML for a
    Django template."""
    return mark_safe(_environment().get_template(name).render(context))  # noqa: S308 (Jinja escaped it)


# Stands for a record's id in a link reversed once per page.
_ANY_ID = "00000000-0000-0000-0000-000000000000"


def link_to(viewname: str) -> Callable[[uuid.UUID], str]:
    """The address of `viewname` for a record's id, reversed once for a page of rows (a
    reverse per row costs what the row's whole rendering does). For views whose only
    argument is the id (`<uuid:pk>`)."""
    pattern = reverse(viewname, args=[_ANY_ID])
    return lambda pk: pattern.replace(_ANY_ID, str(pk))
