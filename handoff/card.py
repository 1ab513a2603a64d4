"""The handoff card: the five facts a sales rep needs to act on a lead, and nothing more.

Who they are, what they did, why now, the recommended next step and an opening line built from
their own behaviour; for a lead of one of marketing's campaigns, what the campaign was for and
what responses to expect. The lead page shows it on top; notifications (e-mail, Slack, Teams)
carry it. Built from data already loaded, so callers decide the queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from leads.models import Activity, Campaign, ContactAttempt, ConversionAction, Lead, StageChange

RECENT_ACTIVITIES = 6
HIGH_INTENT_ACTIONS = {
    ConversionAction.QUOTE_REQUEST,
    ConversionAction.DEMO_REQUEST,
    ConversionAction.CONTACT_FORM,
    ConversionAction.CALLBACK,
}


# The next step is a contact attempt, on one of the channels attempts are logged on.
NextStep = ContactAttempt.Channel


@dataclass(frozen=True)
class Who:
    name: str
    job_title: str
    company: str
    employees: int | None
    sector: str
    is_existing_customer: bool
    email: str
    phone: str


@dataclass(frozen=True)
class WhyNow:
    stage: str
    summary: str  # "MQL since … by qualification policy: …"
    score_lines: list[dict]  # the policy's explanation: {"kind", "label", "points"}
    fit_score: int | None
    engagement_score: int | None
    intent_tier: str  # label, "" when the policy has not scored the lead
    temperature: str = ""  # Temperature code, "" when not scored yet
    temperature_label: str = ""


@dataclass(frozen=True)
class CampaignBrief:
    """What marketing tells sales about the campaign the lead came from."""

    name: str
    goal: str
    audience: str
    offer: str
    brief: str
    expected: str  # "40 responses expected (demo request)", "" when marketing did not say


@dataclass(frozen=True)
class HandoffCard:
    who: Who
    did: list[Activity]
    why_now: WhyNow
    next_step: str
    next_step_reason: str
    opening_line: str
    campaign: CampaignBrief | None = None

    @property
    def next_step_label(self) -> str:
        return NextStep(self.next_step).label


def build_card(lead: Lead, *, activities: Sequence[Activity], last_change: StageChange | None) -> HandoffCard:
    """`activities` in time order (oldest first); `last_change` is the stage change that
    explains why the lead is here (see `qualifying_change`), if any."""
    company = lead.company
    who = Who(
        name=lead.full_name or lead.email,
        job_title=lead.job_title,
        company=company.name if company else "",
        employees=company.employees if company else None,
        sector=company.get_sector_display() if company and company.sector else "",
        is_existing_customer=lead.is_existing_customer,
        email=lead.email,
        phone=lead.phone,
    )
    next_step, reason = recommend_next_step(lead, activities)
    return HandoffCard(
        who=who,
        did=list(activities)[-RECENT_ACTIVITIES:],
        why_now=why_now(lead, last_change),
        next_step=next_step,
        next_step_reason=reason,
        opening_line=opening_line(lead, activities),
        campaign=campaign_brief(lead.linked_campaign) if lead.linked_campaign_id else None,
    )


def campaign_brief(campaign: Campaign) -> CampaignBrief:
    expected = ""
    if campaign.expected_responses is not None:
        count = campaign.expected_responses
        if campaign.expected_response_kind:
            expected = ngettext(
                "%(count)d response expected (%(kind)s)", "%(count)d responses expected (%(kind)s)", count
            ) % {"count": count, "kind": campaign.get_expected_response_kind_display().lower()}
        else:
            expected = ngettext("%(count)d response expected", "%(count)d responses expected", count) % {"count": count}
    return CampaignBrief(
        name=campaign.name,
        goal=campaign.goal,
        audience=campaign.audience,
        offer=campaign.offer,
        brief=campaign.brief,
        expected=expected,
    )


def qualifying_change(stage_changes: Sequence[StageChange], lead: Lead) -> StageChange | None:
    """The change to explain under "why now": while sales works the lead, the one that made it
    an MQL or SQL (accepting it explains nothing); otherwise the latest."""
    if lead.stage in Lead.SALES_STAGES:
        for change in reversed(stage_changes):
            if change.to_stage in (Lead.Stage.MQL, Lead.Stage.SQL):
                return change
    return stage_changes[-1] if stage_changes else None


def why_now(lead: Lead, last_change: StageChange | None) -> WhyNow:
    if last_change is None:
        summary = _("%(stage)s, no stage change yet.") % {"stage": Lead.Stage(lead.stage).label}
    else:
        summary = _("%(stage)s since %(when)s, by %(actor)s") % {
            "stage": Lead.Stage(last_change.to_stage).label,
            "when": date_format(timezone.localtime(last_change.changed_at), "DATETIME_FORMAT"),
            "actor": last_change.actor,
        }
        if reason := last_change.get_reason_display():
            summary += f": {reason}"
    return WhyNow(
        stage=lead.stage,
        summary=summary,
        score_lines=list(lead.score_explanation or []),
        fit_score=lead.fit_score,
        engagement_score=lead.engagement_score,
        intent_tier=lead.get_intent_tier_display() if lead.intent_tier else "",
        temperature=lead.temperature,
        temperature_label=lead.get_temperature_display() if lead.temperature else "",
    )


def requested(lead: Lead, activities: Sequence[Activity]) -> str:
    """What they asked us for: their latest request for contact (a demo, a quote, a call back,
    the contact form), among their activities or else their first conversion; "" when they
    never asked."""
    for activity in reversed(activities):
        if activity.conversion_action in HIGH_INTENT_ACTIONS:
            return activity.conversion_action
    return lead.conversion_action if lead.conversion_action in HIGH_INTENT_ACTIONS else ""


# A demo or a quote needs an appointment: without a number, the e-mail proposes times.
APPOINTMENT_REQUESTS = (ConversionAction.DEMO_REQUEST, ConversionAction.QUOTE_REQUEST)


def recommend_next_step(lead: Lead, activities: Sequence[Activity]) -> tuple[str, str]:
    """Call when they asked for contact or are already a customer and we have a number;
    without a number, answer a request by e-mail (proposing times for a demo or a quote);
    otherwise write, on LinkedIn for a decision maker without an e-mail address."""
    request = requested(lead, activities)
    if lead.phone and request:
        return NextStep.CALL, _("They asked for contact: call while it is fresh.")
    if lead.email and request == ConversionAction.DEMO_REQUEST:
        return NextStep.EMAIL, _("They asked for a demo and left no number: e-mail them today, proposing times for the demo.")
    if lead.email and request == ConversionAction.QUOTE_REQUEST:
        return NextStep.EMAIL, _("They asked for a quote and left no number: e-mail them today, proposing times to go through it.")
    if lead.email and request:
        return NextStep.EMAIL, _("They asked us to get in touch and left no number: answer by e-mail today.")
    if lead.phone and lead.is_existing_customer:
        return NextStep.CALL, _("An existing customer: a call from someone they know works best.")
    if lead.phone and any(a.kind == Activity.Kind.PRICING_PAGE for a in activities):
        return NextStep.CALL, _("They looked at prices: call to talk about their situation.")
    if lead.email and not lead.email_is_personal:
        return NextStep.EMAIL, _("They are researching: send something useful by e-mail.")
    return NextStep.LINKEDIN, _("No business address or number: connect on LinkedIn.")


def opening_line(lead: Lead, activities: Sequence[Activity]) -> str:
    """One sentence that shows we know what they looked at, newest and strongest signal first:
    a request for contact before anything they read."""
    name = lead.first_name or lead.full_name or _("sir or madam")
    product = lead.product_interest
    by_kind: dict[str, Activity] = {}
    for activity in activities:
        by_kind[activity.kind] = activity  # the latest of each kind wins
    request = requested(lead, activities)
    by_email = not lead.phone and bool(lead.email)  # see recommend_next_step
    if request == ConversionAction.QUOTE_REQUEST:
        if by_email:
            return _("Hello %(name)s, thank you for your quote request%(for_product)s. So that the quote fits, I would like to go through your situation with you: would [day, time] or [day, time] suit you?") % {
                "name": name,
                "for_product": (" " + _("for %(product)s") % {"product": product}) if product else "",
            }
        if product:
            return _("Hello %(name)s, thank you for your quote request for %(product)s. Could you tell me a bit more about your line, so the quote fits?") % {"name": name, "product": product}
        return _("Hello %(name)s, thank you for your quote request. Could you tell me a bit more about your situation, so the quote fits?") % {"name": name}
    if request == ConversionAction.DEMO_REQUEST:
        of_product = (" " + _("of %(product)s") % {"product": product}) if product else ""
        if by_email:
            return _("Hello %(name)s, thank you for your demo request%(for_product)s. I would like to plan it with you: would [day, time] or [day, time] suit you, and which problem should the demo solve for you?") % {
                "name": name, "for_product": (" " + _("for %(product)s") % {"product": product}) if product else "",
            }
        return _("Hello %(name)s, you asked for a demo%(of_product)s. When would suit you, and which problem should it solve for you?") % {
            "name": name, "of_product": of_product,
        }
    if request:
        return _("Hello %(name)s, you asked us to get in touch. How can I help you?") % {"name": name}
    webinar = by_kind.get(Activity.Kind.WEBINAR)
    case_study = by_kind.get(Activity.Kind.CASE_STUDY)
    if webinar and case_study:
        return _("Hello %(name)s, you joined our webinar “%(webinar)s” and read “%(case)s”. Is that something you are working on as well?") % {"name": name, "webinar": webinar.title, "case": case_study.title}
    if webinar:
        return _("Hello %(name)s, you joined our webinar “%(webinar)s”. What did you take away from it for your own plant?") % {"name": name, "webinar": webinar.title}
    if case_study:
        return _("Hello %(name)s, you read our case “%(case)s”. Are you facing a similar question?") % {"name": name, "case": case_study.title}
    download = by_kind.get(Activity.Kind.DOWNLOAD)
    if download:
        return _("Hello %(name)s, you downloaded “%(title)s”. Was it useful, and can I help with the next step?") % {"name": name, "title": download.title}
    if Activity.Kind.PRICING_PAGE in by_kind:
        return _("Hello %(name)s, I saw you looked at our prices. Shall I tell you what it would cost in your situation?") % {"name": name}
    return _("Hello %(name)s, thank you for your interest. What are you working on at the moment?") % {"name": name}
