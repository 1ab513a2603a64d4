"""Version 1 of the agreement, active from the start with the published defaults (MQL→SQL
30 %, first contact within 24 business hours, 5 attempts, feedback on every lead), so admins
change it by copying it to a draft."""

from django.db import migrations
from django.utils import timezone


def create_first_agreement(apps, schema_editor):
    Agreement = apps.get_model("review", "Agreement")
    if not Agreement.objects.exists():
        Agreement.objects.create(
            version=1, status="active", effective_at=timezone.now(), notes="The published defaults."
        )


class Migration(migrations.Migration):
    dependencies = [("review", "0001_agreement_and_digest")]

    operations = [migrations.RunPython(create_first_agreement, migrations.RunPython.noop)]
