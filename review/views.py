from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.business_time import business_time_zone
from common.escaping import write_csv
from common.people import person_name
from common.roles import Role
from dashboard.views import allow_plotly_styles, counted_lead_page
from handoff.models import HandoffSettings, current_agreement
from leads import access
from leads.completeness import Part
from leads.models import Channel, Team
from review import acts, agenda, charts, exports, last_leads, metrics
from review.completeness import judged_shares, week_completeness
from review.forms import (
    ActForm,
    ActionDoneForm,
    ActionItemForm,
    LastLeadsForm,
    LeadActForm,
    ReassignActForm,
    ReviewForm,
    ReviewLeadsForm,
)
from review.models import ActionItem, MeetingAct
from review.teams import default_team_id
from review.weeks import IsoWeek


def _read(request, now):
    """The week and team asked for (the user's own team when the URL names none)."""
    data = request.GET.copy()
    if not data.get("week"):
        data["week"] = str(IsoWeek.last_complete(now))
    if "team" not in data:
        data["team"] = default_team_id(request.user) or ""
    return ReviewForm(data, default_week=IsoWeek.last_complete(now))


def _review(form: ReviewForm, now) -> metrics.Review:
    team = form.cleaned_data["team"]
    return metrics.review(
        week=form.cleaned_data["week"],
        team_id=team.pk if team else None,
        now=now,
        agreement=current_agreement(),
        calendar=HandoffSettings.load().calendar(),
    )


def table_rows(data: metrics.Review) -> list[dict]:
    """The per-team table: each team's line, then its reps', each judged on its own, with the
    query of the lead list behind its counts."""
    rows = []
    for block in data.teams:
        lines = [(block.team, True), *[(rep, False) for rep in block.reps]]
        for position, (line, is_team) in enumerate(lines, start=1):
            scope = {"week": str(data.week), "team": line.team_id or metrics.NO_ONE}
            if not is_team:
                scope["owner"] = line.owner_id or metrics.NO_ONE
            rows.append({
                "line": line,
                "is_team": is_team,
                "closes_team": position == len(lines),
                "judged": metrics.judge_line(line, data.agreement, whole_company=False),
                "leads_query": urlencode(scope),
            })
    return rows


@allow_plotly_styles
def weekly_review(request):
    if not access.may_read_shared_pages(request.user):
        raise PermissionDenied
    now = timezone.now()
    form = _read(request, now)
    if not form.is_valid():
        return render(request, "review/review.html", {"form": form}, status=400)
    data = _review(form, now)
    week, team = data.week, form.cleaned_data["team"]
    meeting = meeting_context(request.user, data, team, now)
    team_query = f"&team={team.pk}" if team else "&team="
    context = {
        "form": form,
        "data": data,
        "team": team,
        "query": f"week={week}{team_query}",
        "total_query": urlencode({"week": str(week), "team": team.pk if team else ""}),
        "previous_query": f"week={week.shifted(-1)}{team_query}",
        "next_query": f"week={week.shifted(1)}{team_query}" if week.shifted(1).start_at < now else "",
        "is_complete": week.is_complete(now),
        "figures": {f"figure-{name}": figure for name, figure in charts.figures(data).items()},
        "rows": table_rows(data),
        **agenda_context(data),
        **meeting,
        "hidden_lead_ids": hidden_leads(request.user, data, meeting["actions"]),
        "completeness": judged_shares(week_completeness(week=week, team_id=data.team_id), data.agreement),
        "may_review_leads": access.may_review_delivered_leads(request.user),
    }
    return render(request, "review/review.html", context)


def agenda_context(data: metrics.Review) -> dict:
    """The tiles red first, and the lists of leads to discuss in the same order."""
    tiles = agenda.tiles(data)
    lists = sorted(["missed", "no-feedback"], key=lambda key: agenda.RANK[agenda.list_status(data, key)])
    return {"tiles": tiles, "agenda": agenda.summary(tiles), "lists": lists}


def meeting_context(user, data: metrics.Review, team: Team | None, now) -> dict:
    """What the meeting did so far (leads discussed this week, owners nudged today, actions
    still open) and what this reader may do on the listed leads: a fixed number of queries."""
    listed = [row.lead for row in data.missed] + list(data.no_feedback)
    lead_ids = {lead.pk for lead in listed}
    manages = access.leads_to_manage(user)
    may_act = {lead.pk for lead in listed if manages(lead)}
    today = now.astimezone(business_time_zone()).date()
    this_week = IsoWeek.of(today)
    runs_review = access.may_run_review(user, team)
    owners = _action_owners().order_by("first_name", "username")
    return {
        "discussed": {act.lead_id: act for act in MeetingAct.objects.discussed(data.week.monday, lead_ids).select_related("by")},
        "nudged_today": set(MeetingAct.objects.nudged_on(today, lead_ids).values_list("lead_id", flat=True)),
        "actions": list(ActionItem.objects.open_in(data.week.monday, team_id=data.team_id).select_related("owner", "lead__company", "team", "created_by")),
        "may_act_on": may_act,
        "runs_review": runs_review,
        "reassign_to": [(p.pk, person_name(p)) for p in access.reps_visible_to(user)] if may_act else [],
        "action_owners": [(p.pk, person_name(p)) for p in owners] if runs_review else [],
        # The meeting's own week: an action is due in it at the earliest, by default the next.
        "this_week": this_week,
        "next_week": this_week.shifted(1),
    }


def hidden_leads(user, data: metrics.Review, actions=()) -> set[int]:
    """The listed leads whose name, company and notes this reader may not see: everyone reads
    the review's figures, but a rep only their own leads' details (leads.access)."""
    shown = access.shows_lead(user)
    listed = [row.lead for row in data.missed] + list(data.no_feedback) + [a.lead for a in actions if a.lead]
    return {lead.pk for lead in listed if not shown(lead)}


def review_export(request):
    if not access.may_read_shared_pages(request.user):
        raise PermissionDenied
    now = timezone.now()
    form = _read(request, now)
    if not form.is_valid():
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain; charset=utf-8")
    data = _review(form, now)
    team = form.cleaned_data["team"]
    header, rows = exports.review_table(data, scope=team.name if team else str(form.fields["team"].empty_label))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    slug = f"team-{team.pk}" if team else "all-teams"
    response["Content-Disposition"] = f'attachment; filename="handoff-review-{data.week}-{slug}.csv"'
    write_csv(response, header, rows)  # cells that start like a formula are made text
    return response



def review_leads(request):
    """The leads behind a count of the review: the same week, team and owner, and the figure's
    own condition (metrics.figure_filters). Only the leads the person may open are listed; the
    page says how many the count holds in all."""
    if not access.may_read_shared_pages(request.user):
        raise PermissionDenied
    now = timezone.now()
    form = ReviewLeadsForm(request.GET, default_week=IsoWeek.last_complete(now))
    if not form.is_valid():
        return render(request, "review/leads.html", {"form": form}, status=400)
    wanted = form.cleaned_data
    counted = metrics.leads_behind(
        wanted["figure"], week=wanted["week"], team=wanted["team"], owner=wanted["owner"], now=now,
        agreement=current_agreement(), channel=wanted["channel"], reason=wanted["reason"], missing=wanted["missing"],
    )
    team = wanted["team"]
    context = {
        **counted_lead_page(request, counted),
        "form": form,
        "now": now,
        "title": ReviewLeadsForm.FIGURES[wanted["figure"]],
        "week": wanted["week"],
        "scope": _scope_label(team, wanted["owner"], wanted["channel"]),
        "missing": Part(wanted["missing"]).label if wanted["missing"] else "",
        "reason": metrics.reason_words(
            wanted["reason"], week=wanted["week"], team_id=team if isinstance(team, int) else None
        ) if wanted["reason"] else "",
        "review_query": urlencode({"week": str(wanted["week"]), "team": team if isinstance(team, int) else ""}),
    }
    return render(request, "review/leads.html", context)


def _scope_label(team, owner, channel: str = "") -> str:
    """Whose leads the list holds (and of which channel), as the review's tables name them."""
    parts = []
    if team == metrics.NO_ONE:
        parts.append(_("No team yet"))
    elif team is not None:
        parts.append(str(Team.objects.get(pk=team)))
    else:
        parts.append(_("All teams"))
    if owner == metrics.NO_ONE:
        parts.append(_("No owner yet"))
    elif owner is not None:
        user = get_user_model().objects.filter(pk=owner).first()
        parts.append(person_name(user) if user else _("Former member"))
    if channel:
        parts.append(str(Channel(channel).label))
    return " · ".join(parts)


# --- acting in the meeting: each a POST that redirects back to where it was done ----------


def _back(scope: dict, *, lead_id: int | None = None):
    team = scope["team"]
    query = urlencode({"week": str(scope["week"]), "team": team.pk if team else ""})
    anchor = f"{scope['place']}-{lead_id}" if lead_id else scope["place"]
    return redirect(f"{reverse('review:weekly')}?{query}#{anchor}")


def _refused(request, form) -> None:
    """The person's input was not enough: say what is missing, change nothing."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def _broken_link(form) -> HttpResponse:
    return HttpResponseBadRequest(form.errors.as_text(), content_type="text/plain; charset=utf-8")


def _lead_act(request):
    """The lead a manager acts on (403 unless they may reassign it: leads.access) and the
    review's scope; or a 400 when the hidden fields are broken."""
    scope = LeadActForm(request.POST)
    if not scope.is_valid():
        return None, None, _broken_link(scope)
    lead = access.lead_to_reassign(request.user, scope.cleaned_data["lead"])
    return lead, scope.cleaned_data, None


@require_POST
def act_discussed(request):
    lead, scope, broken = _lead_act(request)
    if broken:
        return broken
    done = acts.mark_discussed(lead, by=request.user, now=timezone.now(), week=scope["week"], team=scope["team"])
    if not done:
        messages.info(request, _("%(lead)s was already marked discussed this week.") % {"lead": lead})
    return _back(scope, lead_id=lead.pk)


@require_POST
def act_nudge(request):
    lead, scope, broken = _lead_act(request)
    if broken:
        return broken
    if lead.owner_id is None:
        messages.error(request, _("%(lead)s has no owner to nudge: reassign it instead.") % {"lead": lead})
        return _back(scope, lead_id=lead.pk)
    sent = acts.nudge_owner(lead, by=request.user, now=timezone.now(), week=scope["week"], team=scope["team"])
    if sent:
        messages.success(request, _("%(owner)s will get a reminder about %(lead)s.") % {"owner": person_name(lead.owner), "lead": lead})
    else:
        messages.info(request, _("%(owner)s was already reminded about %(lead)s today.") % {"owner": person_name(lead.owner), "lead": lead})
    return _back(scope, lead_id=lead.pk)


@require_POST
def act_reassign(request):
    lead, scope, broken = _lead_act(request)
    if broken:
        return broken
    form = ReassignActForm(request.POST, people=access.reps_visible_to(request.user), owner_id=lead.owner_id)
    if not form.is_valid():
        _refused(request, form)
        return _back(scope, lead_id=lead.pk)
    owner = form.cleaned_data["owner"]
    acts.reassign(
        lead, to=owner, reason=form.cleaned_data["reason"], by=request.user, now=timezone.now(),
        week=scope["week"], team=scope["team"],
    )
    messages.success(request, _("%(lead)s now belongs to %(owner)s.") % {"lead": lead, "owner": person_name(owner)})
    return _back(scope, lead_id=lead.pk)


def _action_owners():
    return get_user_model().objects.filter(is_active=True, groups__name__in=Role.values).distinct()


@require_POST
def action_add(request):
    now = timezone.now()
    this_week = IsoWeek.of(now.astimezone(business_time_zone()).date())
    scope = ActForm(request.POST)
    if not scope.is_valid():
        return _broken_link(scope)
    team = scope.cleaned_data["team"]
    if not access.may_run_review(request.user, team):
        raise PermissionDenied
    form = ActionItemForm(request.POST, people=_action_owners(), this_week=this_week)
    lead_id = request.POST.get("lead") or None
    if not form.is_valid():
        _refused(request, form)
        return _back(scope.cleaned_data, lead_id=int(lead_id) if lead_id and lead_id.isdigit() else None)
    wanted = form.cleaned_data
    lead = access.lead_to_act_on(request.user, wanted["lead"]) if wanted["lead"] else None
    acts.record_action(
        text=wanted["text"], owner=wanted["owner"], due_week=wanted["due_week"], by=request.user, now=now,
        week=wanted["week"], team=team, lead=lead,
    )
    messages.success(request, _("Action agreed for %(owner)s, due in week %(week)s.") % {
        "owner": person_name(wanted["owner"]), "week": wanted["due_week"].week,
    })
    return _back(scope.cleaned_data, lead_id=lead.pk if lead else None)


@require_POST
def action_done(request):
    form = ActionDoneForm(request.POST)
    if not form.is_valid():
        return _broken_link(form)
    action = get_object_or_404(ActionItem.objects.select_related("team", "lead"), pk=form.cleaned_data["action"])
    if not access.may_run_review(request.user, action.team):
        raise PermissionDenied
    acts.mark_done(action, by=request.user, now=timezone.now(), week=form.cleaned_data["week"])
    return _back(form.cleaned_data)
def last_delivered_leads(request):
    """The last N leads marketing delivered, what sales did with them and said about them: the
    joint review, printable. Each reader sees the leads leads.access lets them see."""
    if not access.may_review_delivered_leads(request.user):
        raise PermissionDenied
    data = request.GET.copy()
    data.setdefault("count", str(last_leads.DEFAULT))  # so the choice shows what is listed
    form = LastLeadsForm(data, teams=access.teams_to_review(request.user))
    if not form.is_valid():
        return render(request, "review/last_leads.html", {"form": form, "rows": None}, status=400)
    team = form.cleaned_data["team"]
    leads = access.visible_leads(request.user)
    if team:
        leads = leads.filter(team=team)
    count = form.cleaned_data["count"]
    context = {
        "form": form,
        "team": team,
        "count": count,
        "rows": last_leads.delivered_leads(leads, count=count),
        "now": timezone.now(),
    }
    return render(request, "review/last_leads.html", context)
