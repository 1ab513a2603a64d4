"""The four kinds of people who use Handoff. Each role is a Django group (created by a
migration), so an admin grants a role by adding a user to the group."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SALES_REP = "Sales rep", _("Sales rep")
    SALES_MANAGER = "Sales manager", _("Sales manager")
    MARKETING = "Marketing", _("Marketing")
    REVOPS_ADMIN = "RevOps admin", _("RevOps admin")


def roles_of(user) -> set[str]:
    """The roles of `user`, read once per user object. A superuser holds every role."""
    if not user.is_authenticated:
        return set()
    if not hasattr(user, "_handoff_roles"):
        if user.is_superuser:
            user._handoff_roles = set(Role.values)
        else:
            user._handoff_roles = set(user.groups.values_list("name", flat=True)) & set(
                Role.values
            )
    return user._handoff_roles


def has_role(user, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def grant_permissions(apps, grants: dict[str, list[str]]) -> None:
    """For data migrations: give each role (group) the named model permissions
    ("app_label.codename"), creating the group and the permissions where they do not exist
    yet (Django makes permissions only after all migrations ran). Adds, never removes."""
    from django.contrib.auth.management import create_permissions

    for app_label in {name.split(".")[0] for names in grants.values() for name in names}:
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, names in grants.items():
        group, _created = Group.objects.get_or_create(name=role)
        for name in names:
            app_label, codename = name.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def model_permissions(app_label: str, models: list[str], actions=("add", "change", "delete", "view")) -> list[str]:
    """["leads.add_lead", "leads.change_lead", …] for each model and action."""
    return [f"{app_label}.{action}_{model}" for model in models for action in actions]
