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
