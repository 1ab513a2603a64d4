"""RevOps admins create and revoke the integrations' API tokens in the admin."""

from django.db import migrations


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("integrations")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="RevOps admin")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="integrations"))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="RevOps admin"):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="integrations"))


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0001_api_tokens"),
        ("leads", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
