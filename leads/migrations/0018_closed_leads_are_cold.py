"""A won, lost or disqualified lead is cold, whatever it did last: nobody should call it."""

from django.db import migrations

CLOSED_STAGES = ["won", "lost", "disqualified"]


def closed_leads_are_cold(apps, schema_editor):
    Lead = apps.get_model("leads", "Lead")
    Lead.objects.filter(stage__in=CLOSED_STAGES).exclude(temperature="").exclude(temperature="cold").update(
        temperature="cold"
    )


class Migration(migrations.Migration):
    dependencies = [("leads", "0017_stagechange_reasons_recognised")]

    operations = [migrations.RunPython(closed_leads_are_cold, migrations.RunPython.noop, elidable=True)]
