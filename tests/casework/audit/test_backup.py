"""RL-4: a backup restores: backup -> restore into an empty database -> the same row
count in every table and an access log that verifies, ending at the manifest's head.

PostgreSQL and the `age` tool only. The restore database is named after the test
database (wt10 -> wt10_restore_<random>; CI's test -> test_restore_<random>) and dropped
afterwards; the key pair is made for the test in a temporary directory."""

import json
import shutil
import subprocess
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from casework.audit.services import log_access
from casework.models import AccessAction
from tests import factories
from tests.app_role import as_owner

pytestmark = [
    pytest.mark.skipif("connection.vendor != 'postgresql'"),
    pytest.mark.skipif(shutil.which("age") is None or shutil.which("pg_dump") is None, reason="needs age and pg_dump"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def key_pair(tmp_path):
    identity = tmp_path / "backup-key.txt"
    subprocess.run(["age-keygen", "-o", str(identity)], check=True, capture_output=True)
    recipient = next(
        line.split(": ", 1)[1] for line in identity.read_text().splitlines() if line.startswith("# public key: ")
    )
    return recipient, identity


@pytest.fixture
def empty_database():
    name = f"{connection.settings_dict['NAME'].removeprefix('test_')}_restore_{uuid.uuid4().hex[:8]}"
    # history-safe: creates and drops the test's own scratch database, as the owner would
    with as_owner(), connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    settings = connection.settings_dict
    url = f"postgres://{settings['USER']}@{settings['HOST'] or 'localhost'}:{settings['PORT'] or 5432}/{name}"
    yield url
    with as_owner(), connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_then_restore_gives_the_same_counts_and_a_verified_trail(tmp_path, key_pair, empty_database, cw_a):
    recipient, identity = key_pair
    child = factories.open_case_for(cw_a, child={"given_name": "Sunhui"})
    for _ in range(3):
        log_access(user=cw_a, action=AccessAction.VIEW, object_type="child", object_id=child.pk)

    call_command("backup", output=tmp_path / "out", recipient=recipient)
    (dump,) = (tmp_path / "out").glob("*.dump.age")
    (manifest,) = (tmp_path / "out").glob("*.manifest.json")
    described = json.loads(manifest.read_text())
    assert described["tables"]["children_child"] == 1
    assert described["tables"]["casework_accesslog"] == 3
    assert described["access_log_head"]["seq"] == 3
    heads = described["chain_heads"]
    assert heads["casework_accesslog"]["seq"] == 3 and heads["children_historicalchild"]["seq"] == 1
    assert {"casework_adminlogentry", "families_historicalmother"} <= set(heads)
    assert b"Sunhui" not in dump.read_bytes()  # encrypted
    assert "Sunhui" not in manifest.read_text()

    out = tmp_path / "restore.txt"
    with out.open("w") as stdout:
        call_command(
            "restore", str(dump), manifest=manifest, identity=identity, target_url=empty_database, stdout=stdout
        )
    report = out.read_text()
    assert "as in the manifest" in report
    assert f"{len(heads)} chain heads as in the manifest" in report
    assert "Audit trail intact" in report
    assert report.strip().endswith("Restore verified.")


def test_restore_refuses_a_database_that_is_not_empty(tmp_path, key_pair, cw_a):
    recipient, identity = key_pair
    call_command("backup", output=tmp_path, recipient=recipient)
    (dump,) = tmp_path.glob("*.dump.age")
    (manifest,) = tmp_path.glob("*.manifest.json")
    settings = connection.settings_dict
    own = (
        f"postgres://{settings['USER']}@{settings['HOST'] or 'localhost'}:{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(dump), manifest=manifest, identity=identity, target_url=own)


def test_a_tampered_dump_is_refused_before_anything_is_restored(tmp_path, key_pair, empty_database, cw_a):
    recipient, identity = key_pair
    call_command("backup", output=tmp_path, recipient=recipient)
    (dump,) = tmp_path.glob("*.dump.age")
    (manifest,) = tmp_path.glob("*.manifest.json")
    dump.write_bytes(dump.read_bytes() + b"x")
    with pytest.raises(CommandError, match="SHA-256"):
        call_command("restore", str(dump), manifest=manifest, identity=identity, target_url=empty_database)


def test_backup_needs_an_age_public_key(tmp_path):
    with pytest.raises(CommandError, match="age public key"):
        call_command("backup", output=tmp_path, recipient="not-a-key")
