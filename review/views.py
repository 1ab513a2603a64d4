from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from common.escaping import write_csv
from common.people import person_name
from dashboard.views import allow_plotly_styles, counted_lead_page
from handoff.models import HandoffSettings, current_agreement
from leads import access
from leads.models import Team
from review import charts, exports, last_leads, metrics
from review.completeness import judged_shares, week_completeness
from review.forms import LastLeadsForm, ReviewForm, ReviewLeadsForm
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
        "hidden_lead_ids": hidden_leads(request.user, data),
        "completeness": judged_shares(week_completeness(week=week, team_id=data.team_id), data.agreement),
        "may_review_leads": access.may_review_delivered_leads(request.user),
    }
    return render(request, "review/review.html", context)


def hidden_leads(user, data: metrics.Review) -> set[int]:
    """The listed leads whose name, company and notes this reader may not see: everyone reads
    the review's figures, but a rep only their own leads' details (leads.access)."""
    shown = access.shows_lead(user)
    listed = [row.lead for row in data.breaches] + list(data.no_feedback)
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
        agreement=current_agreement(),
    )
    team = wanted["team"]
    context = {
        **counted_lead_page(request, counted),
        "form": form,
        "now": now,
        "title": ReviewLeadsForm.FIGURES[wanted["figure"]],
        "week": wanted["week"],
        "scope": _scope_label(team, wanted["owner"]),
        "review_query": urlencode({"week": str(wanted["week"]), "team": team if isinstance(team, int) else ""}),
    }
    return render(request, "review/leads.html", context)


def _scope_label(team, owner) -> str:
    """Whose leads the list holds, as the review's table names them."""
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
    return " · ".join(parts)


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
