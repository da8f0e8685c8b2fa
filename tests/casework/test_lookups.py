"""`__any_of` (casework.core.lookups): membership in a long list sent as one parameter
on PostgreSQL, the IN list elsewhere, with the same answers as `__in` whatever the values."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

NAMES = [
    "plain-id-1",
    "plain_id.2",
    "with,comma",
    'with "quote"',
    "with space",
    "NULL",
    "null",
    "back\\slash",
    "김민지",
]


@pytest.fixture
def groups(db):
    return [Group.objects.create(name=name) for name in [*NAMES, "not-asked-for"]]


def names(queryset) -> set[str]:
    return set(queryset.values_list("name", flat=True))


@pytest.mark.parametrize(
    "asked",
    [["plain-id-1", "plain_id.2"], NAMES, ["NULL"], ["with,comma", "plain-id-1"], ["nobody-has-this"]],
)
def test_any_of_finds_what_in_finds(groups, asked):
    assert names(Group.objects.filter(name__any_of=asked)) == names(Group.objects.filter(name__in=asked))
    assert names(Group.objects.filter(name__any_of=frozenset(asked))) == set(asked) & set(NAMES)


def test_an_empty_list_finds_nothing_and_leaves_the_rest_of_an_or_alone(groups):
    assert not Group.objects.filter(name__any_of=[]).exists()
    either = Group.objects.filter(Q(name__any_of=[]) | Q(name="not-asked-for"))
    assert names(either) == {"not-asked-for"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the array parameter is PostgreSQL's")
def test_on_postgresql_a_thousand_ids_are_one_parameter(groups):
    ids = [f"id-{n}" for n in range(1000)] + ["plain-id-1"]
    with CaptureQueriesContext(connection) as captured:
        assert names(Group.objects.filter(name__any_of=ids)) == {"plain-id-1"}
    assert "= ANY(" in captured.captured_queries[0]["sql"] and "IN (" not in captured.captured_queries[0]["sql"]
