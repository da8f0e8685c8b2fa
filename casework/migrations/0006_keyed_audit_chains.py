"""One keyed chain per audit table (casework.audit.chain): the heads of every chain in one
table (AuditChainHead, replacing the access log's single head row), the chain columns on
this app's history tables, and every existing row chained again with HMAC-SHA-256 under
AUDIT_CHAIN_KEY (the access log's rows were chained with plain SHA-256 before).

The triggers are dropped for the re-chaining and installed again at the end, with the
heads' own triggers (no delete, no step back)."""

from django.db import migrations, models

from casework.audit.append_only import drop_append_only_triggers, install_append_only_triggers
from casework.audit.frozen.chain_v2 import chain_existing_rows  # frozen: never the live chain code


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0005_preferences_language'),
    ]

    operations = [
        # The chaining below updates audit rows: the triggers are off until the end.
        migrations.RunPython(drop_append_only_triggers, install_append_only_triggers),
        migrations.CreateModel(
            name='AuditChainHead',
            fields=[
                ('chain', models.CharField(editable=False, max_length=63, primary_key=True, serialize=False)),
                ('seq', models.BigIntegerField()),
                ('row_hash', models.CharField(max_length=64)),
            ],
        ),
        migrations.DeleteModel(
            name='AccessLogHead',
        ),
        migrations.AddField(
            model_name='historicalassignment',
            name='chain_hash',
            field=models.CharField(blank=True, default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='historicalassignment',
            name='chain_prev',
            field=models.CharField(blank=True, default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='historicalassignment',
            name='chain_seq',
            field=models.BigIntegerField(editable=False, null=True, unique=True),
        ),
        migrations.AddField(
            model_name='historicalinterview',
            name='chain_hash',
            field=models.CharField(blank=True, default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='historicalinterview',
            name='chain_prev',
            field=models.CharField(blank=True, default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='historicalinterview',
            name='chain_seq',
            field=models.BigIntegerField(editable=False, null=True, unique=True),
        ),
        migrations.RunPython(chain_existing_rows("casework"), migrations.RunPython.noop),
        # Last, after every table rebuild above.
        migrations.RunPython(install_append_only_triggers, drop_append_only_triggers),
    ]
