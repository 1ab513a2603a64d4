"""A lead's facts as `RolledUpLead` keeps them, and the lead query that reads them: its own
fields, what other apps compute from their tables (named in COMPUTED_FACTS when they load) and
sales' verdicts. The rollups (`leads.rollups`) add up what these facts contribute."""

from __future__ import annotations

import functools
from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.apps import apps
from django.db import models
from django.db.models import Count, Exists, Expression, OuterRef, StringAgg, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat, TruncDate

from common.business_time import business_time_zone
from leads.models.rollup import RolledUpLead

# RolledUpLead's fields, and where a lead query finds each.
FACT_LOOKUPS = {
    "lead_id": "id", "created_at": "created_at", "channel": "channel", "campaign": "campaign",
    "source": "source", "product_interest": "product_interest", "team_id": "team_id",
    "owner_id": "owner_id", "sector": "company__sector", "is_customer": "company__is_customer",
    "stage": "stage", "mql_at": "mql_at", "sal_at": "sal_at", "sql_at": "sql_at",
    "opportunity_at": "opportunity_at", "won_at": "won_at", "lost_at": "lost_at",
    "first_attempt_at": "first_attempt_at", "attempt_count": "attempt_count", "deal_value": "deal_value",
    "source_owner": "source_owner", "lost_reason": "lost_reason", "linked_campaign_id": "linked_campaign_id",
    "first_contact_by": "first_contact_by", "intent_tier": "intent_tier",
    "first_contact_business_seconds": "first_contact_business_seconds",
}
# Facts an app above this one computes from its own tables, which it names here when it loads
# (so leads need not import it): fact → a function giving the expression on a lead query. Until
# one is named, the fact is empty. handoff/apps.py names "owner_told_at"
# (handoff.outbox.owner_told_at(): when the owner was first sent word of the lead), so every
# write that refreshes a lead, and sending that word (handoff.outbox.mark_sent), keeps the two
# clocks' histograms up to date. The leads app names the review's facts from its own other
# tables (leads.review_facts: feedback, the moves back, completeness) and the after-sale facts
# from the account events (leads.account_facts) the same way; handoff/apps.py names routing's
# facts too (handoff.first_assignment).
COMPUTED = (
    "owner_told_at", "has_feedback", "not_reached", "returned", "rejected", "is_complete",
    "churned", "renewals", "first_value_at", "expansion",
    "routed_by", "first_assigned_at", "first_owner_id", "owner_changed_in_first_week", "reassigned",
)
COMPUTED_FACTS: dict[str, Callable[[], Expression]] = {}
# Facts from this app's other tables: sales' verdicts (verdicts_of(), rejections_at_accept()).
OWN_COMPUTED = ("verdicts", "rejected_at_accept", "rejected_at_accept_on")
FACTS = (*FACT_LOOKUPS, *COMPUTED, *OWN_COMPUTED)
BOOLEAN_FACTS = frozenset(
    name for name in COMPUTED if isinstance(RolledUpLead._meta.get_field(name), models.BooleanField)
)


def rejections_at_accept():
    """Sales sent the MQL back to marketing with the reject button: a person moved it from MQL
    to nurture, and no feedback was given in that same move (feedback "no urgency" or "not
    reached" also returns a lead to nurture, stamped with the feedback's own moment)."""
    Feedback, Lead, StageChange = (apps.get_model("leads", name) for name in ("Feedback", "Lead", "StageChange"))
    feedback_then = Feedback.objects.filter(lead=OuterRef("lead"), given_at=OuterRef("changed_at"))
    return StageChange.objects.filter(
        from_stage=Lead.Stage.MQL, to_stage=Lead.Stage.NURTURE, changed_by__isnull=False
    ).filter(~Exists(feedback_then))


def _business_day(moment: str, zone: ZoneInfo) -> Expression:
    """A moment's day in the business time zone `zone`, as ISO text ("2026-11-02"), on both databases."""
    return Cast(TruncDate(moment, tzinfo=zone), output_field=models.TextField())


def verdicts_of(zone: ZoneInfo) -> Expression:
    """A lead's feedback as "disposition/no-fit reason/quality/day given", space-separated (any
    order: `facts_from_row` sorts them). NULL: none."""
    Feedback = apps.get_model("leads", "Feedback")  # (leads.models imports this module)
    verdict = Concat(
        "disposition", Value("/"), "no_fit_reason", Value("/"), "quality", Value("/"), _business_day("given_at", zone),
        output_field=models.TextField(),
    )
    given = Feedback.objects.filter(lead=OuterRef("pk")).order_by().values("lead")
    return Subquery(given.annotate(v=StringAgg(verdict, Value(" "))).values("v"))


def rejected_at_accept_of() -> Expression:
    rejections = rejections_at_accept().filter(lead=OuterRef("pk")).order_by().values("lead")
    return Coalesce(Subquery(rejections.annotate(n=Count("pk")).values("n")), 0)


def rejected_at_accept_on_of(zone: ZoneInfo) -> Expression:
    """The days of a lead's rejections at the accept step, ISO, space-separated (any order)."""
    rejections = rejections_at_accept().filter(lead=OuterRef("pk")).order_by().values("lead")
    return Subquery(rejections.annotate(days=StringAgg(_business_day("changed_at", zone), Value(" "))).values("days"))


@functools.cache
def fact_columns(zone: ZoneInfo) -> tuple:
    """What a lead query reads for FACTS, in their order, the verdicts' days in the business time
    zone `zone`. Built once per zone (a query copies the expressions it is given): building the
    subqueries cost more than the database's work for a few leads."""
    computed = [COMPUTED_FACTS[name]() if name in COMPUTED_FACTS else _empty(name) for name in COMPUTED]
    return (*FACT_LOOKUPS.values(), *computed, verdicts_of(zone), rejected_at_accept_of(), rejected_at_accept_on_of(zone))


def _empty(fact: str) -> Value:
    """A computed fact no app has named yet: its field's default (False, 0 or NULL)."""
    field = RolledUpLead._meta.get_field(fact)
    return Value(field.get_default(), output_field=field)


def facts_from_row(row: tuple) -> dict:
    """A lead query's row as FACTS, stored as RolledUpLead stores them."""
    facts = dict(zip(FACTS, row))
    for name in BOOLEAN_FACTS:  # SQLite answers 0 or 1
        facts[name] = bool(facts[name])
    facts["verdicts"] = " ".join(sorted((facts["verdicts"] or "").split()))
    facts["rejected_at_accept_on"] = " ".join(sorted((facts["rejected_at_accept_on"] or "").split()))
    facts["intent_tier"] = facts["intent_tier"] or ""
    return facts


def facts_of(leads) -> list[dict]:
    return [facts_from_row(row) for row in leads.order_by("pk").values_list(*fact_columns(business_time_zone()))]
