from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.csp import csp_override

from dashboard import charts, exports, metrics
from dashboard.filters import Dimension, DrillDownForm, default_filters, form_for_query
from handoff.lateness import scale_now
from handoff.models import current_agreement
from leads import access
from leads.models import Campaign, Channel, Feedback

# plotly.js 4.1 adds two <style> elements: an empty one whose sheet it then fills through the
# CSSOM (toolbar, tooltips), and one with a fixed rule. CSP allows them by the hashes of their
# text; they change with the plotly.js version, and the browser test fails on any violation.
PLOTLY_STYLE_HASHES = [
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",  # "" (the empty element)
    "'sha256-ji27qzEtxXZW+7dun6UwjHXJ18e6WAin1VvNtkzIE/o='",
]


# A breakdown row links to the same view filtered on that row (the URL parameter to set).
DRILL_DOWN = {
    Dimension.CHANNEL: "channel",
    Dimension.CAMPAIGN: "campaign",
    Dimension.TEAM: "team",
    Dimension.OWNER: "owner",
    Dimension.SECTOR: "sector",
    Dimension.SOURCE_OWNER: "source_owner",
}


def overview(request):
    """The company-wide overview: this week's arrivals and the latest stage changes."""
    if not access.may_read_shared_pages(request.user):
        raise PermissionDenied
    now = timezone.now()
    return render(
        request,
        "dashboard/home.html",
        {"overview": metrics.overview(now=now), "recent_changes": metrics.recent_stage_changes()},
    )


# For the pages that draw Plotly charts.
allow_plotly_styles = csp_override(
    {
        **settings.SECURE_CSP,
        "style-src": [*settings.SECURE_CSP["style-src"], *PLOTLY_STYLE_HASHES],
    }
)


def mql_to_sql_target() -> float:
    """The agreement's target once one is active, else the default in settings."""
    return current_agreement().mql_to_sql_target


@allow_plotly_styles
def funnel(request):
    if not access.may_read_shared_pages(request.user):
        raise PermissionDenied
    now = timezone.now()
    today = timezone.localdate(now)
    if not request.GET:
        # Fill in the defaults, so the address bar always reproduces the view.
        query = default_filters(request.user, today=today).as_query()
        return redirect(f"{reverse('dashboard:funnel')}?{urlencode(query)}")
    form = form_for_query(request.GET, today=today)
    target = mql_to_sql_target()
    context = {"form": form, "target": target}
    if not form.is_valid():
        return render(request, "dashboard/funnel.html", context, status=400)
    filters = form.filters()
    if form.cleaned_data["period"]:
        # A named period becomes its dates, so the address keeps showing the same view.
        return redirect(f"{reverse('dashboard:funnel')}?{urlencode(filters.as_query())}")
    data = metrics.dashboard(filters, now=now)
    shows = access.shows_lead(request.user)
    follow_up_by = Dimension.OWNER if (filters.team_id or filters.owner_id) else Dimension.TEAM
    all_channels = {k: v for k, v in filters.as_query().items() if k not in ("channel", "campaign")}
    figures = charts.figures(data, target=target)
    drill_parameter = DRILL_DOWN.get(filters.dimension)
    drill_query = {
        k: v for k, v in filters.as_query().items() if k not in (drill_parameter, "by", "campaign" if drill_parameter == "channel" else "")
    }
    context.update(
        data=data,
        filters=filters,
        query=urlencode(filters.as_query()),
        all_channels_query=urlencode(all_channels),
        drill_query=urlencode(drill_query),
        drill_parameter=drill_parameter,
        small_sample=metrics.SMALL_SAMPLE,
        # Read from the rollups' histograms: the page states their error.
        lead_times_rolled_up=metrics.rolled_up.grouping_for(filters) is not None,
        clocks_rolled_up=metrics.rolled_up.grouping_for(filters, also=metrics.rolled_up.CLOCK_DIMENSIONS) is not None,
        channel_label=Channel(filters.channel).label if filters.channel else "",
        figures={f"figure-{name}": figure for name, figure in figures.items()},
        # Suggestions for the campaign filter: the chosen channel's campaigns in this view.
        campaigns=(
            [row.key for row in data.sources if row.key]
            if filters.channel and filters.dimension == Dimension.CAMPAIGN
            else []
        ),
        may_review_leads=access.may_review_delivered_leads(request.user),
        dispositions=Feedback.Disposition.choices,
        no_fit_reasons=Feedback.NoFitReason.choices,
        leads_url=f"{reverse('dashboard:leads')}?{urlencode(filters.as_query())}",
        # The sourcing table's counts are rows of the source-owner dimension, whatever `by` is.
        sourcing_url=f"{reverse('dashboard:leads')}?{urlencode({**filters.as_query(), 'by': Dimension.SOURCE_OWNER})}",
        sourcing_filter_query=urlencode({k: v for k, v in filters.as_query().items() if k != "source_owner"}),
        may_edit_campaigns=access.may_edit_campaigns(request.user),
        # The follow-up's rows are teams, or owners once a team or owner is chosen.
        follow_up_url=f"{reverse('dashboard:leads')}?{urlencode({**filters.as_query(), 'by': follow_up_by})}",
        # The two clocks' counts: all MQLs, or a team's or rep's (`by` and `key` added per line).
        clocks_url=f"{reverse('dashboard:leads')}?{urlencode({k: v for k, v in filters.as_query().items() if k != 'by'})}&stage=mql",
        no_reason_key=metrics.NO_REASON_KEY,
        comments_shown=metrics.COMMENTS_SHOWN,
        # A comment names its lead only for those who may see that lead.
        visible_lead_ids={
            comment.feedback.lead_id
            for source in data.comments
            for comment in source.comments
            if shows(comment.feedback.lead)
        },
    )
    return render(request, "dashboard/funnel.html", context)


def export(request, table: str, for_excel: bool = False):
    if not access.may_read_shared_pages(request.user):
        raise PermissionDenied
    if table not in exports.TABLES:
        raise Http404
    now = timezone.now()
    form = form_for_query(request.GET, today=timezone.localdate(now))
    if not form.is_valid():
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain; charset=utf-8")
    filters = form.filters()
    header, rows = exports.TABLES[table](filters, now=now)
    excel = "-excel" if for_excel else ""
    name = f"handoff-{table}-{filters.mode}-{filters.first_day}-{filters.last_day}{excel}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    exports.write(response, header, rows, for_excel=for_excel, language=get_language())
    return response


LEAD_LIST_PAGE_SIZE = 50


def counted_lead_page(request, counted) -> dict:
    """The page of a lead list behind a count (here and on the weekly review): only the leads
    the person may open, newest first, with how many the count holds in all."""
    visible = (
        (counted & access.visible_leads(request.user)).with_company().select_related("sla_clock").order_by("-created_at", "-id")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "page": Paginator(visible, LEAD_LIST_PAGE_SIZE).get_page(request.GET.get("page")),
        "all_counted": counted.count(),
        "query": query.urlencode(),
        "lateness": scale_now(timezone.now()),
    }


def lead_list(request):
    """The leads behind a count on the dashboard: the same filters, plus what the count counts
    (`stage`), the breakdown row (`key`, of the view's dimension) or the lost reason. Only the
    leads the person may see are listed; the page says how many the count holds in all."""
    if not access.may_read_shared_pages(request.user):
        raise PermissionDenied
    now = timezone.now()
    form = form_for_query(request.GET, today=timezone.localdate(now))
    drill = DrillDownForm(request.GET)
    context = {"form": form, "drill": drill}
    if not (form.is_valid() and drill.is_valid()):
        return render(request, "dashboard/leads.html", context, status=400)
    filters = form.filters()
    wanted = drill.cleaned_data
    try:
        counted, title, narrowed_to = _counted_by(filters, wanted, now=now)
    except ValueError:
        drill.add_error(None, _("This row or reason does not exist in this view."))
        return render(request, "dashboard/leads.html", context, status=400)
    context.update(
        counted_lead_page(request, counted),
        filters=filters,
        now=now,
        title=title,
        row_label=" · ".join(part for part in (_row_label(filters, wanted), narrowed_to) if part),
        counts_verdicts=bool(wanted["verdict"]),
        counts_renewals=wanted["after_sale"] == metrics.RENEWED,
        dashboard_query=urlencode(filters.as_query()),
    )
    return render(request, "dashboard/leads.html", context)


CLOCK_NAMES = {"system": gettext_lazy("System: handoff → owner notified"), "rep": gettext_lazy("Rep: notified → first attempt")}


def _counted_by(filters, wanted: dict, *, now) -> tuple:
    """(the leads a count counted, the list's title, what else it is narrowed to) for the
    lead list's parameters. Raises ValueError for a figure the dashboard never shows."""
    if wanted["verdict"]:
        judged = metrics.judged_leads(filters, verdict=wanted["verdict"], key=wanted["key"], no_fit_reason=wanted["no_fit_reason"])
        title = metrics.verdict_title(wanted["verdict"])
        if wanted["no_fit_reason"]:
            title = f"{title}: {Feedback.NoFitReason(wanted['no_fit_reason']).label}"
        return judged, title, ""
    if wanted["routing"]:
        counted = metrics.routed_leads(filters, figure=wanted["routing"], row=wanted["routed_by"], now=now)
        by = f"{_('First routed by')}: {metrics.routing_row_label(wanted['routed_by'])}" if wanted["routed_by"] is not None else ""
        return counted, metrics.routing_figure_label(wanted["routing"]), by
    if wanted["speed"]:
        clock, bucket = wanted["speed"].split(":")
        group, group_key = wanted["speed_group"].split(":", 1) if wanted["speed_group"] else (metrics.SPEED_ALL, "")
        cell = {"clock": clock, "bucket": int(bucket), "group": group, "group_key": group_key}
        return metrics.mqls_first_tried(filters, **cell), metrics.stage_title("mql"), metrics.speed_cell_label(**cell)
    counted = metrics.counted_leads(
        filters, stage=wanted["stage"], step=wanted["step"], key=wanted["key"], lost_reason=wanted["lost_reason"],
        from_stage=wanted["from_stage"],
    )
    title, narrowed_to = metrics.stage_title(wanted["stage"], wanted["step"], wanted["from_stage"]), []
    if wanted["clock"]:
        counted = counted.filter(metrics.counted_by_clock(wanted["clock"]))
        narrowed_to.append(str(CLOCK_NAMES[wanted["clock"]]))
    if wanted["campaign_id"]:
        campaign = Campaign.objects.filter(pk=wanted["campaign_id"]).first()
        if campaign is None:
            raise ValueError("No such campaign.")
        counted = counted.filter(linked_campaign=campaign)
        narrowed_to.append(f"{_('Campaign')}: {campaign.name}")
    if wanted["after_sale"]:
        counted = metrics.customers_who(counted, wanted["after_sale"])
        title = metrics.customers_who_label(wanted["after_sale"])
    return counted, title, " · ".join(narrowed_to)


def _row_label(filters, wanted: dict) -> str:
    """What the list is narrowed to, as the dashboard names it."""
    parts = []
    if wanted["verdict"] and wanted["key"] is not None:
        source = metrics.source_label(filters, wanted["key"])
        parts.append(f"{_('Campaign') if filters.channel else _('Channel')}: {source}")
    elif wanted["key"] is not None:
        rows = {row.key: row.label for row in metrics.breakdown_rows(filters)}
        dimension = Dimension(filters.dimension).label
        parts.append(f"{dimension}: {rows.get(wanted['key'], wanted['key'] or metrics.NOT_GIVEN)}")
    if wanted["lost_reason"]:
        reason = "" if wanted["lost_reason"] == metrics.NO_REASON_KEY else wanted["lost_reason"]
        parts.append(f"{_('Lost reason')}: {metrics.lost_reason_label(reason)}")
    return " · ".join(parts)
