"""The lead table keeps half of every page free (PostgreSQL's fillfactor 50), so that a
re-score's new version of a row fits on the row's own page: PostgreSQL then writes it as a
heap-only tuple (HOT) and adds no entry to any of the table's nineteen indexes, as long as no
indexed column changes. A re-score writes the scores, the explanation, the temperature and
`scored_at` (none indexed) and `rescore_at` (indexed by lead_rescore_due, which the worker
needs): at an activation about one changed row in six moves its `rescore_at`, the others can
be HOT. Measured on a million leads: a chunk of 20,000 changed scores writes a quarter of the
WAL records and takes half the time.

The setting only applies to pages written after it, so the table is rewritten once (VACUUM
FULL, outside a transaction): at a million leads about 90 s on a loaded two-core machine, with
the lead table locked meanwhile, and the table then takes about twice the disk (1.1 → 2.5 GB).
SQLite has no such setting: nothing happens there."""

from django.db import migrations

FILLFACTOR = 50


def keep_room(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE leads_lead SET (fillfactor = {FILLFACTOR})")
        cursor.execute("VACUUM FULL leads_lead")


def fill_pages(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("ALTER TABLE leads_lead RESET (fillfactor)")
        cursor.execute("VACUUM FULL leads_lead")


class Migration(migrations.Migration):
    atomic = False  # VACUUM cannot run inside a transaction

    dependencies = [
        ('leads', '0031_activity_rollups'),
    ]

    operations = [
        migrations.RunPython(keep_room, fill_pages, atomic=False),
    ]
