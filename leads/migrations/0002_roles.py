"""The four roles as groups, with the leads app's model permissions each role has in the
admin. Permissions inside Handoff's own pages are checked by role (common/roles.py and
leads/access.py); every app grants its own models' permissions in a migration of its own,
naming each one."""

from django.db import migrations

from common.roles import grant_permissions, model_permissions

LEADS_MODELS = ["company", "team", "lead", "activity", "stagechange", "contactattempt", "feedback"]
GRANTS = {
    "Sales rep": [],
    "Sales manager": ["leads.view_lead", "leads.view_team", "leads.view_company"],
    "Marketing": ["leads.view_lead", "leads.view_company", "leads.view_activity"],
    "RevOps admin": model_permissions("leads", LEADS_MODELS),
}


def create_roles(apps, schema_editor):
    grant_permissions(apps, GRANTS)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GRANTS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
