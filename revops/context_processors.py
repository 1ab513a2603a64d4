"""The navigation bar: each area of Handoff adds its entry here, with who may see it."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from common.roles import Role, has_role

ALL_ROLES = tuple(Role.values)

# (URL name, label, roles that see it)
NAVIGATION = [
    ("system_health", _("System health"), (Role.REVOPS_ADMIN,)),
    ("leads:my_day", _("My day"), (Role.SALES_REP,)),
    ("dashboard:overview", _("Overview"), ALL_ROLES),
    ("leads:queue", _("Leads"), ALL_ROLES),
    ("dashboard:funnel", _("Funnel"), ALL_ROLES),
    ("qualification:index", _("Lead definition"), ALL_ROLES),
    ("review:weekly", _("Weekly review"), ALL_ROLES),
    ("campaigns:list", _("Campaigns"), (Role.MARKETING, Role.REVOPS_ADMIN, Role.SALES_MANAGER)),
    ("handoff:dry_run", _("Routing"), (Role.SALES_MANAGER, Role.REVOPS_ADMIN, Role.MARKETING)),
    ("handoff:me", _("My notifications"), (Role.SALES_REP, Role.SALES_MANAGER)),
    ("integrations:import", _("Import"), (Role.REVOPS_ADMIN,)),
    ("api:docs", _("API"), (Role.REVOPS_ADMIN,)),
    ("privacy:person", _("Personal data"), (Role.REVOPS_ADMIN,)),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    current = request.resolver_match.view_name if request.resolver_match else ""
    items = [
        {"url": reverse(name), "label": label, "active": name == current}
        for name, label, roles in NAVIGATION
        if has_role(user, *roles) or user.is_staff
    ]
    if user.is_staff:
        items.append({"url": reverse("admin:index"), "label": _("Admin"), "active": False})
    return {"navigation": items}
