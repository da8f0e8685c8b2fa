"""The benchmark's dataset (bench/dataset.py) and its database guard (bench/run.py)."""

import datetime
import hashlib
import types

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from bench import dataset, run
from casework.audit.queries import verify_audit
from casework.models import AccessLog, Assignment, Interview
from casework.names.keys import keys_of_case
from children.models import (
    CaseNumberCounter,
    Child,
    ChildGroupObjectPermission,
    ChildUserObjectPermission,
    DocumentAccess,
)
from children.services import next_case_number

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the dataset is copied in with COPY")


def test_the_form_reader_submits_what_a_browser_would():
    form = run.FormValues()
    form.feed(
        '<input name="a" value="1"><input type="checkbox" name="b" value="x">'
        '<input type="radio" name="c" value="y" checked><select name="d"><option value="p">'
        '<option value="q" selected></select><textarea name="e">\nnote</textarea><input type="submit" name="go">'
    )
    assert form.values == {"a": "1", "c": "y", "d": "q", "e": "note"}


@postgresql_only
@pytest.mark.django_db
def test_refuses_an_existing_database_it_did_not_create():
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    with pytest.raises(SystemExit, match="did not create"):
        run.prepare_database(url, reuse=False)
    assert Child.objects.count() == 0  # and left it as it was


# The builder copies on a connection of its own, which sees only committed rows and commits
# its own: these tests run outside a per-test transaction, and the tables are flushed after.
@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_small_dataset_has_every_row_the_services_write_and_its_cases_open():
    built = dataset.build(20, seed=3, progress=lambda line: None)

    assert Child.objects.count() == 20
    assert DocumentAccess.objects.count() == 80
    assert Assignment.objects.count() == 20
    assert Interview.objects.count() == 19 * dataset.INTERVIEWS_PER_CHILD + dataset.LONG_RECORD
    # Every case carries the grants open_case gives: its caseworker's and its team's oversight.
    for child in Child.objects.all():
        holder = child.assignments.get().caseworker
        assert set(ChildUserObjectPermission.objects.filter(content_object=child).values_list("user", flat=True)) == {
            holder.pk
        }
        assert ChildGroupObjectPermission.objects.filter(
            content_object=child, group=child.team.oversight_group
        ).exists()
    first = Child.history.order_by("history_id").first()
    assert (first.history_type, first.history_username) == (
        "+",
        first.team.group.user_set.get(pk=first.history_user_id).username,
    )
    assert AccessLog.objects.count() == 20 * dataset.VIEWS_PER_CHILD
    # Every history table and the access log in their keyed chains, the heads at their ends.
    assert verify_audit().intact
    # The search keys open_case would have written, so that search finds the generated names.
    for child in Child.objects.select_related("family__mother", "family__father"):
        assert set(child.name_keys.values_list("whose", "key")) == keys_of_case(child)
    # The next case opened this year follows the generated ones.
    year = timezone.localdate().year
    assert CaseNumberCounter.objects.get(year=year).last_serial == 20
    assert next_case_number(year) == f"C-{year}-0021"

    caseworker = built["staff"].caseworkers[0][0]
    client = Client()
    client.force_login(caseworker)
    child = Child.objects.filter(assignments__caseworker=caseworker).first()
    page = client.get(child.get_absolute_url())
    assert page.status_code == 200
    assert child.case_number in page.content.decode()


# Rows that depend on nothing but the seed and the day: the database's serial ids, and the
# chains' links (their staff rows carry the clock; verify_audit checks the links) left out.
PINNED_DAY = datetime.date(2026, 3, 16)
PINNED_DIGEST = "6ef0caee3c607aaa1476274dfa1161b2fa76fd6ae68f2340f3b05a3c2546a5ef"


def _rows_digest() -> str:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission

    from casework.models import Team

    User = get_user_model()  # noqa: N806

    names = {
        User: dict(User.objects.values_list("pk", "username")),
        Team: dict(Team.objects.values_list("pk", "name")),
        Group: dict(Group.objects.values_list("pk", "name")),
        Permission: dict(Permission.objects.values_list("pk", "codename")),
    }
    models = [*dataset.TRACKED, *dataset.HISTORY.values(), *dataset.GRANTS, *dataset.DERIVED, AccessLog]
    lines = []
    with connection.cursor() as cursor:
        for model in models:
            fields = [
                field
                for field in model._meta.concrete_fields
                if not (field.primary_key and field.get_internal_type() in ("AutoField", "BigAutoField"))
                and field.attname not in ("prev_hash", "row_hash", "chain_prev", "chain_hash")
            ]
            cursor.execute(f'SELECT {", ".join(f"{f.column}::text" for f in fields)} FROM "{model._meta.db_table}"')  # noqa: S608
            for row in cursor.fetchall():
                values = []
                for field, value in zip(fields, row, strict=True):
                    # The history's and the access log's user columns are plain integers.
                    related = field.related_model if field.is_relation else None
                    if field.attname in ("history_user_id", "user_id") and not field.is_relation:
                        related = User
                    if related in names and value is not None:
                        value = names[related][int(value)]
                    values.append(f"{field.attname}={value}")
                lines.append(f"{model._meta.db_table}|{'|'.join(values)}")
    return hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_same_seed_on_the_same_day_builds_the_same_rows(monkeypatch):
    """Pinned before the builder was made faster: a change to how rows are generated or
    copied must not change what they are."""
    monkeypatch.setattr(
        dataset, "timezone", types.SimpleNamespace(localdate=lambda: PINNED_DAY, make_aware=timezone.make_aware)
    )
    dataset.build(12, seed=5, progress=lambda line: None)
    assert verify_audit().intact
    assert _rows_digest() == PINNED_DIGEST
