"""Who may read the weekly review, and which team they see first.

Everyone with a Handoff role reads the whole page: the review is the meeting where sales and
marketing hold each other to the agreement, and reps take part in it. The lists link to
leads; opening one still needs the right to see that lead. A sales manager starts on the
team they manage, a rep on their own team; marketing and RevOps on all teams."""

from leads.models import Team
from common.roles import Role, has_role


def may_read_review(user) -> bool:
    return user.is_staff or has_role(user, *Role.values)


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
