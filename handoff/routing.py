"""Who gets a lead: ordered routing rules, the first that matches wins.

A rule matches on the lead's facts (country, region, postcode, sector, size, product interest,
channel, intent tier, existing customer) and names a target: a team whose members take turns
(in their rotation, handoff.rotation), a named person, or the company's account manager
(their deputy or their account team while they are away). A rule whose target cannot take
the lead is passed over, and when no rule places the lead the fallback owner gets it. Nobody
who is away ever gets a lead: when nobody present can take it, it waits in the unassigned
queue and the managers are told.

`rule_verdict` is pure; `route` reads the rules, presence and the teams' rotations from the
database and explains every step, which the dry-run page shows as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count

from common.business_time import business_time_zone
from common.messages import choice, joined, message
from common.people import person_name
from common.roles import Role
from handoff.models import Assignment, HandoffSettings, RoutingRule, UserAvailability
from handoff.rotation import Rotations, next_turn, seats, turn_order
from leads.models import Lead, Team

# The leads that count towards a rep's cap: the ones sales is working on.
WORKLOAD_STAGES = (Lead.Stage.MQL, Lead.Stage.SAL, Lead.Stage.SQL, Lead.Stage.OPPORTUNITY)


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
    explanation: dict  # a message (common/messages.py), put into words where it is shown


@dataclass(frozen=True)
class Decision:
    owner: object  # the user who gets the lead; None: nobody present could (Kind.UNASSIGNED)
    team: Team | None
    rule: RoutingRule | None
    kind: str  # Assignment.Kind
    reason: dict  # a message (common/messages.py): stored with the assignment, read in any language
    trace: list[RuleTrace] = field(default_factory=list)
    tell: list = field(default_factory=list)  # the managers told about a lead without an owner


def _label(vocabulary: str, value: str):
    return choice(vocabulary, value) if value else "—"


def _normal_postcode(postcode: str) -> str:
    return postcode.replace(" ", "").upper()


def _criteria(rule: RoutingRule, facts: LeadFacts):
    """For each criterion the rule sets: (met, said when met, said when not). A generator,
    so the checks after the first miss are never made."""
    if rule.countries:
        wanted = [c.upper() for c in rule.countries]
        yield (
            facts.country.upper() in wanted,
            message("routing.country", value=facts.country.upper()),
            message("routing.country_not", value=facts.country or "—", wanted=", ".join(wanted)),
        )
    if rule.regions:
        yield (
            facts.region.casefold() in {r.casefold() for r in rule.regions},
            message("routing.region", value=facts.region),
            message("routing.region_not", value=facts.region or "—", wanted=", ".join(rule.regions)),
        )
    if rule.postcode_prefixes:
        postcode = _normal_postcode(facts.postcode)
        hit = next((p for p in rule.postcode_prefixes if postcode.startswith(_normal_postcode(p))), None)
        yield (
            bool(postcode) and hit is not None,
            message("routing.postcode", value=facts.postcode, prefix=hit),
            message("routing.postcode_not", value=facts.postcode or "—", wanted=", ".join(rule.postcode_prefixes)),
        )
    if rule.sectors:
        yield (
            facts.sector in rule.sectors,
            message("routing.sector", value=_label("sector", facts.sector)),
            message("routing.sector_not", value=_label("sector", facts.sector)),
        )
    if rule.min_employees is not None or rule.max_employees is not None:
        low = rule.min_employees if rule.min_employees is not None else 0
        high = rule.max_employees
        size = facts.employees
        within = size is not None and size >= low and (high is None or size <= high)
        wanted = f"{low}–{high}" if high is not None else f"≥ {low}"
        yield (
            within,
            message("routing.employees", value=size, wanted=wanted),
            message("routing.employees_not", value=size if size is not None else "—", wanted=wanted),
        )
    if rule.product_interests:
        interest = facts.product_interest.casefold()
        hit = next((p for p in rule.product_interests if p.casefold() in interest), None)
        yield (
            bool(interest) and hit is not None,
            message("routing.interest", value=facts.product_interest),
            message("routing.interest_not", value=facts.product_interest or "—", wanted=", ".join(rule.product_interests)),
        )
    if rule.channels:
        yield (
            facts.channel in rule.channels,
            message("routing.channel", value=_label("channel", facts.channel)),
            message("routing.channel_not", value=_label("channel", facts.channel)),
        )
    if rule.intent_tiers:
        yield (
            facts.intent_tier in rule.intent_tiers,
            _label("intent_tier", facts.intent_tier),
            message("routing.tier_not", value=_label("intent_tier", facts.intent_tier)),
        )
    if rule.existing_customer is not None:
        yield (
            facts.is_existing_customer == rule.existing_customer,
            message("routing.customer") if rule.existing_customer else message("routing.not_customer"),
            message("routing.is_customer") if facts.is_existing_customer else message("routing.is_not_customer"),
        )


def rule_verdict(rule: RoutingRule, facts: LeadFacts) -> tuple[bool, list]:
    """Whether `rule` matches, and (as messages) each criterion it checked. On a miss the
    last line says which criterion failed."""
    said: list = []
    for met, when_met, when_not in _criteria(rule, facts):
        said.append(when_met if met else when_not)
        if not met:
            return False, said
    return True, said or [message("routing.every_lead")]


class Presence:
    """Who is away on `today` and whom they named as deputy, read once per person. Those in
    `passed_over` (an owner who let a deadline pass) count as away for this decision."""

    def __init__(self, today, passed_over: frozenset[int] = frozenset()):
        self.today = today
        self.passed_over = passed_over
        self._rows: dict[int, UserAvailability | None] = {}

    def load(self, user_ids) -> None:
        missing = {pk for pk in user_ids if pk not in self._rows}
        if missing:
            rows = UserAvailability.objects.filter(user_id__in=missing).select_related("deputy")
            found = {row.user_id: row for row in rows}
            self._rows |= {pk: found.get(pk) for pk in missing}

    def is_away(self, user) -> bool:
        if user.pk in self.passed_over:
            return True
        self.load([user.pk])
        row = self._rows[user.pk]
        return row is not None and row.is_away_on(self.today)

    def deputy(self, user):
        """The deputy `user` named, when active and present themselves."""
        self.load([user.pk])
        row = self._rows[user.pk]
        deputy = row.deputy if row is not None else None
        if deputy is None or not deputy.is_active or self.is_away(deputy):
            return None
        return deputy


def _team_pick(team: Team, *, cap: int | None, presence: Presence, rotations: Rotations):
    """(member or None, explanation): the next turn in the team's rotation that someone
    present and under the cap can take."""
    start = rotations.position(team)  # first, so the lock is held before anything is read
    members = list(team.members.filter(is_active=True).order_by("id"))
    by_id = {m.pk: m for m in members}
    order = turn_order(seats(team, list(by_id)))
    presence.load(by_id)
    open_counts = {}
    if cap is not None:
        open_counts = dict(
            Lead.objects.filter(owner_id__in=by_id, stage__in=WORKLOAD_STAGES)
            .values_list("owner_id")
            .annotate(n=Count("id"))
        )
    notes: dict[int, dict] = {}

    def can_take(member: int) -> bool:
        if presence.is_away(by_id[member]):
            notes.setdefault(member, message("routing.away", name=person_name(by_id[member])))
            return False
        if cap is not None and open_counts.get(member, 0) + rotations.extra_open.get(member, 0) >= cap:
            notes.setdefault(member, message("routing.at_cap", name=person_name(by_id[member]), cap=cap))
            return False
        return True

    chosen, after = next_turn(order, start=start, can_take=can_take)
    if chosen is None:
        if not members:
            return None, message("routing.team_empty", team=str(team))
        if not order:
            return None, message("routing.team_takes_none", team=str(team))
        return None, message("routing.team_nobody", team=str(team), notes=joined(notes.values()))
    rotations.move(team, to=after, member=chosen)
    name = person_name(by_id[chosen])
    if notes:
        return by_id[chosen], message("routing.turn_passing", team=str(team), name=name, notes=joined(notes.values()))
    return by_id[chosen], message("routing.turn", team=str(team), name=name)


def _account_manager_pick(rule: RoutingRule, facts: LeadFacts, *, presence: Presence, rotations: Rotations):
    """(owner or None, team or None, explanation) for the company's account manager: while
    they are away their deputy, or else their account team's rotation, takes the lead."""
    User = get_user_model()
    manager = User.objects.filter(pk=facts.account_manager_id, is_active=True).first() if facts.account_manager_id else None
    if manager is None:
        return None, None, message("routing.no_account_manager")
    name = person_name(manager)
    if not presence.is_away(manager):
        return manager, rule.team, message("routing.account_manager", name=name)
    deputy = presence.deputy(manager)
    if deputy is not None:
        return deputy, rule.team, message("routing.account_deputy", name=name, deputy=person_name(deputy))
    team = rule.team or (
        manager.teams.filter(kind=Team.Kind.ACCOUNT_MANAGEMENT).order_by("id").first() or manager.teams.order_by("id").first()
    )
    if team is None:
        return None, None, message("routing.account_nobody", name=name)
    owner, note = _team_pick(team, cap=rule.max_open_leads, presence=presence, rotations=rotations)
    return owner, team, message("routing.account_team", name=name, note=note)


def _named_pick(rule: RoutingRule, *, presence: Presence):
    user = rule.user
    if not user.is_active:
        return None, message("routing.inactive", name=person_name(user))
    if presence.is_away(user):
        return None, message("routing.away", name=person_name(user))
    return user, message("routing.by_name", name=person_name(user))


def fallback_owner(settings_row: HandoffSettings, presence: Presence):
    """(owner or None, explanation): the configured fallback owner while active and present,
    else the deputy they named. Without a configured one, the first present sales manager,
    then administrator, so a fresh installation places its leads too. Never someone away."""
    User = get_user_model()
    configured = settings_row.fallback_owner
    if configured is not None and configured.is_active:
        name = person_name(configured)
        if not presence.is_away(configured):
            return configured, message("routing.fallback")
        deputy = presence.deputy(configured)
        if deputy is not None:
            return deputy, message("routing.fallback_deputy", name=name, deputy=person_name(deputy))
        return None, message("routing.fallback_away", name=name)
    candidates = [
        *User.objects.filter(is_active=True, groups__name=Role.SALES_MANAGER).order_by("id"),
        *User.objects.filter(is_active=True, is_superuser=True).order_by("id"),
    ]
    presence.load(c.pk for c in candidates)
    present = next((c for c in candidates if not presence.is_away(c)), None)
    if present is None:
        return None, message("routing.no_manager")
    return present, message("routing.first_manager")


def managers_to_tell(team: Team | None) -> list:
    """Who hears about a lead that waits without an owner: the team's manager, or (for a lead
    of no team, or a team without one) every sales manager, or else the administrators."""
    if team is not None and team.manager_id and team.manager.is_active:
        return [team.manager]
    User = get_user_model()
    managers = list(User.objects.filter(is_active=True, groups__name=Role.SALES_MANAGER).distinct().order_by("id"))
    return managers or list(User.objects.filter(is_active=True, is_superuser=True).order_by("id"))


def route(
    facts: LeadFacts,
    *,
    now: datetime,
    lock: bool = False,
    current_owner=None,
    rules: Sequence[RoutingRule] | None = None,
    rotations: Rotations | None = None,
    passing_over=None,
) -> Decision:
    """Decide who gets a lead with these facts. `lock=True` (inside the assigning
    transaction) locks and moves each team's rotation; the dry run reads without locking, and
    may pass its own `rules` and `rotations`. When no rule places the lead, an active and
    present `current_owner` (a recycled lead's earlier owner) keeps it before the fallback
    owner is asked; when nobody present can take it, the decision has no owner and names the
    managers to tell. `passing_over` (a user) is skipped as if away: the owner a missed
    deadline takes the lead from."""
    trace: list[RuleTrace] = []
    presence = Presence(  # "back on" is a business day
        now.astimezone(business_time_zone()).date(),
        passed_over=frozenset([passing_over.pk]) if passing_over is not None else frozenset(),
    )
    rotations = rotations or Rotations(lock=lock)
    if rules is None:
        rules = RoutingRule.objects.filter(is_active=True).select_related("team", "user")
    waiting_team = None  # the first team that should have taken the lead, had anyone been present
    passed_over: list[dict] = []  # why each rule that matched could not place it
    for rule in rules:
        matched, said = rule_verdict(rule, facts)
        why = joined(said, ", ")
        if not matched:
            trace.append(RuleTrace(rule, False, why))
            continue
        if rule.target == RoutingRule.Target.TEAM:
            team = rule.team
            owner, note = _team_pick(team, cap=rule.max_open_leads, presence=presence, rotations=rotations)
        elif rule.target == RoutingRule.Target.USER:
            team = None
            owner, note = _named_pick(rule, presence=presence)
        else:
            owner, team, note = _account_manager_pick(rule, facts, presence=presence, rotations=rotations)
        if owner is None:
            waiting_team = waiting_team or team
            passed_over.append(message("routing.passed_over", rule=rule.name, note=note))
            trace.append(RuleTrace(rule, False, message("routing.matched_but", why=why, note=note)))
            continue
        reason = message("routing.rule", rule=rule.name, why=why, note=note)
        trace.append(RuleTrace(rule, True, message("routing.matched", why=why, note=note)))
        return Decision(owner=owner, team=team, rule=rule, kind=Assignment.Kind.RULE, reason=reason, trace=trace)
    if current_owner is not None and current_owner.is_active and not presence.is_away(current_owner):
        return Decision(
            owner=current_owner,
            team=None,
            rule=None,
            kind=Assignment.Kind.FALLBACK,
            reason=message("routing.stays", name=person_name(current_owner)),
            trace=trace,
        )
    owner, note = fallback_owner(HandoffSettings.load(), presence)
    if owner is not None:
        return Decision(
            owner=owner, team=None, rule=None, kind=Assignment.Kind.FALLBACK, reason=message("routing.fallback_decision", note=note),
            trace=trace,
        )
    return Decision(
        owner=None,
        team=waiting_team,
        rule=None,
        kind=Assignment.Kind.UNASSIGNED,
        reason=message("routing.unassigned", why=joined([*passed_over, note])),
        trace=trace,
        tell=managers_to_tell(waiting_team),
    )


def try_rule(rule: RoutingRule, leads: Sequence[Lead], *, now: datetime) -> list[tuple[Lead, Decision]]:
    """What the routing table would do to `leads`, handed over one after another at `now`,
    with `rule` in its place: an unsaved rule, or a saved one (active or not) as edited,
    instead of its saved version. Nothing is written; the rotation moves in memory."""
    saved = RoutingRule.objects.filter(is_active=True).select_related("team", "user")
    if rule.pk is not None:
        saved = saved.exclude(pk=rule.pk)
    rules = sorted([*saved, rule], key=lambda r: (r.position, r.pk is None, r.pk or 0))
    rotations = Rotations(lock=False)
    return [(lead, route(LeadFacts.of(lead), now=now, rules=rules, rotations=rotations)) for lead in leads]
