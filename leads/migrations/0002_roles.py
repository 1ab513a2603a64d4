"""The four roles as groups. Permissions inside Handoff's own pages are checked by role
(leads/roles.py); the Django model permissions below decide what each role may do in the
admin."""

from django.db import migrations

ROLE_PERMISSIONS = {
    "Sales rep": [],
    "Sales manager": ["view_lead", "view_team", "view_company"],
    "Marketing": ["view_lead", "view_company", "view_activity"],
    "RevOps admin": None,  # every permission of the leads app
}


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(content_type__app_label="leads")
        if codenames is not None:
            permissions = permissions.filter(codename__in=codenames)
        group.permissions.set(permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
