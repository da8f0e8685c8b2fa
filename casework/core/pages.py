"""One paginator for every list: 25 rows a page, Django's Page object, one pager template
(templates/includes/pager.html)."""

from collections.abc import Callable, Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

PAGE_SIZE = 25


def page_of(rows: Sequence[Any] | QuerySet[Any, Any], number: int | str | None) -> Page[Any]:
    """The page `number` of a queryset or list; a missing or bad number is the first page,
    one past the end the last (Paginator.get_page)."""
    return Paginator(rows, PAGE_SIZE).get_page(number)


class _Window(Sequence[Any]):
    """A list whose length is known in advance and whose slices are fetched on demand:
    the paginator asks for the count, then for one slice, never for the whole list."""

    def __init__(self, count: int, fetch: Callable[[int, int], list[Any]]) -> None:
        self._count, self._fetch = count, fetch

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: int | slice) -> list[Any]:
        if not isinstance(index, slice):
            raise TypeError("fetch a page, not one row")
        return self._fetch(index.start or 0, index.stop or self._count)


def page_from_count(count: int, number: int | str | None, fetch: Callable[[int, int], list[Any]]) -> Page[Any]:
    """A page of rows counted elsewhere (without a COUNT query); `fetch(start, stop)`
    reads only that page's rows."""
    return page_of(_Window(count, fetch), number)
