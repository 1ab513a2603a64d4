from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from common.escaping import write_csv
from dashboard.views import allow_plotly_styles
from handoff.models import HandoffSettings, current_agreement
from leads import access
from review import charts, exports, metrics
from review.forms import ReviewForm
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
    """The per-team table: each team's line, then its reps', each judged on its own."""
    rows = []
    for block in data.teams:
        lines = [(block.team, True), *[(rep, False) for rep in block.reps]]
        for position, (line, is_team) in enumerate(lines, start=1):
            rows.append({
                "line": line,
                "is_team": is_team,
                "closes_team": position == len(lines),
                "judged": metrics.judge_line(line, data.agreement, whole_company=False),
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
        "previous_query": f"week={week.shifted(-1)}{team_query}",
        "next_query": f"week={week.shifted(1)}{team_query}" if week.shifted(1).start_at < now else "",
        "is_complete": week.is_complete(now),
        "figures": {f"figure-{name}": figure for name, figure in charts.figures(data).items()},
        "rows": table_rows(data),
        "hidden_lead_ids": hidden_leads(request.user, data),
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
