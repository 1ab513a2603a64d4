"""RevOps admins see failed logins in the admin and unlock an account by deleting its access
attempts (django-axes). Grants only; revops has no models of its own."""

from django.db import migrations

GRANTS = {
    "accessattempt": ["view", "delete"],
    "accessfailurelog": ["view"],
    "accesslog": ["view"],
}


def permissions(apps):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("axes")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{action}_{model}" for model, actions in GRANTS.items() for action in actions]
    return Permission.objects.filter(content_type__app_label="axes", codename__in=codenames)


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group, _ = Group.objects.get_or_create(name="RevOps admin")
    group.permissions.add(*permissions(apps))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name="RevOps admin"):
        group.permissions.remove(*permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("axes", "0010_accessattemptexpiration"),
        ("leads", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
