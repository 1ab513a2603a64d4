"""RevOps admins remove a colleague's lost authenticator (django-otp's TOTP devices) in the
admin, so the colleague can set up a new one."""

from django.db import migrations

CODENAMES = ["view_totpdevice", "delete_totpdevice"]


def permissions(apps):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("otp_totp")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(content_type__app_label="otp_totp", codename__in=CODENAMES)


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
        ("revops", "0001_revops_admin_unlocks_logins"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
