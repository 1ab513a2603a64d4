"""The history read from the database, the report over it, and adopting the proposal."""

from dataclasses import replace
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from leads.models import Activity, Company, Lead
from qualification import learning
from qualification.models import Disqualifier, QualificationPolicy
from qualification.proposal import Proposal, propose, split_by_time
from qualification.scoring import EngagementRuleSpec, FitRuleSpec, PolicySnapshot
from qualification.tests.conftest import NOW
from qualification.vocabulary import Attribute, DisqualifierKind, Operator


def make_history(count=200):
    """`count` leads a day apart: food companies with three visits are won 2 in 3; the others
    1 in 6."""
    food = Company.objects.create(name="Food", sector="food", employees=200)
    metal = Company.objects.create(name="Metal", sector="metal", employees=20)
    for n in range(count):
        arrived = NOW - timedelta(days=count - n)
        good = n % 2 == 0
        won = (n % 3 != 0) if good else (n % 6 == 1)
        lead = Lead.objects.create(
            company=food if good else metal, created_at=arrived, conversion_action="download",
            source="google / cpc", campaign="spring" if good else "", stage="won" if won else "lost",
            mql_at=arrived + timedelta(days=2), won_at=arrived + timedelta(days=9) if won else None,
        )
        for hour in range(3 if good else 1):
            Activity.objects.create(lead=lead, kind=Activity.Kind.PAGE_VISIT, occurred_at=arrived + timedelta(hours=hour))


@pytest.mark.django_db
def test_the_history_holds_what_a_lead_did_before_it_went_to_sales_and_whether_it_was_won():
    company = Company.objects.create(name="Acme", sector="food", employees=120, region="Utrecht")
    arrived = NOW - timedelta(days=20)
    lead = Lead.objects.create(company=company, created_at=arrived, mql_at=arrived + timedelta(days=3), won_at=arrived + timedelta(days=10), stage="won", source="Google", campaign="spring")
    for days in (1, 3, 5):  # the visit at the MQL moment counts, the one after does not
        Activity.objects.create(lead=lead, kind=Activity.Kind.PAGE_VISIT, occurred_at=arrived + timedelta(days=days))
    Lead.objects.create(created_at=NOW + timedelta(days=1))  # after the end of the history
    (record,) = learning.history(until=NOW)
    assert record.won and record.counts[Activity.Kind.PAGE_VISIT] == 2
    assert (record.facts.sector, record.facts.employees, record.facts.source, record.facts.campaign) == ("food", 120, "Google", "spring")
    (earlier,) = learning.history(until=arrived + timedelta(days=5))
    assert not earlier.won  # not won yet at that moment


@pytest.mark.django_db
def test_the_report_compares_the_proposal_with_the_active_policy(policy):
    make_history()
    report = learning.report(until=NOW)
    data = report.as_data()
    assert {"traits", "suggestion", "validation", "patterns"} <= set(data)
    assert set(data["traits"][0]) >= {"attribute", "value", "leads", "won", "rate", "lift"}
    assert {"auc", "active_auc", "top_decile_rate", "holdout_leads"} <= set(data["validation"])
    # Every win took 9 days: the 9 leads younger than that at NOW are left out.
    assert report.waited == timedelta(days=9) and data["leads"] == 191
    assert data["validation"]["holdout_leads"] == 57 and data["validation"]["training_leads"] == 134
    assert data["validation"]["active_auc"] is not None
    food = next(row for row in data["traits"] if row["attribute"] == "sector" and row["value"] == "food")
    # Food: the even n up to 190; won unless a multiple of 6 (0, 6, …, 186).
    assert (food["leads"], food["won"]) == (96, 64)
    assert len(data["suggestion"]["fit_rules"]) + len(data["suggestion"]["engagement_rules"]) <= 15


@pytest.mark.django_db
def test_the_time_to_win_is_what_90_percent_of_the_won_leads_needed():
    for days in range(1, 11):
        Lead.objects.create(created_at=NOW - timedelta(days=30), won_at=NOW - timedelta(days=30 - days), stage="won")
    assert learning.time_to_win(until=NOW) == timedelta(days=9)
    assert learning.time_to_win(until=NOW - timedelta(days=25)) == timedelta(days=4)  # won by then: 1-5 days
    Lead.objects.all().delete()
    assert learning.time_to_win(until=NOW) == timedelta(0)


def proposal_of(*rules, fit=30, engagement=10) -> Proposal:
    snapshot = PolicySnapshot(
        version=0, fit_threshold=fit, engagement_threshold=engagement, customer_engagement_threshold=engagement,
        fit_rules=tuple(r for r in rules if isinstance(r, FitRuleSpec)),
        engagement_rules=tuple(r for r in rules if isinstance(r, EngagementRuleSpec)),
    )
    return Proposal(snapshot, 100, 20)


@pytest.mark.django_db
def test_adopting_creates_a_draft_with_those_rules_neither_active_nor_signed(policy, marketer):
    Disqualifier.objects.create(policy=policy, kind=DisqualifierKind.STUDENT, reason="Student")
    proposal = proposal_of(
        FitRuleSpec(Attribute.SOURCE, Operator.EQUALS, "Welingak Website", 20, "x"),
        FitRuleSpec(Attribute.CONVERSION_ACTION, Operator.EQUALS, "contact_form", 12, "x"),
        EngagementRuleSpec(Activity.Kind.PAGE_VISIT, -8, "x", cap=8, min_count=3),
    )
    draft = learning.adopt(proposal, by=marketer)
    assert draft.status == QualificationPolicy.Status.DRAFT and draft.version == 2
    assert not draft.signoffs.exists()
    assert QualificationPolicy.objects.active() == policy
    assert (draft.fit_threshold, draft.engagement_threshold) == (30, 10)
    assert [(r.attribute, r.value, r.points, r.label) for r in draft.fit_rules.all()] == [
        ("source", "Welingak Website", 20, ""), ("conversion_action", "contact_form", 12, "")]
    assert [(r.activity_kind, r.min_count, r.points, r.cap) for r in draft.engagement_rules.all()] == [("page_visit", 3, -8, 8)]
    assert [d.kind for d in draft.disqualifiers.all()] == [DisqualifierKind.STUDENT]
    assert draft.created_by == marketer


@pytest.mark.django_db
def test_adopting_a_minutes_rule_makes_an_engagement_rule_that_scores_the_same(policy, marketer, company):
    from qualification import decisions
    from qualification.proposal import minutes_candidate, with_points

    proposed = with_points(minutes_candidate(Activity.Kind.PAGE_VISIT, 15), 16)
    draft = learning.adopt(proposal_of(proposed, fit=0, engagement=10), by=marketer)
    rule = draft.engagement_rules.get()
    assert (rule.activity_kind, rule.points, rule.window_days, rule.min_minutes, rule.cap, rule.label) == ("page_visit", 16, 30, 15, None, "")
    lead = Lead.objects.create(email="a@b.nl", company=company, conversion_action="download")
    for days, seconds in ((2, 500), (3, 400)):
        Activity.objects.create(lead=lead, kind=Activity.Kind.PAGE_VISIT, occurred_at=NOW - timedelta(days=days), data={"seconds": seconds})
    snapshot = QualificationPolicy.objects.with_rules().get(pk=draft.pk).snapshot()
    result = decisions.rescore(lead, now=NOW, policy=snapshot)
    assert result.engagement_score == 16
    assert snapshot.engagement_rules[0] == replace(proposed, label=snapshot.engagement_rules[0].label)


@pytest.mark.django_db
def test_a_rule_the_policy_refuses_leaves_no_draft(policy, marketer):
    bad = proposal_of(FitRuleSpec(Attribute.CONVERSION_ACTION, Operator.EQUALS, "telepathy", 5, "x"))
    with pytest.raises(ValidationError):
        learning.adopt(bad, by=marketer)
    assert QualificationPolicy.objects.count() == 1


@pytest.mark.django_db
def test_the_fitted_proposal_is_adopted_as_it_was_validated(marketer):
    make_history()
    records = learning.history(until=NOW)
    training, _holdout, _cutoff = split_by_time(records)
    proposal = propose(training)
    draft = learning.adopt(proposal, by=marketer)
    assert draft.snapshot().fit_threshold == proposal.snapshot.fit_threshold
    assert draft.rule_count() == len(proposal.rules)
    assert sorted(r.points for r in draft.snapshot().fit_rules) == sorted(r.points for r in proposal.snapshot.fit_rules)


@pytest.mark.django_db
def test_the_window_ends_at_the_hand_over_else_the_outcome_else_the_end_of_the_history():
    arrived = NOW - timedelta(days=40)
    handed = Lead.objects.create(created_at=arrived, mql_at=arrived + timedelta(days=3), lost_at=arrived + timedelta(days=9), stage="lost")
    lost = Lead.objects.create(created_at=arrived, lost_at=arrived + timedelta(days=9), stage="lost")
    open_lead = Lead.objects.create(created_at=arrived)
    Activity.objects.create(lead=open_lead, kind=Activity.Kind.PAGE_VISIT, occurred_at=arrived, data={"seconds": 95, "pages": 2})
    Activity.objects.create(lead=open_lead, kind=Activity.Kind.PAGE_VISIT, occurred_at=arrived, data={"seconds": "a while"})
    records = learning.history(until=NOW)  # in the order of their ids
    assert [r.window_end for r in records] == [handed.mql_at, lost.lost_at, NOW]
    assert [a.seconds for a in records[2].activities] == [95.0, None]


@pytest.mark.django_db
def test_a_stored_report_reads_back_as_the_report_it_was(policy):
    make_history()
    report = learning.report(until=NOW)
    again = learning.Report.from_data(report.as_data())
    assert again.as_data() == report.as_data()
    assert again.pattern_texts() == report.pattern_texts() and again.waited == report.waited
    assert again.proposal.snapshot.fit_rules == report.proposal.snapshot.fit_rules
    assert again.proposal.snapshot.engagement_rules == report.proposal.snapshot.engagement_rules
    assert again.active_version == 1
