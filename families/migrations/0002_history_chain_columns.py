"""The chain columns on this app's history tables; rows already there are chained in the
order they were written (casework.audit.chain), under AUDIT_CHAIN_KEY."""

from django.db import migrations, models

from casework.audit.append_only import drop_append_only_triggers, install_append_only_triggers
from casework.audit.frozen.chain_v2 import chain_existing_rows  # frozen: never the live chain code


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0006_keyed_audit_chains'),
        ('families', '0001_initial'),
    ]

    operations = [
        # The chaining below updates audit rows: the triggers are off until the end.
        migrations.RunPython(drop_append_only_triggers, install_append_only_triggers),
        migrations.AddField(
            model_name='historicalfamily',
            name='chain_hash',
            field=models.CharField(blank=True, default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='historicalfamily',
            name='chain_prev',
            field=models.CharField(blank=True, default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='historicalfamily',
            name='chain_seq',
            field=models.BigIntegerField(editable=False, null=True, unique=True),
        ),
        migrations.AddField(
            model_name='historicalfather',
            name='chain_hash',
            field=models.CharField(blank=True, default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='historicalfather',
            name='chain_prev',
            field=models.CharField(blank=True, default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='historicalfather',
            name='chain_seq',
            field=models.BigIntegerField(editable=False, null=True, unique=True),
        ),
        migrations.AddField(
            model_name='historicalmother',
            name='chain_hash',
            field=models.CharField(blank=True, default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='historicalmother',
            name='chain_prev',
            field=models.CharField(blank=True, default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='historicalmother',
            name='chain_seq',
            field=models.BigIntegerField(editable=False, null=True, unique=True),
        ),
        migrations.RunPython(chain_existing_rows("families"), migrations.RunPython.noop),
        # Last, after every table rebuild above.
        migrations.RunPython(install_append_only_triggers, drop_append_only_triggers),
    ]
