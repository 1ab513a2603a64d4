"""Activating a definition without surprises.

`preview()` says, lead by lead, what activating a draft would do to the open leads right now:
which become MQL (per team the routing rules send them to), which are disqualified, which go
to nurture. It scores exactly as the activation does (`bulk.score_rows`, `bulk.decision_for`),
so when nothing changes in between, the activation reports the same numbers.

Activation itself is asked for on the policy page (`request()`) and carried out by the worker
(`run_next()`), which records its progress on the `Activation` row as it goes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from handoff.models import RoutingRule
from handoff.routing import LeadFacts as RoutingFacts
from handoff.routing import rule_verdict
from leads.models import Lead, Team
from qualification import bulk
from qualification.models import Activation, QualificationPolicy
from qualification.scoring import PolicySnapshot
from qualification.vocabulary import Decision

logger = logging.getLogger(__name__)

CHUNK = 5_000
# The preview's team key for a lead no team rule takes (a named person, the account manager
# or the fallback owner gets it).
NO_TEAM = 0


@dataclass
class Preview:
    """What activation would do now: the lead ids per outcome, and the MQLs per team."""

    scored: int = 0
    qualify: list[int] = field(default_factory=list)
    disqualify: list[int] = field(default_factory=list)
    nurture: list[int] = field(default_factory=list)
    teams: dict[int, list[int]] = field(default_factory=dict)  # team id (NO_TEAM) → MQL ids
    team_names: dict[int, str] = field(default_factory=dict)

    def leads(self, outcome: str, team: int | None = None) -> list[int]:
        if outcome == Decision.QUALIFY and team is not None:
            return self.teams.get(team, [])
        return {Decision.QUALIFY: self.qualify, Decision.DISQUALIFY: self.disqualify, Decision.NURTURE: self.nurture}[outcome]

    def team_rows(self) -> list[tuple[int, str, int]]:
        """(team id, name, MQLs) from most to fewest."""
        return sorted(
            ((team, self.team_names[team], len(ids)) for team, ids in self.teams.items()),
            key=lambda row: (-row[2], row[1]),
        )


def preview(policy: PolicySnapshot, *, now: datetime) -> Preview:
    """Score every open lead under `policy` as of `now` and say where each would go; nothing
    is written."""
    result = Preview()
    by_outcome = {Decision.QUALIFY: result.qualify, Decision.DISQUALIFY: result.disqualify, Decision.NURTURE: result.nurture}
    tiers: dict[int, str] = {}
    for rows in bulk.chunks(Lead.objects.open(), chunk_size=CHUNK):
        activities = bulk.chunk_activities(rows, by_ids=False, open_only=True)
        for row, score, _temperature, _due in bulk.score_rows(policy, rows, activities, now=now):
            decision = bulk.decision_for(row, score)
            if decision in by_outcome:
                by_outcome[decision].append(row[0])
            if decision == Decision.QUALIFY:
                tiers[row[0]] = score.intent_tier
        result.scored += len(rows)
    group_by_team(result, tiers)
    return result


def group_by_team(result: Preview, tiers: dict[int, str]) -> None:
    """The team whose routing rule would take each new MQL: the first active rule that matches
    (availability aside, which is decided at the hand-over itself)."""
    rules = list(RoutingRule.objects.filter(is_active=True).select_related("team"))
    names = {team.pk: team.name for team in Team.objects.all()}
    result.team_names[NO_TEAM] = _("No team: a named person, the account manager or the fallback owner")
    for start in range(0, len(result.qualify), CHUNK):
        chunk = result.qualify[start : start + CHUNK]
        for lead in Lead.objects.select_related("company").filter(id__in=chunk).order_by("id"):
            facts = replace(RoutingFacts.of(lead), intent_tier=tiers[lead.pk])
            rule = next((rule for rule in rules if rule_verdict(rule, facts)[0]), None)
            team = rule.team_id if rule and rule.target == RoutingRule.Target.TEAM and rule.team_id else NO_TEAM
            result.teams.setdefault(team, []).append(lead.pk)
            result.team_names.setdefault(team, names.get(team, ""))


def request(policy: QualificationPolicy, *, by, now: datetime, spread_hours: int | None = None) -> Activation:
    """Queue the activation of `policy` for the worker. Raises ValidationError when the draft
    cannot be activated or another activation is still under way."""
    problems = policy.activation_problems()
    if Activation.objects.filter(status__in=[Activation.Status.QUEUED, Activation.Status.RUNNING]).exists():
        problems.append(_("Another activation is still under way."))
    earlier = Activation.objects.filter(policy=policy).first()
    if earlier and earlier.status != Activation.Status.FAILED:
        problems.append(_("This version's activation was asked for already."))
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        if earlier:
            earlier.delete()  # a failed attempt makes way for the next one
        return Activation.objects.create(policy=policy, requested_by=by, requested_at=now, spread_hours=spread_hours)


def run_next(*, now: datetime) -> bool:
    """Carry out the oldest queued activation, if any; returns whether there was one. Claimed
    with a conditional update, so of several workers exactly one runs it."""
    candidate = (
        Activation.objects.filter(status=Activation.Status.QUEUED).order_by("requested_at", "id")
        .values_list("pk", flat=True).first()
    )
    if candidate is None:
        return False
    claimed = Activation.objects.filter(pk=candidate, status=Activation.Status.QUEUED).update(
        status=Activation.Status.RUNNING, started_at=now, total=Lead.objects.open().count()
    )
    if not claimed:
        return True
    activation = Activation.objects.select_related("policy").get(pk=candidate)
    rows = Activation.objects.filter(pk=candidate)

    def progress(count: int) -> None:
        rows.update(scored=F("scored") + count)

    spread = timedelta(hours=activation.spread_hours) if activation.spread_hours else None
    try:
        stats = bulk.activate(
            activation.policy, now=now, progress=progress, spread=spread, workers=settings.RESCORE_WORKERS
        )
    except ValidationError as error:
        rows.update(status=Activation.Status.FAILED, finished_at=timezone.now(), error=" ".join(error.messages))
    except Exception as error:  # the page shows it failed instead of "running" for ever
        logger.exception("Activation of %s failed", activation.policy)
        rows.update(status=Activation.Status.FAILED, finished_at=timezone.now(), error=f"{type(error).__name__}: {error}")
    else:
        rows.update(
            status=Activation.Status.DONE, finished_at=timezone.now(), qualified=stats.qualified, scheduled=stats.scheduled,
            disqualified=stats.disqualified, nurtured=stats.nurtured,
        )
    return True
