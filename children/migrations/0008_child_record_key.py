"""A secret random record key on every child, for the cell-key perturbation of the
anonymised aggregates (casework.aggregates.perturbation). Existing children get one each
here, drawn like a new child's (children.models.new_record_key): the column is added
empty, filled row by row with independent keys (a column default would give every existing
child the same key), then made required. The key is left out of the history table."""

import secrets

from django.db import migrations, models

import children.models

RECORD_KEY_RANGE = 1000  # children.models.RECORD_KEY_RANGE when this migration was written


def draw_keys(apps, schema_editor):
    Child = apps.get_model("children", "Child")
    batch = []
    for child in Child.objects.only("pk").iterator(chunk_size=2000):
        child.record_key = secrets.randbelow(RECORD_KEY_RANGE)
        batch.append(child)
        if len(batch) >= 2000:
            Child.objects.bulk_update(batch, ["record_key"])
            batch = []
    if batch:
        Child.objects.bulk_update(batch, ["record_key"])


class Migration(migrations.Migration):

    dependencies = [
        ("children", "0007_name_keys_by_case"),
    ]

    operations = [
        migrations.AddField(
            model_name="child",
            name="record_key",
            field=models.PositiveSmallIntegerField(editable=False, null=True),
        ),
        migrations.RunPython(draw_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="child",
            name="record_key",
            field=models.PositiveSmallIntegerField(default=children.models.new_record_key, editable=False),
        ),
    ]
