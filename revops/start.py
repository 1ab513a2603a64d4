"""Where each person lands: "/" (and so the page after logging in) sends everyone to the start
page of their most specific role. The company-wide overview stays in the navigation."""

from django.shortcuts import redirect
from django.urls import reverse

from common.roles import Role, has_role

# Most specific first: a person with several roles lands on the first that fits. A RevOps
# admin (and a superuser, who holds every role) runs the system; a manager who also sells
# leads a team; marketing owns the funnel; a rep works their own leads.
START_PAGES = [
    (Role.REVOPS_ADMIN, "system_health"),
    (Role.SALES_MANAGER, "review:weekly"),
    (Role.MARKETING, "dashboard:funnel"),
    (Role.SALES_REP, "leads:my_day"),
]


def start_page(user) -> str:
    for role, url_name in START_PAGES:
        if has_role(user, role):
            return reverse(url_name)
    return reverse("dashboard:overview")


def home(request):
    return redirect(start_page(request.user))
