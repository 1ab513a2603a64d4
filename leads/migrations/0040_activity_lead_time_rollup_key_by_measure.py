# Activity mode's histograms get the key the cohort's have (migration 0035): the measure before
# the day, and on PostgreSQL the sums included (INCLUDE (n, microseconds)), so a figure's read of
# its measures over a period is an index-only range scan instead of a heap fetch per row. Django
# leaves a UniqueConstraint with `include` out on SQLite, and the rollups' upserts (ON CONFLICT)
# need the key there too: the model states the key without the included columns.

from django.db import migrations, models

FIELDS = (
    'grouping', 'measure', 'day', 'channel', 'campaign', 'source', 'product_interest', 'team', 'owner', 'sector',
    'customer', 'source_owner', 'lost_reason', 'linked_campaign', 'routed_by', 'routed_on', 'bucket',
)
KEY = models.UniqueConstraint(fields=FIELDS, name='activity_lead_time_rollup_key')


def add_key(apps, schema_editor):
    model = apps.get_model('leads', 'ActivityLeadTimeRollup')
    q = schema_editor.quote_name
    table, columns = q(model._meta.db_table), ', '.join(q(model._meta.get_field(name).column) for name in FIELDS)
    if schema_editor.connection.vendor == 'postgresql':
        schema_editor.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {q(KEY.name)} UNIQUE ({columns}) INCLUDE (n, microseconds)"
        )
    else:  # (SQLite: a unique index, which is what Django makes of the constraint there)
        schema_editor.execute(f"CREATE UNIQUE INDEX {q(KEY.name)} ON {table} ({columns})")


def remove_key(apps, schema_editor):
    model = apps.get_model('leads', 'ActivityLeadTimeRollup')
    q = schema_editor.quote_name
    if schema_editor.connection.vendor == 'postgresql':
        schema_editor.execute(f"ALTER TABLE {q(model._meta.db_table)} DROP CONSTRAINT {q(KEY.name)}")
    else:
        schema_editor.execute(f"DROP INDEX {q(KEY.name)}")


class Migration(migrations.Migration):

    dependencies = [
        ('leads', '0039_activity_verdicts'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='activityleadtimerollup',
            name='activity_lead_time_rollup_key',
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddConstraint(model_name='activityleadtimerollup', constraint=KEY)],
            database_operations=[migrations.RunPython(add_key, remove_key)],
        ),
    ]
