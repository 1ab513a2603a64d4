"""The sales workspace: the lead queue, the lead page with its handoff card, and the actions
sales takes on a lead (the one-step outcome; accept, reject, log an attempt, give feedback)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.people import person_name
from handoff import clocks
from handoff.card import build_card, qualifying_change
from handoff.lateness import BY_URGENCY, count_by_lateness, scale_now
from handoff.models import SlaBreach
from leads import access, completeness
from leads.models import IllegalTransition, Lead, LeadChange, StageChange
from leads.rollups import campaigns_with_leads_in
from sales import actions
from sales.actions import ActionRefused, LeadChanged
from sales.forms import (
    AcceptForm,
    ContactAttemptForm,
    FeedbackForm,
    LostForm,
    OutcomeForm,
    QueueFilterForm,
    RejectForm,
    SourceOwnerForm,
)

QUEUE_PAGE_SIZE = 25
MY_DAY_LIST_SIZE = 10


def lead_queue(request: HttpRequest) -> HttpResponse:
    if not access.may_see_any(request.user):
        raise PermissionDenied
    now = timezone.now()
    visible = access.visible_leads(request.user)
    unassigned_queue = access.sees_unassigned_queue(request.user)
    form = QueueFilterForm(
        request.GET, leads=visible, reps=access.reps_visible_to(request.user), unassigned_queue=unassigned_queue,
        # Every lead's campaigns from the stage rollup (a few hundred rows, not every open lead).
        campaigns=campaigns_with_leads_in(Lead.OPEN_STAGES) if access.sees_every_lead(request.user) else None,
    )
    if form.is_valid():
        leads, status = form.apply(visible, now=now), 200
    else:
        leads, status = visible.none(), 400
    lateness = scale_now(now)
    page = Paginator(leads.with_company().select_related("sla_clock"), QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    filters = request.GET.copy()
    filters.pop("page", None)
    return render(
        request,
        "leads/queue.html",
        {
            "form": form,
            "page": page,
            "now": now,
            "lateness": lateness,
            # How late the listed leads are, counted over all pages: where to start.
            "lateness_counts": count_by_lateness(leads, lateness) if page.object_list else [],
            "filters": filters.urlencode(),
            "read_only": access.reads_only(request.user),
            # Leads that wait for a manager to give them an owner, shown above any filter.
            "waiting_stages": Lead.SALES_STAGES,
            "unassigned_count": access.actionable_leads(request.user).unassigned().count() if unassigned_queue else 0,
        },
        status=status,
    )


def my_day(request: HttpRequest) -> HttpResponse:
    """A rep's start page: their leads waiting for sales, in three lists that do not overlap —
    overdue, new (handed over, not yet accepted) and due next (accepted) — and for the most
    urgent one the card's next step and opening line. A fixed number of queries."""
    if not access.may_see_any(request.user):
        raise PermissionDenied
    now = timezone.now()
    mine = Lead.objects.owned_by(request.user).with_sales()
    overdue = Q(respond_by__lt=now)
    parts = {
        "overdue": overdue,
        "new": ~overdue & Q(stage=Lead.Stage.MQL),
        "due_next": ~overdue & ~Q(stage=Lead.Stage.MQL),
    }
    lateness = scale_now(now)
    graded = lateness.filters()
    counts = mine.aggregate(
        **{name: Count("pk", filter=part) for name, part in parts.items()},
        **{f"graded_{grade.value}": Count("pk", filter=graded[grade]) for grade in BY_URGENCY},
    )
    lists = {
        name: list(mine.filter(part).with_company().select_related("sla_clock").by_urgency()[:MY_DAY_LIST_SIZE])
        for name, part in parts.items()
    }
    # Each list is in urgency order, so the most urgent lead heads one of them.
    heads = [leads[0] for leads in lists.values() if leads]
    urgent = min(heads, key=_urgency, default=None)
    card = None
    if urgent is not None:
        stage_changes = list(urgent.stage_changes.select_related("changed_by"))
        card = build_card(
            urgent, activities=list(urgent.activities.all()), last_change=qualifying_change(stage_changes, urgent)
        )
    sections = [
        {"name": "overdue", "title": _("Overdue"), "leads": lists["overdue"], "count": counts["overdue"],
         "more_url": f"{reverse('leads:queue')}?overdue=on"},
        {"name": "new", "title": _("New leads"), "leads": lists["new"], "count": counts["new"],
         "more_url": f"{reverse('leads:queue')}?stage={Lead.Stage.MQL}"},
        {"name": "due_next", "title": _("Due next"), "leads": lists["due_next"], "count": counts["due_next"],
         "more_url": reverse("leads:queue")},
    ]
    context = {
        "sections": sections,
        "urgent": urgent,
        "card": card,
        "now": now,
        "lateness": lateness,
        "lateness_counts": [(grade, counts[f"graded_{grade.value}"]) for grade in BY_URGENCY],
    }
    return render(request, "leads/my_day.html", context)


def _urgency(lead: Lead) -> tuple:
    """Lead.objects.by_urgency's order: the earliest deadline (none last), the longest waiting."""
    return (lead.respond_by is None, lead.respond_by or lead.created_at, lead.created_at, lead.pk)


def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _lead_page(request, access.lead_to_see(request.user, pk))


@require_POST
def lead_accept(request: HttpRequest, pk: int) -> HttpResponse:
    def accept(lead: Lead, form: AcceptForm) -> str:
        actions.accept(lead, by=request.user, seen_version=form.cleaned_data["version"])
        return _("Accepted: the lead is now yours to follow up.")

    return _act(request, pk, AcceptForm, accept)


@require_POST
def lead_reject(request: HttpRequest, pk: int) -> HttpResponse:
    def reject(lead: Lead, form: RejectForm) -> str:
        actions.reject(
            lead,
            by=request.user,
            reason=form.stored_reason(),
            seen_version=form.cleaned_data["version"],
        )
        return _("Sent back to marketing: the lead is in nurture again.")

    return _act(request, pk, RejectForm, reject)


@require_POST
def attempt_create(request: HttpRequest, pk: int) -> HttpResponse:
    def log(lead: Lead, form: ContactAttemptForm) -> str:
        attempt = actions.log_attempt(
            lead,
            by=request.user,
            channel=form.cleaned_data["channel"],
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
            seen_version=form.cleaned_data["version"],
        )
        return _("Contact attempt logged: %(attempt)s (%(count)d so far).") % {
            "attempt": attempt,
            "count": lead.attempt_count,
        }

    return _act(request, pk, ContactAttemptForm, log)


@require_POST
def feedback_submit(request: HttpRequest, pk: int) -> HttpResponse:
    def give(lead: Lead, form: FeedbackForm) -> str:
        feedback = actions.give_feedback(
            lead,
            form.instance, by=request.user, seen_version=form.cleaned_data["version"]
        )
        return _("Feedback saved: %(feedback)s. The lead is now %(stage)s.") % {
            "feedback": feedback.get_disposition_display(),
            "stage": lead.get_stage_display(),
        }

    return _act(request, pk, FeedbackForm, give)


@require_POST
def outcome_record(request: HttpRequest, pk: int) -> HttpResponse:
    def record(lead: Lead, form: OutcomeForm) -> str:
        feedback = form.feedback()
        attempt = actions.record_outcome(
            lead,
            by=request.user,
            channel=form.cleaned_data["channel"],
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
            feedback=feedback,
            seen_version=form.cleaned_data["version"],
        )
        if feedback is not None:
            return _("Saved: %(attempt)s, %(feedback)s. The lead is now %(stage)s.") % {
                "attempt": attempt,
                "feedback": feedback.get_disposition_display(),
                "stage": lead.get_stage_display(),
            }
        return _("Contact attempt logged: %(attempt)s (%(count)d so far).") % {
            "attempt": attempt,
            "count": lead.attempt_count,
        }

    return _act(request, pk, OutcomeForm, record)


@require_POST
def lead_lost(request: HttpRequest, pk: int) -> HttpResponse:
    def lose(lead: Lead, form: LostForm) -> str:
        actions.mark_lost(
            lead,
            by=request.user,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
            seen_version=form.cleaned_data["version"],
        )
        return _("Marked as lost: %(reason)s.") % {"reason": lead.get_lost_reason_display()}

    return _act(request, pk, LostForm, lose)


@require_POST
def source_owner_set(request: HttpRequest, pk: int) -> HttpResponse:
    def set_owner(lead: Lead, form: SourceOwnerForm) -> str:
        actions.set_source_owner(
            lead, by=request.user, source_owner=form.cleaned_data["source_owner"], seen_version=form.cleaned_data["version"]
        )
        return _("Saved: sourced by %(owner)s.") % {"owner": lead.get_source_owner_display()}

    return _act(request, pk, SourceOwnerForm, set_owner)


ACTION_FORMS = {
    OutcomeForm: "outcome_form",
    AcceptForm: "accept_form",
    RejectForm: "reject_form",
    ContactAttemptForm: "attempt_form",
    FeedbackForm: "feedback_form",
    LostForm: "lost_form",
    SourceOwnerForm: "source_owner_form",
}


def _act(request: HttpRequest, pk: int, form_class, action: Callable) -> HttpResponse:
    """Check the person may change the lead, validate, act, and come back to the lead page:
    redirected with a confirmation, or shown again with the form's errors and the input kept."""
    lead = access.lead_to_act_on(request.user, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        return _lead_page(request, lead, {ACTION_FORMS[form_class]: form}, status=400)
    try:
        confirmation = action(lead, form)
    except (LeadChanged, ActionRefused, IllegalTransition) as problem:
        lead.refresh_from_db()
        # Keep what they typed, now against the current version: saving again is deliberate.
        data = request.POST.copy()
        data[form["version"].html_name] = lead.version
        form = form_class(data)
        form.is_valid()
        form.add_error(None, _explain(problem, lead))
        return _lead_page(request, lead, {ACTION_FORMS[form_class]: form}, status=409)
    messages.success(request, confirmation)
    return redirect("leads:detail", pk=lead.pk)


def _explain(problem: Exception, lead: Lead) -> str:
    if isinstance(problem, LeadChanged):
        return _(
            "This lead changed while you were looking (see its history). Nothing was saved: "
            "check it and save again if your input still applies."
        )
    if isinstance(problem, ActionRefused):
        return str(problem)
    return _("That does not fit the lead as it is now: it is %(stage)s.") % {
        "stage": lead.get_stage_display()
    }


@dataclass(frozen=True)
class OwnerChange:
    before: str
    after: str
    how: str
    reason: str


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    stage_change: StageChange | None = None
    lead_change: LeadChange | None = None
    owner_change: OwnerChange | None = None
    breach: SlaBreach | None = None


def _history(stage_changes, lead_changes, breaches=(), assignments=()) -> list[HistoryEntry]:
    """Stage changes, owner changes (routing and reassignments), other changes to the lead and
    missed deadlines in one list, newest first."""
    entries = [HistoryEntry(c.changed_at, c.actor, stage_change=c) for c in stage_changes]
    entries += [HistoryEntry(c.changed_at, c.actor, lead_change=c) for c in lead_changes]
    entries += [HistoryEntry(b.recorded_at, _("SLA policy"), breach=b) for b in breaches]
    previous = ""
    for assignment in assignments:  # oldest first: each one's "before" is the one before it
        owner = person_name(assignment.owner)
        actor = person_name(assignment.assigned_by) if assignment.assigned_by else assignment.rule_name or _("system")
        change = OwnerChange(previous, owner, assignment.get_kind_display(), assignment.get_reason_display())
        entries.append(HistoryEntry(assignment.assigned_at, actor, owner_change=change))
        previous = owner
    return sorted(entries, key=lambda entry: entry.at, reverse=True)


def _readable(value) -> str:
    """A form answer or event detail as a person reads it."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_readable(item) for item in value)
    return str(value)


def _lead_page(request: HttpRequest, lead: Lead, forms: dict | None = None, status: int = 200):
    now = timezone.now()
    activities = list(lead.activities.all())
    for activity in activities:
        activity.answers = [(key, _readable(value)) for key, value in activity.data.items()]
    stage_changes = list(lead.stage_changes.select_related("changed_by"))
    may_act = access.may_act_on(request.user, lead)
    card = build_card(
        lead, activities=activities, last_change=qualifying_change(stage_changes, lead)
    )
    context = {
        "lead": lead,
        "card": card,
        "activities": activities[::-1],
        "history": _history(
            stage_changes,
            lead.changes.select_related("changed_by"),
            lead.sla_breaches.select_related("owner", "escalated_to", "passed_to"),
            lead.assignments.select_related("owner", "assigned_by").order_by("assigned_at", "id"),
        ),
        "attempts": lead.contact_attempts.select_related("made_by").order_by("-made_at", "-id"),
        "feedback_given": lead.feedback.select_related("given_by").order_by("-given_at", "-id"),
        "may_act": may_act,
        "now": now,
        "lateness": scale_now(now),
        "attempt_limit": clocks.attempt_limit(),
        "assignment": lead.assignments.select_related("assigned_by").order_by("-assigned_at", "-id").first(),
        "queue_url": reverse("leads:queue"),
        # Marketing's side of the agreement: what the lead arrived without.
        "missing_data": [str(part.label) for part in completeness.missing(lead)],
    }
    if may_act:
        # The card's recommended step (call, e-mail, LinkedIn) is the likeliest attempt channel.
        context.update(_action_forms(lead, forms or {}, next_step=card.next_step))
    return render(request, "leads/detail.html", context, status=status)


def _action_forms(lead: Lead, bound: dict, *, next_step: str) -> dict:
    """The forms that fit the lead's stage: fresh ones, or those being shown again."""
    version = {"version": lead.version}
    forms = {}
    if lead.stage == Lead.Stage.MQL:
        forms["accept_form"] = bound.get("accept_form") or AcceptForm(initial=version)
        forms["reject_form"] = bound.get("reject_form") or RejectForm(initial=version)
    if lead.stage in Lead.SALES_STAGES:
        forms["outcome_form"] = bound.get("outcome_form") or OutcomeForm(
            initial={**version, "channel": next_step}
        )
        # Feedback without a new attempt (not reached after earlier attempts, say).
        forms["feedback_form"] = bound.get("feedback_form") or FeedbackForm(initial=version)
    if lead.stage in (Lead.Stage.SQL, Lead.Stage.OPPORTUNITY):
        forms["lost_form"] = bound.get("lost_form") or LostForm(initial=version)
    forms["source_owner_form"] = bound.get("source_owner_form") or SourceOwnerForm(
        initial={**version, "source_owner": lead.source_owner}
    )
    # A refused action still shows its form with the explanation, whatever the stage now.
    for name, form in bound.items():
        forms.setdefault(name, form)
    return forms
