"""The proposal: split by time, the fitted rules, the thresholds, AUC and the top rates."""

import math
import random
from datetime import datetime, timedelta, timezone

from leads.models import Activity
from qualification.proposal import (
    MAX_RULES,
    evenly_sampled,
    merge_alike,
    propose,
    ranking,
    score_record,
    split_by_time,
    validate,
)
from qualification.scoring import DisqualifierSpec, FitRuleSpec, LeadFacts, PolicySnapshot
from qualification.vocabulary import Attribute, DisqualifierKind, Operator
from qualification.whatconverts import ActivityRow, LeadRecord

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


def record(won=False, *, day=0, visits=0, **facts) -> LeadRecord:
    arrived = T0 + timedelta(days=day)
    activities = tuple(ActivityRow(Activity.Kind.PAGE_VISIT, arrived + timedelta(hours=h)) for h in range(visits))
    return LeadRecord(LeadFacts(arrived_at=arrived, **facts), activities, won)


def test_the_hold_out_is_the_most_recent_part_of_the_history():
    records = [record(day=day) for day in (5, 1, 9, 3, 7, 2, 8, 4, 6, 10)]
    training, holdout, cutoff = split_by_time(records, holdout_share=0.3)
    assert [r.arrived_at.day - T0.day for r in training] == [1, 2, 3, 4, 5, 6, 7]
    assert [r.arrived_at.day - T0.day for r in holdout] == [8, 9, 10]
    assert cutoff == T0 + timedelta(days=8)


def test_leads_that_arrived_at_the_cutoff_all_go_to_the_hold_out():
    records = [record(day=1), record(day=2), record(day=2), record(day=2)]
    training, holdout, _cutoff = split_by_time(records, holdout_share=0.25)
    assert len(training) == 1 and len(holdout) == 3


def noisy_world(leads=1200, seed=7) -> list[LeadRecord]:
    """Won depends on the sector (food), the size (100+), a manager title and repeated visits;
    plus many traits that say nothing."""
    rng = random.Random(seed)
    records = []
    for n in range(leads):
        sector = rng.choice(["food", "metal", "pharma", "logistics", "chemicals", "plastics"])
        employees = rng.choice([5, 20, 80, 150, 600, 2000])
        title = rng.choice(["Inkoopmanager", "Engineer", "Directeur", "Planner", "Operator", "Buyer"])
        visits = rng.choice([0, 1, 2, 4, 6])
        region = rng.choice(["Utrecht", "Brabant", "Gelderland", "Limburg", "Zeeland", "Drenthe", "Friesland"])
        logit = -2 + 1.2 * (sector == "food") + 1.0 * (employees >= 100) + 0.8 * ("manager" in title.lower()) + 0.6 * (visits >= 2)
        won = rng.random() < 1 / (1 + math.exp(-logit))
        records.append(record(won, day=n // 10, visits=visits, sector=sector, employees=employees, job_title=title, region=region, channel=rng.choice(["meta", "linkedin", "organic"]), conversion_action="download"))
    return records


def test_the_proposal_has_at_most_15_rules_that_rank_the_hold_out_well():
    records = noisy_world()
    training, holdout, cutoff = split_by_time(records)
    proposal = propose(training)
    assert 0 < len(proposal.rules) <= MAX_RULES
    labels = {rule.label: rule.points for rule in proposal.rules}
    assert labels["Sector is Food & beverages"] > 0
    assert any(rule.attribute == Attribute.EMPLOYEES and rule.points > 0 for rule in proposal.snapshot.fit_rules)
    validation = validate(proposal.snapshot, None, training=training, holdout=holdout, cutoff=cutoff)
    assert validation.holdout_leads == len(holdout) == 360
    assert validation.auc > 0.65
    assert validation.top_decile_rate > validation.holdout_rate
    assert validation.active_auc is None


def test_the_proposal_keeps_the_base_policys_disqualifiers_and_is_compared_with_it():
    base = PolicySnapshot(
        version=3, fit_threshold=10, engagement_threshold=0, customer_engagement_threshold=0,
        fit_rules=(FitRuleSpec(Attribute.SECTOR, Operator.EQUALS, "metal", 10, "Metal"),),
        disqualifiers=(DisqualifierSpec(DisqualifierKind.TOO_SMALL, "10", "Too small"),),
    )
    records = noisy_world()
    training, holdout, cutoff = split_by_time(records)
    proposal = propose(training, base=base)
    assert proposal.snapshot.disqualifiers == base.disqualifiers
    tiny = next(r for r in holdout if r.facts.employees == 5)
    assert ranking(score_record(proposal.snapshot, tiny)) < -1000
    validation = validate(proposal.snapshot, base, training=training, holdout=holdout, cutoff=cutoff)
    assert validation.active_auc is not None and validation.auc > validation.active_auc


def test_the_thresholds_make_mqls_of_the_likely_winners():
    records = noisy_world()
    training, _holdout, _cutoff = split_by_time(records)
    policy = propose(training).snapshot
    results = [(score_record(policy, r), r.won) for r in training]
    chosen = [won for result, won in results if result.qualifies]
    assert chosen and sum(chosen) / len(chosen) > sum(r.won for r in training) / len(training)


def test_nothing_to_learn_without_won_leads():
    assert propose([record(False, sector="food")] * 50) is None


def test_values_of_one_attribute_that_weigh_the_same_become_one_rule():
    rules = [
        FitRuleSpec(Attribute.REGION, Operator.EQUALS, "Mumbai", 0, ""),
        FitRuleSpec(Attribute.REGION, Operator.EQUALS, "Thane", 0, ""),
        FitRuleSpec(Attribute.REGION, Operator.EQUALS, "Pune", 0, ""),
        FitRuleSpec(Attribute.SECTOR, Operator.EQUALS, "food", 0, ""),
    ]
    matrix = [[0, 3], [1], [2], []]
    merged, rows, changed = merge_alike(rules, [1.0, 1.2, -0.5, 1.1], matrix)
    assert changed
    assert [(r.attribute, r.operator, r.value) for r in merged] == [
        ("region", "in", "Mumbai, Thane"), ("region", "equals", "Pune"), ("sector", "equals", "food")]
    assert rows == [[0, 2], [0], [1], []]
    assert merge_alike(merged, [1.0, -0.5, 1.1], rows)[2] is False


def test_a_long_history_is_fitted_and_validated_on_an_even_sample():
    assert evenly_sampled(list(range(10)), 5) == [0, 2, 4, 6, 8]
    assert evenly_sampled(list(range(3)), 5) == [0, 1, 2]


def timed_world(leads=1000, seed=11) -> list[LeadRecord]:
    """Won depends mostly on the time on the website (15 minutes or more) and a little on the
    sector; the number of visits says nothing of its own."""
    rng = random.Random(seed)
    records = []
    for n in range(leads):
        arrived = T0 + timedelta(hours=n * 3)
        minutes = rng.choice([0, 2, 8, 12, 18, 25, 40])
        visits = rng.choice([1, 2, 3])
        activities = tuple(
            ActivityRow(Activity.Kind.PAGE_VISIT, arrived + timedelta(hours=h), seconds=minutes * 60 / visits) for h in range(visits)
        )
        sector = rng.choice(["food", "metal", "pharma"])
        logit = -1.5 + 2.2 * (minutes >= 15) + 0.5 * (sector == "food")
        won = rng.random() < 1 / (1 + math.exp(-logit))
        records.append(LeadRecord(LeadFacts(arrived_at=arrived, sector=sector), activities, won))
    return records


def test_the_proposal_reads_time_on_the_website_as_a_minutes_rule():
    from qualification.proposal import Proposal

    records = timed_world()
    training, holdout, cutoff = split_by_time(records)
    proposal = propose(training)
    assert len(proposal.rules) <= MAX_RULES
    minutes_rules = {rule.min_minutes: rule for rule in proposal.snapshot.engagement_rules if rule.min_minutes}
    assert minutes_rules[15].points >= 15  # the step that decides, weighed most
    assert all(rule.window_days == 30 and rule.cap is None for rule in minutes_rules.values())
    assert minutes_rules[15].label == "15+ minutes on the website within 30 days"
    # A lead with 18 minutes gets those points, one with 12 does not.
    long_visit, short_visit = (next(r for r in holdout if sum(a.seconds for a in r.activities) == m * 60) for m in (18, 12))
    assert score_record(proposal.snapshot, long_visit).engagement_score - score_record(proposal.snapshot, short_visit).engagement_score >= 15
    assert validate(proposal.snapshot, None, training=training, holdout=holdout, cutoff=cutoff).auc > 0.75
    # The stored form reads back with its minutes and window.
    again = Proposal.from_data(proposal.as_data())
    assert again.snapshot.engagement_rules == proposal.snapshot.engagement_rules
