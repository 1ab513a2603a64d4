"""Which team the weekly review opens on: a sales manager's the team they manage, a rep's
their own team; marketing and RevOps start on all teams. (Who may read it: leads.access.)"""

from common.roles import Role, has_role
from leads.models import Team


def default_team_id(user) -> int | None:
    if has_role(user, Role.SALES_MANAGER):
        managed = list(Team.objects.filter(manager=user).values_list("pk", flat=True)[:2])
        if len(managed) == 1:
            return managed[0]
    if has_role(user, Role.SALES_REP) and not has_role(user, Role.SALES_MANAGER, Role.MARKETING, Role.REVOPS_ADMIN):
        member_of = list(user.teams.values_list("pk", flat=True)[:2])
        if len(member_of) == 1:
            return member_of[0]
    return None
