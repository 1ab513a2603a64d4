"""The change log's admin permissions for RevOps admins, named (the log came after the roles
migration, which used to grant "every permission of the app" instead)."""

from django.db import migrations

from common.roles import grant_permissions, model_permissions


def grant(apps, schema_editor):
    grant_permissions(apps, {"RevOps admin": model_permissions("leads", ["leadchange"])})


class Migration(migrations.Migration):
    dependencies = [("leads", "0011_handoff_models_moved_out")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
