"""RevOps admins keep the routing rules, the calendar, the agreement, SLA policies and
notification channels in the admin, and read what the worker records. Named here rather than
inherited from the leads app these models used to live in."""

from django.db import migrations

from common.roles import grant_permissions, model_permissions

HANDOFF_MODELS = [
    "handoffsettings", "useravailability", "routingrule", "assignment", "slapolicy", "slaclock",
    "slabreach", "notificationchannel", "notification", "agreement",
]


def grant(apps, schema_editor):
    grant_permissions(apps, {"RevOps admin": model_permissions("handoff", HANDOFF_MODELS)})


class Migration(migrations.Migration):
    dependencies = [
        ("handoff", "0002_one_agreement_one_business_zone"),
        ("leads", "0012_role_grants"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
