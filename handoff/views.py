"""The handoff pages: a lead's assignment and deadline, a manager's reassignment, the routing
dry run, and each person's own notification channels and availability."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from common.people import person_name
from common.roles import Role, has_role, roles_of
from handoff import handover
from handoff.forms import AvailabilityForm, ChannelForm, DryRunForm, ReassignForm
from handoff.models import Notification, NotificationChannel, SlaClock, UserAvailability
from handoff.routing import NoOwnerAvailable, route
from leads import access
from leads.models import Lead

SEE_ROUTING = (Role.SALES_MANAGER, Role.REVOPS_ADMIN, Role.MARKETING)


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
    if not has_role(request.user, *SEE_ROUTING):
        raise PermissionDenied
    visible = access.visible_leads(request.user).with_company()
    form = DryRunForm(request.GET or None, leads=visible)
    context = {"form": form, "recent_leads": visible.filter(stage=Lead.Stage.MQL)[:8]}
    if form.is_bound and form.is_valid():
        facts, lead = form.facts()
        try:
            context["decision"] = route(facts, now=timezone.now(), lock=False)
        except NoOwnerAvailable as error:
            context["no_owner"] = str(error)
        context |= {"facts": facts, "picked_lead": lead}
    return render(request, "handoff/dry_run.html", context, status=400 if form.errors else 200)


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
