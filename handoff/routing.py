"""Who gets a lead: ordered routing rules, the first that matches wins.

A rule matches on the lead's facts (country, region, postcode, sector, size, product interest,
channel, intent tier, existing customer) and names a target: a team whose members take turns
(skipping who is away or at the cap), a named person, or the company's account manager. A
rule whose target cannot take the lead is passed over, and when no rule places the lead the
fallback owner gets it: no lead is ever without an owner.

`rule_verdict` and `pick_round_robin` are pure; `route` reads the rules and the team's state
from the database and explains every step, which the dry-run page shows as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from common.people import person_name
from common.roles import Role
from handoff.models import Assignment, HandoffSettings, RoutingRule, UserAvailability
from leads.models import Channel, IntentTier, Lead, Sector, Team

# The leads that count towards a rep's cap: the ones sales is working on.
WORKLOAD_STAGES = (Lead.Stage.MQL, Lead.Stage.SAL, Lead.Stage.SQL, Lead.Stage.OPPORTUNITY)


class NoOwnerAvailable(Exception):
    """Not one active user could take the lead: the installation has no people yet."""


@dataclass(frozen=True)
class LeadFacts:
    """What routing rules look at. Built from a lead, or typed into the dry-run page."""

    country: str = ""
    region: str = ""
    postcode: str = ""
    sector: str = ""
    employees: int | None = None
    product_interest: str = ""
    channel: str = ""
    intent_tier: str = ""
    is_existing_customer: bool = False
    account_manager_id: int | None = None

    @classmethod
    def of(cls, lead: Lead) -> LeadFacts:
        company = lead.company
        return cls(
            country=company.country if company else "",
            region=company.region if company else "",
            postcode=company.postcode if company else "",
            sector=company.sector if company else "",
            employees=company.employees if company else None,
            product_interest=lead.product_interest,
            channel=lead.channel,
            intent_tier=lead.intent_tier,
            is_existing_customer=lead.is_existing_customer,
            account_manager_id=company.account_manager_id if company else None,
        )


@dataclass(frozen=True)
class RuleTrace:
    rule: RoutingRule
    matched: bool
    explanation: str


@dataclass(frozen=True)
class Decision:
    owner: object  # the user who gets the lead
    team: Team | None
    rule: RoutingRule | None
    kind: str  # Assignment.Kind
    reason: str
    trace: list[RuleTrace] = field(default_factory=list)


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or "—"


def _normal_postcode(postcode: str) -> str:
    return postcode.replace(" ", "").upper()


def _criteria(rule: RoutingRule, facts: LeadFacts):
    """For each criterion the rule sets: (met, said when met, said when not). A generator,
    so the checks after the first miss are never made."""
    if rule.countries:
        wanted = [c.upper() for c in rule.countries]
        yield (
            facts.country.upper() in wanted,
            _("country %(value)s") % {"value": facts.country.upper()},
            _("country %(value)s is not %(wanted)s") % {"value": facts.country or "—", "wanted": ", ".join(wanted)},
        )
    if rule.regions:
        yield (
            facts.region.casefold() in {r.casefold() for r in rule.regions},
            _("region %(value)s") % {"value": facts.region},
            _("region %(value)s is not %(wanted)s") % {"value": facts.region or "—", "wanted": ", ".join(rule.regions)},
        )
    if rule.postcode_prefixes:
        postcode = _normal_postcode(facts.postcode)
        hit = next((p for p in rule.postcode_prefixes if postcode.startswith(_normal_postcode(p))), None)
        yield (
            bool(postcode) and hit is not None,
            _("postcode %(value)s starts with %(prefix)s") % {"value": facts.postcode, "prefix": hit},
            _("postcode %(value)s does not start with %(wanted)s")
            % {"value": facts.postcode or "—", "wanted": ", ".join(rule.postcode_prefixes)},
        )
    if rule.sectors:
        yield (
            facts.sector in rule.sectors,
            _("sector %(value)s") % {"value": _label(Sector, facts.sector)},
            _("sector %(value)s is not one of the rule's") % {"value": _label(Sector, facts.sector)},
        )
    if rule.min_employees is not None or rule.max_employees is not None:
        low = rule.min_employees if rule.min_employees is not None else 0
        high = rule.max_employees
        size = facts.employees
        within = size is not None and size >= low and (high is None or size <= high)
        wanted = f"{low}–{high}" if high is not None else f"≥ {low}"
        yield (
            within,
            _("%(value)s employees (%(wanted)s)") % {"value": size, "wanted": wanted},
            _("size %(value)s is outside %(wanted)s") % {"value": size if size is not None else "—", "wanted": wanted},
        )
    if rule.product_interests:
        interest = facts.product_interest.casefold()
        hit = next((p for p in rule.product_interests if p.casefold() in interest), None)
        yield (
            bool(interest) and hit is not None,
            _("interested in %(value)s") % {"value": facts.product_interest},
            _("product interest %(value)s does not mention %(wanted)s")
            % {"value": facts.product_interest or "—", "wanted": ", ".join(rule.product_interests)},
        )
    if rule.channels:
        yield (
            facts.channel in rule.channels,
            _("channel %(value)s") % {"value": _label(Channel, facts.channel)},
            _("channel %(value)s is not one of the rule's") % {"value": _label(Channel, facts.channel)},
        )
    if rule.intent_tiers:
        yield (
            facts.intent_tier in rule.intent_tiers,
            _label(IntentTier, facts.intent_tier),
            _("intent tier %(value)s is not one of the rule's") % {"value": _label(IntentTier, facts.intent_tier)},
        )
    if rule.existing_customer is not None:
        yield (
            facts.is_existing_customer == rule.existing_customer,
            _("existing customer") if rule.existing_customer else _("not a customer yet"),
            _("is an existing customer") if facts.is_existing_customer else _("is not an existing customer"),
        )


def rule_verdict(rule: RoutingRule, facts: LeadFacts) -> tuple[bool, list[str]]:
    """Whether `rule` matches, and in words each criterion it checked. On a miss the last
    line says which criterion failed."""
    said: list[str] = []
    for met, when_met, when_not in _criteria(rule, facts):
        said.append(when_met if met else when_not)
        if not met:
            return False, said
    return True, said or [_("matches every lead")]


def pick_round_robin(
    members: Sequence[int],
    *,
    last_assigned: dict[int, datetime],
    away: set[int],
    open_counts: dict[int, int],
    cap: int | None,
) -> tuple[int | None, list[str]]:
    """The member whose last lead from this team is the longest ago (never beats any date;
    ties go by the order of `members`), skipping who is away or at the cap. Returns the
    member (or None) and who was skipped and why."""
    skipped: list[str] = []
    eligible = []
    for position, member in enumerate(members):
        if member in away:
            skipped.append(("away", member))
            continue
        if cap is not None and open_counts.get(member, 0) >= cap:
            skipped.append(("cap", member))
            continue
        eligible.append((last_assigned.get(member) is not None, last_assigned.get(member), position, member))
    if not eligible:
        return None, skipped
    return min(eligible)[3], skipped


def fallback_owner(settings_row: HandoffSettings):
    """The configured fallback owner while they are active; otherwise a sales manager, then an
    administrator, so the promise "never without an owner" holds on a fresh installation."""
    User = get_user_model()
    configured = settings_row.fallback_owner
    if configured is not None and configured.is_active:
        return configured, _("no rule placed the lead; the fallback owner takes it")
    manager = User.objects.filter(is_active=True, groups__name=Role.SALES_MANAGER).order_by("id").first()
    if manager is None:
        manager = User.objects.filter(is_active=True, is_superuser=True).order_by("id").first()
    if manager is None:
        raise NoOwnerAvailable("No active user can own the lead: create users first.")
    return manager, _("no rule placed the lead and no active fallback owner is set; the first sales manager takes it")


def _team_pick(rule: RoutingRule, *, now: datetime, lock: bool):
    """(member or None, explanation) for a team rule."""
    team = rule.team
    if lock:
        # One assignment per team at a time, so two leads arriving together do not both go
        # to the same "least recently assigned" member.
        Team.objects.select_for_update().filter(pk=team.pk).first()
    members = list(team.members.filter(is_active=True).order_by("id"))
    ids = [m.pk for m in members]
    by_id = {m.pk: m for m in members}
    today = timezone.localdate(now)
    away = {
        a.user_id
        for a in UserAvailability.objects.filter(user_id__in=ids, is_away=True)
        if a.is_away_on(today)
    }
    last_assigned = dict(
        Assignment.objects.filter(team=team, owner_id__in=ids)
        .values_list("owner_id")
        .annotate(last=Max("assigned_at"))
    )
    open_counts = {}
    if rule.max_open_leads is not None:
        open_counts = dict(
            Lead.objects.filter(owner_id__in=ids, stage__in=WORKLOAD_STAGES)
            .values_list("owner_id")
            .annotate(n=Count("id"))
        )
    chosen, skipped = pick_round_robin(
        ids, last_assigned=last_assigned, away=away, open_counts=open_counts, cap=rule.max_open_leads
    )
    notes = [
        (_("%(name)s is away") if why == "away" else _("%(name)s is at the cap of %(cap)s open leads"))
        % {"name": person_name(by_id[member]), "cap": rule.max_open_leads}
        for why, member in skipped
    ]
    if chosen is None:
        if not members:
            return None, _("team %(team)s has no active members") % {"team": team}
        return None, _("nobody in team %(team)s can take it: %(notes)s") % {"team": team, "notes": "; ".join(notes)}
    explanation = _("round robin in team %(team)s: %(name)s has waited longest for a lead") % {
        "team": team,
        "name": person_name(by_id[chosen]),
    }
    if notes:
        explanation += " (" + "; ".join(notes) + ")"
    return by_id[chosen], explanation


def route(facts: LeadFacts, *, now: datetime, lock: bool = False, current_owner=None) -> Decision:
    """Decide who gets a lead with these facts. `lock=True` (inside the assigning
    transaction) serialises round robin per team; the dry run reads without locking. When no
    rule places the lead, an active `current_owner` (a recycled lead's earlier owner) keeps it
    before the fallback owner is asked."""
    trace: list[RuleTrace] = []
    today = timezone.localdate(now)
    rules = RoutingRule.objects.filter(is_active=True).select_related("team", "user")
    for rule in rules:
        matched, said = rule_verdict(rule, facts)
        why = ", ".join(said)
        if not matched:
            trace.append(RuleTrace(rule, False, why))
            continue
        owner, note = None, ""
        if rule.target == RoutingRule.Target.TEAM:
            owner, note = _team_pick(rule, now=now, lock=lock)
        elif rule.target == RoutingRule.Target.USER:
            user = rule.user
            availability = UserAvailability.objects.filter(user=user).first()
            if not user.is_active:
                note = _("%(name)s is no longer active") % {"name": person_name(user)}
            elif availability and availability.is_away_on(today):
                note = _("%(name)s is away") % {"name": person_name(user)}
            else:
                owner, note = user, _("assigned to %(name)s by name") % {"name": person_name(user)}
        else:
            manager = (
                get_user_model().objects.filter(pk=facts.account_manager_id, is_active=True).first()
                if facts.account_manager_id
                else None
            )
            if manager is None:
                note = _("the company has no active account manager")
            else:
                owner, note = manager, _("account manager %(name)s") % {"name": person_name(manager)}
        if owner is None:
            trace.append(RuleTrace(rule, False, f"{why}; {_('but')} {note}"))
            continue
        reason = _("Rule “%(rule)s”: %(why)s; %(note)s.") % {"rule": rule.name, "why": why, "note": note}
        trace.append(RuleTrace(rule, True, f"{why}; {note}"))
        team = rule.team if rule.target != RoutingRule.Target.USER else None
        return Decision(owner=owner, team=team, rule=rule, kind=Assignment.Kind.RULE, reason=reason, trace=trace)
    if current_owner is not None and current_owner.is_active:
        return Decision(
            owner=current_owner,
            team=None,
            rule=None,
            kind=Assignment.Kind.FALLBACK,
            reason=_("No rule placed the lead; it stays with %(name)s, who already owns it.")
            % {"name": person_name(current_owner)},
            trace=trace,
        )
    owner, note = fallback_owner(HandoffSettings.load())
    return Decision(
        owner=owner,
        team=None,
        rule=None,
        kind=Assignment.Kind.FALLBACK,
        reason=_("Fallback: %(note)s.") % {"note": note},
        trace=trace,
    )
