"""The handoff pages: a lead's assignment and deadline, a manager's reassignment, the routing
dry run, and each person's own notification channels and availability."""

from collections import Counter

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from common.business_time import business_time_zone
from common.people import person_name
from common.roles import Role, has_role, roles_of
from handoff import handover
from handoff.forms import (
    AvailabilityForm,
    ChannelForm,
    DryRunForm,
    ReassignForm,
    RuleTrialForm,
    SeatForm,
)
from handoff.models import (
    Notification,
    NotificationChannel,
    RotationSeat,
    RoutingRule,
    SlaClock,
    UserAvailability,
)
from handoff.rotation import set_seats, up_next
from handoff.routing import Presence, route, try_rule
from leads import access
from leads.models import Lead

SEE_ROUTING = (Role.SALES_MANAGER, Role.REVOPS_ADMIN, Role.MARKETING)
TRIAL_LEADS = 50  # "what would this rule do to the last 50 MQLs?"


def handoff_context(lead: Lead) -> dict:
    """What the lead page shows about the handoff; the lead page can include
    templates/handoff/_assignment.html with this context."""
    assignments = list(lead.assignments.select_related("owner", "team", "assigned_by").order_by("-assigned_at", "-id"))
    return {
        "lead": lead,
        "assignment": assignments[0] if assignments else None,
        "assignments": assignments,
        "clock": SlaClock.objects.filter(lead=lead).first(),
        "breaches": list(lead.sla_breaches.select_related("escalated_to")),
        "notifications": list(lead.notifications.select_related("recipient", "channel")[:20]),
        "now": timezone.now(),
    }


def lead_handoff(request, pk: int):
    lead = access.lead_to_see(request.user, pk)
    context = handoff_context(lead)
    if access.may_reassign(request.user) and access.may_act_on(request.user, lead):
        context["reassign_form"] = ReassignForm(lead=lead, people=access.reps_visible_to(request.user))
    return render(request, "handoff/lead.html", context)


def lead_reassign(request, pk: int):
    lead = access.lead_to_reassign(request.user, pk)
    form = ReassignForm(request.POST or None, lead=lead, people=access.reps_visible_to(request.user))
    if request.method == "POST" and form.is_valid():
        owner = form.cleaned_data["owner"]
        handover.reassign(lead, to=owner, by=request.user, reason=form.cleaned_data["reason"], now=timezone.now())
        messages.success(request, _("%(lead)s now belongs to %(owner)s.") % {"lead": lead, "owner": person_name(owner)})
        return redirect("handoff:lead", pk=lead.pk)
    context = handoff_context(lead) | {"reassign_form": form}
    return render(request, "handoff/reassign.html", context, status=400 if form.errors else 200)


def routing_dry_run(request):
    """Who would get one lead (a real one or one described), and what a rule, saved or not,
    active or not, would do to the last MQLs. Nothing is assigned, nobody is notified."""
    if not has_role(request.user, *SEE_ROUTING):
        raise PermissionDenied
    visible = access.visible_leads(request.user).with_company()
    now = timezone.now()
    trying = "try" in request.GET or "trial-target" in request.GET
    lead_data = None if trying else request.GET
    form = DryRunForm(lead_data or None, leads=visible)
    context = {
        "form": form,
        "recent_leads": visible.filter(stage=Lead.Stage.MQL)[:8],
        "rules": RoutingRule.objects.all(),
        "teams": access.teams_to_manage(request.user),
    }
    if form.is_bound and form.is_valid():
        facts, lead = form.facts()
        context |= {"decision": route(facts, now=now, lock=False), "facts": facts, "picked_lead": lead}
    based_on = RoutingRule.objects.filter(pk=request.GET.get("try")).first() if request.GET.get("try", "").isdigit() else None
    trial_form = RuleTrialForm(
        request.GET if "trial-target" in request.GET else None, instance=based_on or RoutingRule(target=RoutingRule.Target.TEAM)
    )
    context |= {"trial_form": trial_form, "based_on": based_on}
    if trial_form.is_bound and trial_form.is_valid():
        context |= _trial(trial_form.instance, visible, now=now)
    errors = form.errors or trial_form.errors
    return render(request, "handoff/dry_run.html", context, status=400 if errors else 200)


def _trial(rule: RoutingRule, visible, *, now) -> dict:
    recent = list(visible.filter(mql_at__isnull=False).order_by("-mql_at", "-id")[:TRIAL_LEADS])
    rows = try_rule(rule, recent, now=now)
    taken = [decision for _lead, decision in rows if decision.rule is rule]
    return {
        "trial_rows": [
            {"lead": lead, "decision": decision, "by_trial": decision.rule is rule, "changes": decision.owner != lead.owner}
            for lead, decision in rows
        ],
        "trial_taken": len(taken),
        "trial_owners": Counter(person_name(d.owner) if d.owner else "—" for d in taken).most_common(),
        "trial_changed": sum(1 for lead, decision in rows if decision.owner != lead.owner),
    }


def team_rotation(request, pk: int):
    """Who of a team's members takes its leads, and how many: for the team's manager and
    RevOps. Saved for every member at once, or not at all."""
    teams = access.teams_to_manage(request.user)
    if not teams.exists():
        raise PermissionDenied
    team = get_object_or_404(teams, pk=pk)
    members = list(team.members.filter(is_active=True).order_by("first_name", "username"))
    saved = {seat.user_id: seat for seat in RotationSeat.objects.filter(team=team)}
    forms = [SeatForm(request.POST or None, member=member, seat=saved.get(member.pk)) for member in members]
    # A list, not a generator: every line is validated, so every mistake shows at once.
    if request.method == "POST" and all([form.is_valid() for form in forms]):  # noqa: C419
        set_seats(team, [(f.member, f.cleaned_data["takes_leads"], f.cleaned_data["weight"]) for f in forms])
        messages.success(request, _("Saved: the rotation of %(team)s.") % {"team": team})
        return redirect("handoff:team_rotation", pk=team.pk)
    presence = Presence(timezone.now().astimezone(business_time_zone()).date())
    by_id = {member.pk: member for member in members}
    next_id = up_next(team, can_take=lambda pk: pk in by_id and not presence.is_away(by_id[pk]))
    context = {
        "team": team,
        "rows": [(form, presence.is_away(form.member)) for form in forms],
        "up_next": by_id.get(next_id),
    }
    return render(request, "handoff/team_rotation.html", context, status=400 if request.method == "POST" else 200)


def _my_page(request, *, availability_form=None, channel_form=None, status=200):
    if not roles_of(request.user):
        raise PermissionDenied
    availability = UserAvailability.objects.filter(user=request.user).first() or UserAvailability(user=request.user)
    channels = NotificationChannel.objects.filter(user=request.user)
    context = {
        "availability_form": availability_form or AvailabilityForm(instance=availability),
        "channel_form": channel_form or ChannelForm(),
        "channels": channels,
        "recent": Notification.objects.filter(recipient=request.user).select_related("channel", "lead")[:10],
    }
    return render(request, "handoff/me.html", context, status=status)


def my_notifications(request):
    """Where someone says how Handoff reaches them, and whether they take new leads."""
    if request.method != "POST":
        return _my_page(request)
    if not roles_of(request.user):
        raise PermissionDenied
    availability = UserAvailability.objects.filter(user=request.user).first() or UserAvailability(user=request.user)
    form = AvailabilityForm(request.POST, instance=availability)
    if not form.is_valid():
        return _my_page(request, availability_form=form, status=400)
    form.save()
    messages.success(request, _("Saved."))
    return redirect("handoff:me")


def my_channel_add(request):
    if not roles_of(request.user):
        raise PermissionDenied
    if request.method != "POST":
        return redirect("handoff:me")
    form = ChannelForm(request.POST, instance=NotificationChannel(user=request.user))
    if not form.is_valid():
        return _my_page(request, channel_form=form, status=400)
    form.save()
    messages.success(request, _("Channel added. Send a test message to check it."))
    return redirect("handoff:me")


def _my_channel(request, pk: int) -> NotificationChannel:
    if request.method != "POST":
        raise PermissionDenied
    return get_object_or_404(NotificationChannel, pk=pk, user=request.user)


def my_channel_delete(request, pk: int):
    _my_channel(request, pk).delete()
    messages.success(request, _("Channel removed."))
    return redirect("handoff:me")


def my_channel_test(request, pk: int):
    """Queues a test message on this channel, switching it back on if a failure had switched
    it off: the worker sends it, like every other message, and switches it off again if it
    still fails."""
    channel = _my_channel(request, pk)
    now = timezone.now()
    was_off = not channel.is_active
    channel.switch_on()
    Notification.objects.create(
        kind=Notification.Kind.TEST, recipient=request.user, channel=channel, next_attempt_at=now, created_at=now
    )
    if was_off:
        messages.success(request, _("The channel is on again and a test message is on its way; its result shows below."))
    else:
        messages.success(request, _("A test message is on its way; its result shows below."))
    return redirect("handoff:me")
