"""Who may see and act on which lead: the one rule, used by every page, action, export, the
handoff and qualification pages and the JSON API.

A sales rep: the leads they own. A sales manager: the leads of the teams they manage (the
lead's team, or its owner being a member), besides their own; the unassigned queue (leads
handed over while nobody present could take them) of those teams, and the unassigned leads of
no team, which every sales manager is told about. Marketing: sees every lead,
changes none. A RevOps admin: everything. Anyone else: nothing.

Shared pages (the weekly review, the dashboard) show everyone's figures to everyone with a
role, but a lead's name and company only to those who may see that lead (`shows_lead`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from common.roles import Role, has_role
from leads.models import Lead, Team


@dataclass(frozen=True)
class _Scope:
    """The leads someone may act on: owned by one of `owner_ids`, or in one of `team_ids`,
    or (`teamless_unassigned`) waiting for an owner in no team. None for both ids means every
    lead."""

    owner_ids: frozenset[int] | None
    team_ids: frozenset[int] | None
    teamless_unassigned: bool = False

    @property
    def everything(self) -> bool:
        return self.owner_ids is None

    def as_q(self) -> Q:
        q = Q(owner_id__in=self.owner_ids) | Q(team_id__in=self.team_ids)
        if self.teamless_unassigned:
            q |= Q(owner__isnull=True, team__isnull=True, stage__in=Lead.SALES_STAGES)
        return q

    def holds(self, lead: Lead) -> bool:
        if self.everything or lead.owner_id in self.owner_ids or lead.team_id in self.team_ids:
            return True
        return (
            self.teamless_unassigned and lead.owner_id is None and lead.team_id is None and lead.stage in Lead.SALES_STAGES
        )


def _acting_scope(user) -> _Scope:
    if has_role(user, Role.REVOPS_ADMIN):
        return _Scope(None, None)
    owners: set[int] = set()
    teams: set[int] = set()
    if has_role(user, Role.SALES_REP, Role.SALES_MANAGER):
        owners.add(user.pk)
    manages = has_role(user, Role.SALES_MANAGER)
    if manages:
        teams = set(Team.objects.filter(manager=user).values_list("pk", flat=True))
        owners |= set(get_user_model().objects.filter(teams__in=teams).values_list("pk", flat=True))
    return _Scope(frozenset(owners), frozenset(teams), teamless_unassigned=manages)


def _seeing_scope(user) -> _Scope:
    return _Scope(None, None) if has_role(user, Role.MARKETING) else _acting_scope(user)


def may_see_any(user) -> bool:
    return has_role(user, *Role.values)


def may_read_shared_pages(user) -> bool:
    """The dashboard and the weekly review: the meeting where sales and marketing hold each
    other to the agreement, read by everyone with a role (and staff)."""
    return user.is_staff or may_see_any(user)


def reads_only(user) -> bool:
    """Marketing without a sales or admin role: sees every lead, acts on none."""
    return has_role(user, Role.MARKETING) and not has_role(
        user, Role.SALES_REP, Role.SALES_MANAGER, Role.REVOPS_ADMIN
    )


def may_edit_campaigns(user) -> bool:
    """Marketing plans the campaigns and RevOps keeps them tidy; sales reads their briefs."""
    return has_role(user, Role.MARKETING, Role.REVOPS_ADMIN)
def may_review_delivered_leads(user) -> bool:
    """The joint review of the last leads marketing delivered (with what sales did and said):
    sales managers, marketing and RevOps admins. Which leads each sees: `visible_leads`."""
    return has_role(user, Role.SALES_MANAGER, Role.MARKETING, Role.REVOPS_ADMIN)


def teams_to_review(user) -> QuerySet[Team]:
    """The teams whose delivered leads `user` may pick in that review: every team for
    marketing and RevOps, a manager's own teams."""
    if has_role(user, Role.MARKETING, Role.REVOPS_ADMIN):
        return Team.objects.order_by("name")
    if has_role(user, Role.SALES_MANAGER):
        return Team.objects.filter(manager=user).order_by("name")
    return Team.objects.none()


def may_handle_personal_data(user) -> bool:
    """Finding one person's data, exporting it and erasing it (a GDPR request): RevOps admins
    only, not staff as such."""
    return has_role(user, Role.REVOPS_ADMIN)
def sees_unassigned_queue(user) -> bool:
    """Managers and RevOps admins give the leads waiting without an owner to someone."""
    return has_role(user, Role.SALES_MANAGER, Role.REVOPS_ADMIN)


def teams_to_manage(user) -> QuerySet[Team]:
    """The teams whose rotation `user` sets (who takes leads, with which weight): a manager's
    own teams, every team for a RevOps admin."""
    if has_role(user, Role.REVOPS_ADMIN):
        return Team.objects.all()
    if has_role(user, Role.SALES_MANAGER):
        return Team.objects.filter(manager=user)
    return Team.objects.none()


def may_reassign(user) -> bool:
    """Managers and RevOps admins hand a lead to someone else (on the leads they act on)."""
    return has_role(user, Role.SALES_MANAGER, Role.REVOPS_ADMIN)


def leads_to_manage(user) -> Callable[[Lead], bool]:
    """For pages offering a manager's acts on many leads (the weekly review: reassign, nudge
    the owner, mark discussed): whether `user` may do them on each one, as `lead_to_reassign`
    decides. The scope is read once, so a list of any length costs no more queries."""
    if not may_see_any(user) or not may_reassign(user):
        return lambda lead: False
    return _acting_scope(user).holds


def may_run_review(user, team: Team | None) -> bool:
    """Who agrees actions in the weekly review of `team` (None: all teams) and marks them
    done: the team's manager, and RevOps admins for any review."""
    if has_role(user, Role.REVOPS_ADMIN):
        return True
    return team is not None and has_role(user, Role.SALES_MANAGER) and team.manager_id == user.pk


def _leads_in(scope: _Scope) -> QuerySet[Lead]:
    return Lead.objects.all() if scope.everything else Lead.objects.filter(scope.as_q())


def visible_leads(user) -> QuerySet[Lead]:
    return _leads_in(_seeing_scope(user)) if may_see_any(user) else Lead.objects.none()


def sees_every_lead(user) -> bool:
    """Whether `visible_leads(user)` is every lead (marketing): figures over all leads may then
    be read from the rollups."""
    return may_see_any(user) and _seeing_scope(user).everything


def actionable_leads(user) -> QuerySet[Lead]:
    return _leads_in(_acting_scope(user)) if may_see_any(user) else Lead.objects.none()


def may_see(user, lead: Lead) -> bool:
    return may_see_any(user) and _seeing_scope(user).holds(lead)


def may_act_on(user, lead: Lead) -> bool:
    return may_see_any(user) and _acting_scope(user).holds(lead)


def shows_lead(user) -> Callable[[Lead], bool]:
    """For pages listing many leads: whether `user` may read each one's name. The scope is
    read once, so a list of any length costs no more queries."""
    if not may_see_any(user):
        return lambda lead: False
    return _seeing_scope(user).holds


def lead_to_see(user, pk: int) -> Lead:
    """The lead, if `user` may see it: 404 when there is no such lead, 403 when it is not
    theirs to see."""
    lead = get_object_or_404(Lead.objects.with_company(), pk=pk)
    if not may_see(user, lead):
        raise PermissionDenied
    return lead


def lead_to_act_on(user, pk: int) -> Lead:
    """The lead, if `user` may change it (403 otherwise, also for marketing)."""
    lead = get_object_or_404(Lead.objects.with_company(), pk=pk)
    if not may_act_on(user, lead):
        raise PermissionDenied
    return lead


def lead_to_reassign(user, pk: int) -> Lead:
    """The lead, if `user` may give it to someone else: a manager's team's lead, any for an
    admin."""
    lead = lead_to_act_on(user, pk)
    if not may_reassign(user):
        raise PermissionDenied
    return lead


def reps_visible_to(user) -> QuerySet:
    """The people whose leads `user` may filter the queue by, and a manager may hand leads
    to."""
    users = get_user_model().objects.filter(is_active=True).order_by("first_name", "username")
    if has_role(user, Role.MARKETING, Role.REVOPS_ADMIN):
        return users.filter(groups__name__in=[Role.SALES_REP, Role.SALES_MANAGER]).distinct()
    if has_role(user, Role.SALES_MANAGER):
        return users.filter(teams__manager=user).distinct()
    return users.none()
