"""`__any_of` (casework.core.lookups): membership in a long list sent as one parameter
on PostgreSQL, the IN list elsewhere, with the same answers as `__in` whatever the values."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Q

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


def sent(queryset) -> tuple[set[str], list[tuple[str, object]]]:
    """The names found, and each statement as the driver was given it (text, parameters)."""
    statements: list[tuple[str, object]] = []

    def keep(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        found = names(queryset)
    return found, statements


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the array literal is PostgreSQL's")
def test_on_postgresql_a_thousand_ids_are_one_literal_in_the_statement(groups):
    ids = [f"id-{n}" for n in range(1000)] + ["plain-id-1"]
    found, [(sql, params)] = sent(Group.objects.filter(name__any_of=ids))
    assert found == {"plain-id-1"}
    assert "= ANY('{id-0,id-1," in sql and "IN (" not in sql and not params


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the array literal is PostgreSQL's")
def test_on_postgresql_anything_but_plain_ids_stays_a_bound_parameter(groups):
    """Only letters, digits and _.:- are ever written into the statement: a value that
    could close the literal, or carry a placeholder, is bound."""
    for hostile in ["x'); DROP TABLE auth_group; --", "50%", "a\\'b", "with space", "null"]:
        found, [(sql, params)] = sent(Group.objects.filter(name__any_of=["plain-id-1", hostile]))
        assert found == {"plain-id-1"} | ({hostile} & set(NAMES))
        assert "= ANY(%s)" in sql and "'{" not in sql and hostile in params[0]
    assert Group.objects.filter(name="plain-id-1").exists()
