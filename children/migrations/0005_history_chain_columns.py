"""The chain columns on this app's history tables; rows already there are chained in the
order they were written (casework.audit.chain), under AUDIT_CHAIN_KEY."""

from django.db import migrations, models

from casework.audit.append_only import drop_append_only_triggers, install_append_only_triggers
from casework.audit.frozen.chain_v2 import chain_existing_rows  # frozen: never the live chain code


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0006_keyed_audit_chains'),
        ('children', '0004_other_names_and_name_search_keys'),
    ]

    operations = [
        # The chaining below updates audit rows: the triggers are off until the end.
        migrations.RunPython(drop_append_only_triggers, install_append_only_triggers),
        migrations.AddField(
            model_name='historicalchild',
            name='chain_hash',
            field=models.CharField(blank=True, default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='historicalchild',
            name='chain_prev',
            field=models.CharField(blank=True, default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='historicalchild',
            name='chain_seq',
            field=models.BigIntegerField(editable=False, null=True, unique=True),
        ),
        migrations.AddField(
            model_name='historicaldocumentaccess',
            name='chain_hash',
            field=models.CharField(blank=True, default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='historicaldocumentaccess',
            name='chain_prev',
            field=models.CharField(blank=True, default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='historicaldocumentaccess',
            name='chain_seq',
            field=models.BigIntegerField(editable=False, null=True, unique=True),
        ),
        migrations.RunPython(chain_existing_rows("children"), migrations.RunPython.noop),
        # Last, after every table rebuild above.
        migrations.RunPython(install_append_only_triggers, drop_append_only_triggers),
    ]
