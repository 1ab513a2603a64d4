"""Behind a count: the leads a dashboard figure counted, for the lead list it links to. Built
from the same expressions as the figures themselves, so the list and the number agree."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from common.business_time import start_of_day
from dashboard.filters import DRILL_STAGES, Dimension, Filters
from dashboard.metrics.breakdowns import size_band
from dashboard.metrics.funnel import (
    FUNNEL,
    LEADS,
    PIPELINE,
    S,
    base_leads,
    counted,
    lead_team,
    lost_q,
    passed_through,
    skipped_q,
    stage_label,
)
from dashboard.metrics.sources import rejections_at_accept, verdicts_in_view
from leads.models import Feedback, Lead, LostReason

LOST, OPEN = "lost", "open"
STAGES = DRILL_STAGES  # every lead ("leads"), a funnel stage reached, lost, open pipeline
PASSED, SKIPPED = "passed", "skipped"
NO_REASON_KEY = "none"
# The columns of "sales' feedback per source": a disposition, or one of these.
ANY_VERDICT, REJECTED_AT_ACCEPT, REJECTED, GOOD, BAD = "any", "rejected_at_accept", "rejected", "good", "bad"
VERDICTS = (ANY_VERDICT, *Feedback.Disposition.values, REJECTED_AT_ACCEPT, REJECTED, GOOD, BAD)  # the lost leads without a reason (a reason's key cannot be empty in a URL)


def stage_title(stage: str, step: str = "", from_stage: str = "") -> str:
    if step == PASSED and from_stage:
        return str(_("Passed from %(earlier)s to %(stage)s") % {"earlier": stage_label(from_stage), "stage": S(stage).label})
    if step == PASSED:
        return str(_("Passed through to %(stage)s") % {"stage": S(stage).label})
    if step == SKIPPED:
        return str(_("Skipped %(stage)s") % {"stage": S(stage).label})
    if stage == LEADS:
        return str(_("All leads"))
    if stage == OPEN:
        return str(_("Open pipeline"))
    if stage == LOST:
        return str(_("Lost"))
    if stage == S.WON:
        return str(_("Won"))
    return str(_("Reached %(stage)s") % {"stage": S(stage).label})


def _stage_q(filters: Filters, stage: str, step: str, from_stage: str = "") -> Q:
    if step and stage not in FUNNEL:
        raise ValueError("Only a funnel stage is passed through or skipped.")
    if step == PASSED:
        order = [LEADS, *FUNNEL]
        previous = from_stage or order[FUNNEL.index(stage)]
        if previous not in order or order.index(previous) >= order.index(stage):
            raise ValueError("A lead passes through from an earlier stage.")
        return passed_through(filters, previous, stage)
    if step == SKIPPED:
        return skipped_q(filters, stage)
    if stage == LOST:
        return lost_q(filters)
    if stage == OPEN:
        return counted(filters, S.SQL) & Q(stage__in=PIPELINE)
    return counted(filters, stage)


def _period_of(dimension: str, key: str) -> tuple[date, date]:
    """The first day of a month or week row's key and the first day after it."""
    if dimension == Dimension.MONTH:
        first = date.fromisoformat(f"{key}-01")
        return first, (first + timedelta(days=32)).replace(day=1)
    first = date.fromisoformat(key)
    if first.weekday() != 0:
        raise ValueError("A week starts on a Monday.")
    return first, first + timedelta(days=7)


def _in_row(leads: QuerySet[Lead], dimension: str, key: str) -> QuerySet[Lead]:
    """The leads of one breakdown row (its key as the breakdown writes it; "" for none).
    Raises ValueError for a key the dimension cannot have."""
    D = Dimension
    if dimension == D.OWNER:
        return leads.filter(owner__isnull=True) if not key else leads.filter(owner_id=int(key))
    if dimension == D.TEAM:
        leads = leads.annotate(row_team=lead_team("id"))
        return leads.filter(row_team__isnull=True) if not key else leads.filter(row_team=int(key))
    if dimension in (D.MONTH, D.WEEK):
        first, after = _period_of(dimension, key)
        return leads.filter(created_at__gte=start_of_day(first), created_at__lt=start_of_day(after))
    if dimension == D.SIZE:
        return leads.annotate(row_size=size_band()).filter(row_size=key)
    if dimension == D.SECTOR:
        if not key:
            return leads.filter(Q(company__isnull=True) | Q(company__sector=""))
        return leads.filter(company__sector=key)
    field = {
        D.CHANNEL: "channel", D.CAMPAIGN: "campaign", D.PRODUCT: "product_interest", D.SOURCE: "source",
        D.TEMPERATURE: "temperature", D.SOURCE_OWNER: "source_owner",
    }[dimension]
    return leads.filter(**{field: key})


def counted_leads(
    filters: Filters, *, stage: str, step: str = "", key: str | None = None, lost_reason: str = "", from_stage: str = ""
) -> QuerySet[Lead]:
    """The leads behind a count: those `stage` counts in the view (or, with `step`, those that
    passed through to it — from the stage before it, or from `from_stage` as the end-to-end
    lead times count them — or skipped it), within the breakdown row `key` of the view's
    dimension when given, with the lost reason when given. Raises ValueError for a stage,
    key or reason the dashboard never shows."""
    if stage not in STAGES:
        raise ValueError(f"Unknown stage {stage!r}.")
    if step not in ("", PASSED, SKIPPED):
        raise ValueError(f"Unknown step {step!r}.")
    leads = base_leads(filters).filter(_stage_q(filters, stage, step, from_stage))
    if key is not None:
        leads = _in_row(leads, filters.dimension, key)
    if lost_reason:
        if lost_reason == NO_REASON_KEY:
            leads = leads.filter(lost_reason="")
        elif lost_reason in LostReason.values:
            leads = leads.filter(lost_reason=lost_reason)
        else:
            raise ValueError(f"Unknown lost reason {lost_reason!r}.")
    return leads


def verdict_title(verdict: str) -> str:
    if verdict == ANY_VERDICT:
        return str(_("Leads with feedback"))
    if verdict == REJECTED_AT_ACCEPT:
        return str(_("Leads rejected at the accept step"))
    if verdict == REJECTED:
        return str(_("Leads sent back by sales"))
    if verdict in (GOOD, BAD):
        quality = Feedback.Quality.GOOD if verdict == GOOD else Feedback.Quality.BAD
        return str(_("Leads judged “%(quality)s”") % {"quality": quality.label})
    return str(_("Leads with feedback “%(disposition)s”") % {"disposition": Feedback.Disposition(verdict).label})


def judged_leads(filters: Filters, *, verdict: str, key: str | None = None, no_fit_reason: str = "") -> QuerySet[Lead]:
    """The leads behind a count of "sales' feedback per source": those with a verdict of that
    column in the view (cohort mode: on the cohort's leads; activity mode: given in the
    period), within the source `key` (the channel, or the campaign within one channel) when
    given. The table counts verdicts: a lead judged twice counts twice there, once here."""
    if verdict not in VERDICTS:
        raise ValueError(f"Unknown verdict {verdict!r}.")
    given = verdicts_in_view(filters, Feedback.objects, "given_at")
    rejected_at_accept = verdicts_in_view(filters, rejections_at_accept(), "changed_at").values("lead_id")
    D, Quality = Feedback.Disposition, Feedback.Quality
    if verdict == REJECTED_AT_ACCEPT:
        judged = Q(pk__in=rejected_at_accept)
    elif verdict == REJECTED:
        no_fit = given.filter(disposition=D.NO_FIT).values("lead_id")
        judged = Q(pk__in=no_fit) | Q(pk__in=rejected_at_accept)
    elif verdict in (GOOD, BAD):
        quality = Quality.GOOD if verdict == GOOD else Quality.BAD
        judged = Q(pk__in=given.filter(quality=quality).values("lead_id"))
    elif verdict == ANY_VERDICT:
        judged = Q(pk__in=given.values("lead_id"))
    elif no_fit_reason:  # a cell of the no-fit reasons per source
        if verdict != D.NO_FIT or no_fit_reason not in Feedback.NoFitReason.values:
            raise ValueError(f"Unknown no-fit reason {no_fit_reason!r}.")
        judged = Q(pk__in=given.filter(disposition=D.NO_FIT, no_fit_reason=no_fit_reason).values("lead_id"))
    else:
        judged = Q(pk__in=given.filter(disposition=verdict).values("lead_id"))
    leads = Lead.objects.order_by().filter(judged)
    if key is not None:
        leads = leads.filter(**{"campaign" if filters.channel else "channel": key})
    return leads
