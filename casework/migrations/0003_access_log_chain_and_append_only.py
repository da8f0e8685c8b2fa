"""The access log becomes a hash chain, and history tables and the access log become
append-only in the database (casework.audit.append_only).

Later migrations that alter a history table or the access log (on SQLite an ALTER
rebuilds the table and drops its triggers) or add a tracked model end with

    migrations.RunPython(install_append_only_triggers, migrations.RunPython.noop)

importing `install_append_only_triggers` from casework.audit.append_only (re-exported here
as `reinstall_append_only_triggers` too)."""

import datetime
import hashlib
import json
import math

from django.db import migrations, models

from casework.audit.append_only import drop_append_only_triggers, install_append_only_triggers

reinstall_append_only_triggers = install_append_only_triggers

# The chain's first version, frozen here as it was when this migration was written, so
# that a later change of casework.audit.chain cannot change what this migration does.
GENESIS_HASH = "0" * 64
HASHED_FIELDS = ("seq", "at", "user_id", "username", "action", "object_type", "object_id", "address", "detail", "prev_hash")


def _stable_json(value):
    if isinstance(value, dict):
        return {str(key): _stable_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_stable_json(item) for item in value]
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


def row_digest(row) -> str:
    content = {name: getattr(row, name) for name in HASHED_FIELDS}
    content["at"] = row.at.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    content["user_id"] = None if row.user_id is None else int(row.user_id)
    content["address"] = row.address or None
    content["detail"] = _stable_json(row.detail)
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(b"casework-access-log-v1\n" + canonical.encode()).hexdigest()


def chain_existing_rows(apps, schema_editor):
    """Rows logged before the chain existed are chained in the order they were written."""
    AccessLog = apps.get_model("casework", "AccessLog")
    AccessLogHead = apps.get_model("casework", "AccessLogHead")
    db = schema_editor.connection.alias
    prev_hash, seq = GENESIS_HASH, 0
    for row in AccessLog.objects.using(db).order_by("at", "id").iterator(chunk_size=2000):
        seq += 1
        row.seq, row.prev_hash = seq, prev_hash
        row.row_hash = row_digest(row)
        row.save(update_fields=["seq", "prev_hash", "row_hash"])
        prev_hash = row.row_hash
    AccessLogHead.objects.using(db).create(id=1, seq=seq, row_hash=prev_hash)


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0002_initial"),
        ("children", "0001_initial"),
        ("families", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="AccessLogHead",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, editable=False, primary_key=True, serialize=False)),
                ("seq", models.BigIntegerField()),
                ("row_hash", models.CharField(max_length=64)),
            ],
            options={
                "constraints": [models.CheckConstraint(condition=models.Q(("id", 1)), name="access_log_head_single_row")],
            },
        ),
        migrations.AddField(
            model_name="accesslog",
            name="seq",
            field=models.BigIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="accesslog",
            name="prev_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="accesslog",
            name="row_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing_rows, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="accesslog",
            name="seq",
            field=models.BigIntegerField(editable=False, unique=True),
        ),
        # Last, after every table rebuild above.
        migrations.RunPython(install_append_only_triggers, drop_append_only_triggers),
    ]
