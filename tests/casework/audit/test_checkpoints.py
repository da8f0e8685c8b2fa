"""manage.py audit_checkpoint and verify_audit --checkpoints: signed heads kept outside
the database prove that nothing up to them was rewritten, even by someone who holds the
chain key (requirement AU-9)."""

import io
import json
import re
import stat
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection

from casework.audit import append_only
from casework.audit.chain import rechain
from casework.audit.registry import chain_for
from casework.audit.services import log_access
from casework.models import AccessAction, AccessLog, AuditChainHead
from children.models import Child
from children.queries import current_versions
from children.services import update_child
from tests.app_role import as_owner

pytestmark = pytest.mark.django_db

CHILD_HISTORY = "children_historicalchild"


@pytest.fixture
def keys(tmp_path):
    private = tmp_path / "keys" / "checkpoint-signing.pem"
    private.parent.mkdir()
    out = io.StringIO()
    call_command("audit_checkpoint", "--new-key", str(private), stdout=out)
    return private, out.getvalue().strip().splitlines()[-1]


@pytest.fixture
def trail(case_a, sup_a, cw_a):
    for name in ("Jiwoo", "Jiwon", "Jiyu"):
        update_child(
            child=case_a,
            by=sup_a,
            expected_version=current_versions(case_a)["child"],
            values={"given_name": name},
            reason="spelling",
        )
    for n in range(4):
        log_access(user=cw_a, action=AccessAction.VIEW, object_type="child", object_id=f"case-{n}")
    return case_a


@pytest.fixture
def checkpoints(tmp_path, keys, trail):
    directory = tmp_path / "offsite"
    call_command("audit_checkpoint", "--output", str(directory), "--key", str(keys[0]), stdout=io.StringIO())
    return directory


def _verify(directory, public_key):
    out = io.StringIO()
    call_command("verify_audit", "--checkpoints", str(directory), "--public-key", public_key, stdout=out)
    return out.getvalue()


def _owner_rewrites(sql, params=()):
    # As the tables' owner: triggers off (rolled back with the test).
    with as_owner():
        append_only.drop(connection, append_only.protected_tables(apps))
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def test_a_new_key_is_private_to_its_owner_and_never_overwritten(keys):
    private, public = keys
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert len(public) == 44  # 32 bytes, base64
    with pytest.raises(CommandError, match="never overwritten"):
        call_command("audit_checkpoint", "--new-key", str(private), stdout=io.StringIO())


def test_a_checkpoint_records_every_chains_head_and_is_signed(checkpoints):
    (path,) = checkpoints.glob("audit-checkpoint-*.json")
    document = json.loads(path.read_text())
    heads = {head["table"]: head for head in document["chains"]}
    assert set(heads) == set(AuditChainHead.objects.values_list("chain", flat=True))
    access = AuditChainHead.objects.get(chain="casework_accesslog")
    assert (heads["casework_accesslog"]["seq"], heads["casework_accesslog"]["hash"]) == (access.seq, access.row_hash)
    assert heads["casework_accesslog"]["at"] is not None
    assert document["signature"]


def test_an_untouched_trail_verifies_against_its_checkpoints(checkpoints, keys, cw_a):
    log_access(user=cw_a, action=AccessAction.LIST, object_type="child")  # the chain moved on since
    output = _verify(checkpoints, keys[1])
    assert "Audit trail intact:" in output and "1 checkpoints checked" in output


def test_a_rewrite_rehashed_with_the_key_passes_the_chain_but_not_the_checkpoint(checkpoints, keys, trail):
    # The insider holds AUDIT_CHAIN_KEY: they rewrite a history row and re-hash the table.
    victim = Child.history.filter(id=trail.pk).order_by("chain_seq")[1]
    _owner_rewrites(f"UPDATE {CHILD_HISTORY} SET given_name = 'Someone' WHERE history_id = %s", [victim.history_id])
    with as_owner():
        rechain(connection, chain_for(Child.history.model))
    call_command("verify_audit", stdout=io.StringIO())  # the chain alone is fooled

    with pytest.raises(CommandError, match=f"{CHILD_HISTORY} row id .* no longer has the checkpointed hash"):
        _verify(checkpoints, keys[1])


def test_a_chain_cut_back_below_a_checkpoint_is_caught(checkpoints, keys):
    last = AccessLog.objects.order_by("-seq").first()
    _owner_rewrites("DELETE FROM casework_accesslog WHERE id = %s", [last.pk])
    _owner_rewrites(
        "UPDATE casework_auditchainhead SET seq = seq - 1, row_hash = %s WHERE chain = %s",
        [
            last.prev_hash,
            "casework_accesslog",
        ],
    )
    call_command("verify_audit", stdout=io.StringIO())  # the chain alone is fooled

    with pytest.raises(CommandError, match=f"casework_accesslog has no row at sequence {last.seq} any more"):
        _verify(checkpoints, keys[1])


def test_a_forged_checkpoint_is_not_trusted(checkpoints, keys):
    (path,) = checkpoints.glob("audit-checkpoint-*.json")
    document = json.loads(path.read_text())
    document["chains"][0]["seq"] += 1
    path.write_text(json.dumps(document))

    with pytest.raises(CommandError, match="signature does not verify"):
        _verify(checkpoints, keys[1])


def test_a_checkpoint_signed_with_another_key_is_not_trusted(tmp_path, checkpoints):
    other = tmp_path / "other.pem"
    out = io.StringIO()
    call_command("audit_checkpoint", "--new-key", str(other), stdout=out)

    with pytest.raises(CommandError, match="signature does not verify"):
        _verify(checkpoints, out.getvalue().strip().splitlines()[-1])


def test_checkpoints_cannot_be_checked_without_a_public_key(checkpoints):
    with pytest.raises(CommandError, match="needs the public key"):
        call_command("verify_audit", "--checkpoints", str(checkpoints), stdout=io.StringIO())


def test_the_public_key_comes_from_the_settings(checkpoints, keys, settings):
    settings.AUDIT_CHECKPOINT_PUBLIC_KEY = keys[1]
    out = io.StringIO()
    call_command("verify_audit", "--checkpoints", str(checkpoints), stdout=out)
    assert "1 checkpoints checked" in out.getvalue()


def test_the_signing_key_comes_from_the_settings(tmp_path, keys, settings):
    settings.AUDIT_CHECKPOINT_SIGNING_KEY_FILE = str(keys[0])
    call_command("audit_checkpoint", "--output", str(tmp_path / "elsewhere"), stdout=io.StringIO())
    assert len(list((tmp_path / "elsewhere").glob("audit-checkpoint-*.json"))) == 1


def test_a_checkpoint_without_a_signing_key_is_refused(tmp_path):
    with pytest.raises(CommandError, match="No signing key"):
        call_command("audit_checkpoint", "--output", str(tmp_path), stdout=io.StringIO())


# The jobs the README documents run this command.

ROOT = Path(__file__).resolve().parents[3]


def test_the_compose_service_writes_checkpoints_hourly_to_a_host_directory_as_the_application_role():
    compose = (ROOT / "docker-compose.yml").read_text()
    service = compose.split("\n  audit-checkpoint:\n", 1)[1].split("\nvolumes:\n", 1)[0]
    assert "manage.py audit_checkpoint --output /checkpoints" in service
    assert 'profiles: ["checkpoints"]' in service
    assert "DATABASE_URL: postgres://${CASEWORK_APP_USER:-casework_app}@" in service  # never the owner
    assert "AUDIT_CHECKPOINT_SIGNING_KEY_FILE: /run/secrets/checkpoint-signing.pem" in service
    assert "${AUDIT_CHECKPOINT_DIR:-./audit-checkpoints}:/checkpoints" in service
    assert "AUDIT_CHECKPOINT_INTERVAL: ${AUDIT_CHECKPOINT_INTERVAL:-3600}" in service
    # The private key reaches this service only.
    web = compose.split("\n  web:\n", 1)[1].split("\n  audit-checkpoint:\n", 1)[0]
    assert "checkpoint-signing.pem" not in web


def test_the_systemd_timer_runs_the_checkpoint_command_hourly():
    unit = (ROOT / "deploy/systemd/casework-audit-checkpoint.service").read_text()
    timer = (ROOT / "deploy/systemd/casework-audit-checkpoint.timer").read_text()
    assert re.search(r"^ExecStart=\S+python manage\.py audit_checkpoint --output /\S+$", unit, flags=re.M)
    assert "Environment=AUDIT_CHECKPOINT_SIGNING_KEY_FILE=" in unit
    assert "OnCalendar=hourly" in timer and "Persistent=true" in timer


def test_checkpoints_written_by_the_command_verify_with_the_command(tmp_path, keys, cw_a):
    # The round trip the README prescribes: audit_checkpoint --output DIR, then verify_audit
    # --checkpoints DIR, with rows written between two checkpoints.
    directory = tmp_path / "offsite"
    for n in range(3):
        log_access(user=cw_a, action=AccessAction.VIEW, object_type="child", object_id=f"case-{n}")
        call_command("audit_checkpoint", "--output", str(directory), "--key", str(keys[0]), stdout=io.StringIO())
    assert len(list(directory.iterdir())) == 3
    output = _verify(directory, keys[1])
    assert "Audit trail intact:" in output and "3 checkpoints checked" in output
