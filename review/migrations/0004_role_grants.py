"""RevOps admins read which weekly digests went out."""

from django.db import migrations

from common.roles import grant_permissions


def grant(apps, schema_editor):
    grant_permissions(apps, {"RevOps admin": ["review.view_weeklydigest"]})


class Migration(migrations.Migration):
    dependencies = [("review", "0003_agreement_moved_out"), ("leads", "0002_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
