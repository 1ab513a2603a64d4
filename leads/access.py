"""Who may see and act on which lead.

A sales rep: the leads they own. A sales manager: the leads of the teams they manage (the
lead's team, or its owner being a member), besides their own. Marketing: sees every lead,
changes none. A RevOps admin: everything. Anyone else: nothing.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from leads.models import Lead, Team
from common.roles import Role, has_role


def _acting_scope(user) -> Q | None:
    """The leads `user` may act on as a filter; None when that is every lead."""
    if has_role(user, Role.REVOPS_ADMIN):
        return None
    scope = Q(pk__in=[])
    if has_role(user, Role.SALES_REP, Role.SALES_MANAGER):
        scope |= Q(owner=user)
    if has_role(user, Role.SALES_MANAGER):
        managed = Team.objects.filter(manager=user)
        scope |= Q(team__in=managed) | Q(owner__in=get_user_model().objects.filter(teams__in=managed))
    return scope


def may_see_any(user) -> bool:
    return has_role(user, *Role.values)


def reads_only(user) -> bool:
    """Marketing without a sales or admin role: sees every lead, acts on none."""
    return has_role(user, Role.MARKETING) and not has_role(
        user, Role.SALES_REP, Role.SALES_MANAGER, Role.REVOPS_ADMIN
    )


def visible_leads(user) -> QuerySet[Lead]:
    if has_role(user, Role.MARKETING):
        return Lead.objects.all()
    scope = _acting_scope(user)
    return Lead.objects.all() if scope is None else Lead.objects.filter(scope)


def actionable_leads(user) -> QuerySet[Lead]:
    scope = _acting_scope(user)
    return Lead.objects.all() if scope is None else Lead.objects.filter(scope)


def may_act_on(user, lead: Lead) -> bool:
    return actionable_leads(user).filter(pk=lead.pk).exists()


def lead_to_see(user, pk: int) -> Lead:
    """The lead, if `user` may see it: 404 when there is no such lead, 403 when it is not
    theirs to see."""
    lead = get_object_or_404(Lead.objects.with_company(), pk=pk)
    if not visible_leads(user).filter(pk=pk).exists():
        raise PermissionDenied
    return lead


def lead_to_act_on(user, pk: int) -> Lead:
    """The lead, if `user` may change it (403 otherwise, also for marketing)."""
    lead = get_object_or_404(Lead.objects.with_company(), pk=pk)
    if not may_act_on(user, lead):
        raise PermissionDenied
    return lead


def reps_visible_to(user) -> QuerySet:
    """The people whose leads `user` may filter the queue by."""
    users = get_user_model().objects.filter(is_active=True).order_by("first_name", "username")
    if has_role(user, Role.MARKETING, Role.REVOPS_ADMIN):
        return users.filter(groups__name__in=[Role.SALES_REP, Role.SALES_MANAGER]).distinct()
    if has_role(user, Role.SALES_MANAGER):
        return users.filter(teams__manager=user).distinct()
    return users.none()
