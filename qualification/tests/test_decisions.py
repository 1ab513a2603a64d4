from datetime import timedelta

import pytest

from leads.models import Activity, Lead
from qualification import decisions
from qualification.models import Disqualifier
from qualification.tests.conftest import NOW
from qualification.vocabulary import DisqualifierKind

pytestmark = pytest.mark.django_db
K = Activity.Kind


@pytest.fixture
def mid_lead(lead):
    """Fit 60 under the test policy (decision maker, machinery, 120 employees), mid intent."""
    lead.conversion_action = "download"
    lead.save()
    return lead


def visit(lead, kind=K.PRICING_PAGE, days_ago=1, title="Prijzen"):
    return lead.activities.create(kind=kind, occurred_at=NOW - timedelta(days=days_ago), title=title)


def test_crossing_the_thresholds_makes_an_mql_with_the_trigger_as_why_now(policy, mid_lead):
    visit(mid_lead, days_ago=3)
    decisions.rescore(mid_lead, now=NOW)
    mid_lead.refresh_from_db()
    assert mid_lead.stage == Lead.Stage.NURTURE  # engagement 20 < 30

    activity, created = decisions.record_activity(
        mid_lead, now=NOW, kind=K.PRICING_PAGE, occurred_at=NOW - timedelta(hours=1), title="Prijzen",
        source_system="web", external_id="e-1",
    )
    mid_lead.refresh_from_db()
    assert created
    assert mid_lead.stage == Lead.Stage.MQL
    assert (mid_lead.fit_score, mid_lead.engagement_score, mid_lead.intent_tier) == (60, 40, "mid")
    assert mid_lead.scored_at == NOW and mid_lead.mql_at == NOW
    change = mid_lead.stage_changes.last()
    assert change.rule == "qualification policy v1"
    assert change.get_reason_display().startswith("fit 60 ≥ 40, engagement 40 ≥ 30")
    assert "“Prijzen”" in change.get_reason_display() and "20 Nov 2026 12:00" in change.get_reason_display()  # 11:00 UTC in Amsterdam


def test_the_same_activity_twice_changes_nothing(policy, mid_lead):
    fields = dict(kind=K.PRICING_PAGE, occurred_at=NOW, source_system="web", external_id="e-1")
    decisions.record_activity(mid_lead, now=NOW, **fields)
    changes = mid_lead.stage_changes.count()
    _activity, created = decisions.record_activity(mid_lead, now=NOW + timedelta(minutes=1), **fields)
    assert not created
    assert mid_lead.stage_changes.count() == changes
    mid_lead.refresh_from_db()
    assert mid_lead.scored_at == NOW


def test_a_disqualifier_moves_the_lead_to_disqualified_with_its_reason(policy, mid_lead):
    Disqualifier.objects.create(policy=policy, kind=DisqualifierKind.TOO_SMALL, value="500", reason="Fewer than 500 employees")
    visit(mid_lead)
    result = decisions.rescore(mid_lead, now=NOW)
    mid_lead.refresh_from_db()
    assert result.disqualifier == "Fewer than 500 employees"
    assert mid_lead.stage == Lead.Stage.DISQUALIFIED
    assert mid_lead.stage_changes.last().get_reason_display() == "Fewer than 500 employees"
    assert mid_lead.score_explanation[0] == {
        "kind": "disqualifier", "label": "Fewer than 500 employees", "points": 0,
        "match": {"on": "employees", "word": "120", "keyword": ""},
    }


def test_a_lead_sales_accepted_is_never_moved_by_a_score(policy, mid_lead, rep):
    mid_lead.move_to(Lead.Stage.SAL, by=rep, at=NOW - timedelta(days=1))
    Disqualifier.objects.create(policy=policy, kind=DisqualifierKind.TOO_SMALL, value="500")
    decisions.rescore(mid_lead, now=NOW)
    mid_lead.refresh_from_db()
    assert mid_lead.stage == Lead.Stage.SAL
    assert mid_lead.scored_at == NOW  # the score is kept up to date all the same


def test_an_mql_whose_score_drops_stays_an_mql(policy, mid_lead):
    policy.decay_points, policy.decay_after_days = -15, 30
    policy.save()
    visit(mid_lead), visit(mid_lead, days_ago=2)
    decisions.rescore(mid_lead, now=NOW)
    mid_lead.refresh_from_db()
    assert mid_lead.stage == Lead.Stage.MQL
    decisions.rescore(mid_lead, now=NOW + timedelta(days=60))
    mid_lead.refresh_from_db()
    assert mid_lead.engagement_score == 40 - 15
    assert mid_lead.stage == Lead.Stage.MQL


def test_high_intent_goes_to_sales_on_fit_alone(policy, lead):
    assert lead.conversion_action == "quote_request"
    decisions.rescore(lead, now=NOW)
    lead.refresh_from_db()
    assert lead.stage == Lead.Stage.MQL
    assert lead.stage_changes.last().get_reason_display() == "fit 60 ≥ 40"


def test_an_existing_customer_qualifies_with_one_touchpoint_and_is_marked_for_account_management(policy, mid_lead, company):
    company.is_customer = True
    company.save()
    visit(mid_lead, kind=K.CASE_STUDY, title="Case: Zuivel")  # engagement 10
    decisions.rescore(mid_lead, now=NOW)
    mid_lead.refresh_from_db()
    assert mid_lead.stage == Lead.Stage.MQL
    assert "existing customer: for account management" in mid_lead.stage_changes.last().get_reason_display()


def test_without_an_active_policy_nothing_is_scored(mid_lead):
    assert decisions.rescore(mid_lead, now=NOW) is None
    mid_lead.refresh_from_db()
    assert mid_lead.scored_at is None and mid_lead.stage == Lead.Stage.NEW


def test_saving_a_lead_in_the_admin_rescores_it(policy, client, revops_admin, mid_lead):
    client.force_login(revops_admin)
    response = client.post(
        f"/admin/leads/lead/{mid_lead.pk}/change/",
        {
            "first_name": "Pieter", "last_name": "de Vries", "email": mid_lead.email, "phone": "",
            "job_title": "Stagiair", "company": mid_lead.company_id, "channel": "google_ads",
            "campaign": "", "conversion_action": "download", "product_interest": "",
            "source_system": "", "external_id": "", "created_at_0": "2026-11-20", "created_at_1": "10:00:00",
            "owner": "", "team": "", "respond_by_0": "", "respond_by_1": "", "deal_value": "", "source_owner": "marketing",
            "stage_changes-TOTAL_FORMS": 0, "stage_changes-INITIAL_FORMS": 0,
            "activities-TOTAL_FORMS": 0, "activities-INITIAL_FORMS": 0,
            "changes-TOTAL_FORMS": 0, "changes-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    mid_lead.refresh_from_db()
    assert mid_lead.scored_at is not None
    assert mid_lead.fit_score == 35  # no longer a decision maker: 20 + 15


def test_qualifying_hands_the_lead_to_sales_in_the_same_transaction(policy, mid_lead, team, other_rep):
    from handoff.models import Assignment, Notification, RoutingRule

    mid_lead.owner = None
    mid_lead.save()
    RoutingRule.objects.create(name="Everyone to the team", position=50, target="team", team=team)

    decisions.record_activity(
        mid_lead, now=NOW, kind=K.PRICING_PAGE, occurred_at=NOW - timedelta(hours=1), title="Prijzen"
    )
    decisions.record_activity(
        mid_lead, now=NOW, kind=K.CASE_STUDY, occurred_at=NOW - timedelta(minutes=30), title="Case"
    )

    mid_lead.refresh_from_db()
    assert mid_lead.stage == Lead.Stage.MQL
    assert mid_lead.owner in team.members.all()
    assert mid_lead.respond_by is not None and mid_lead.respond_by > NOW
    assignment = Assignment.objects.get(lead=mid_lead)
    assert assignment.rule_name == "Everyone to the team"
    assert Notification.objects.filter(lead=mid_lead, recipient=mid_lead.owner).exists()


def test_a_disqualified_mql_leaves_sales_hands_at_once_its_clock_stops(policy, mid_lead, team):
    from handoff import handover
    from handoff.models import RoutingRule, SlaClock

    RoutingRule.objects.create(name="Everyone to the team", position=50, target="team", team=team)
    mid_lead.move_to(Lead.Stage.MQL, rule="qualification policy v1", at=NOW - timedelta(hours=1))
    handover.hand_over(mid_lead, now=NOW - timedelta(hours=1))
    assert mid_lead.respond_by is not None
    Disqualifier.objects.create(policy=policy, kind=DisqualifierKind.TOO_SMALL, value="500", reason="Too small")

    decisions.rescore(mid_lead, now=NOW)

    mid_lead.refresh_from_db()
    assert mid_lead.stage == Lead.Stage.DISQUALIFIED
    assert mid_lead.respond_by is None
    assert not SlaClock.objects.filter(lead=mid_lead).exists()
