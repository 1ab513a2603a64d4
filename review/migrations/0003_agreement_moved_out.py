"""The agreement moved to the handoff app (handoff 0001), beside the SLA clock that reads it."""


from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('handoff', '0001_moved_from_leads_and_review'),
        ('review', '0002_first_agreement'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay as they are (each model keeps its db_table); only Django's
            # idea of which app a model belongs to changes.
            state_operations=[
                migrations.RemoveConstraint(
                    model_name='agreement',
                    name='agreement_one_active',
                ),
                migrations.DeleteModel(
                    name='Agreement',
                ),
            ],
            database_operations=[],
        ),
    ]
