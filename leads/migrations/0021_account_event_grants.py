"""RevOps admins read account events in the admin (they come in only through the API and the
import, which check them)."""

from django.db import migrations

from common.roles import grant_permissions, model_permissions


def grant(apps, schema_editor):
    grant_permissions(apps, {"RevOps admin": model_permissions("leads", ["accountevent"], actions=("view",))})


class Migration(migrations.Migration):
    dependencies = [("leads", "0020_account_events")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
