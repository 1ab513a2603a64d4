"""Ingested activities and lead changes re-score their lead under the active policy, in the
request's transaction: a batch that tips a lead into MQL hands it to sales before it returns."""

from datetime import timedelta

import pytest
from django.utils import timezone

from handoff.models import Assignment, RoutingRule
from leads.models import Activity, Lead
from qualification.tests.conftest import make_policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy(db, team, rep):
    RoutingRule.objects.create(name="Everyone to the team", position=50, target="team", team=team)
    return make_policy()


def machinery_lead(api, company):
    """Fit 60 under the test policy (decision maker, machinery, 120 employees), mid intent."""
    return api.post(
        "/api/leads/",
        {
            "external_id": "crm-1", "first_name": "Pieter", "email": "pieter@vandermeer-machinebouw.nl",
            "job_title": "Hoofd engineering", "conversion_action": "download",
            "company": {"name": company.name, "domain": company.domain},
        },
        format="json",
    )


def batch_item(n, kind, minutes_ago, title=""):
    return {
        "lead": "crm-1", "external_id": f"evt-{n}", "kind": kind, "title": title,
        "occurred_at": (timezone.now() - timedelta(minutes=minutes_ago)).isoformat(),
    }


def test_a_batch_that_tips_the_lead_makes_it_an_mql_handed_to_sales(api, company, policy, rep):
    assert machinery_lead(api, company).status_code == 201
    lead = Lead.objects.get()
    assert (lead.fit_score, lead.engagement_score) == (60, 0)  # scored on arrival
    assert lead.stage == Lead.Stage.NURTURE

    response = api.post(
        "/api/activities/batch/",
        [
            batch_item(1, Activity.Kind.PRICING_PAGE, 30, "Prijzen"),
            batch_item(2, Activity.Kind.CASE_STUDY, 10, "Case: Zuivelfabriek"),
        ],
        format="json",
    )

    assert response.status_code == 201, response.json()
    lead.refresh_from_db()
    assert lead.stage == Lead.Stage.MQL
    assert lead.engagement_score == 30
    assert lead.owner == rep and lead.respond_by is not None
    assert "Case: Zuivelfabriek" in lead.stage_changes.last().reason  # the newest is the trigger
    assert Assignment.objects.get(lead=lead).rule_name == "Everyone to the team"


def test_replaying_the_batch_changes_nothing(api, company, policy):
    machinery_lead(api, company)
    items = [batch_item(1, Activity.Kind.PRICING_PAGE, 30), batch_item(2, Activity.Kind.CASE_STUDY, 10)]
    api.post("/api/activities/batch/", items, format="json")
    changes = Lead.objects.get().stage_changes.count()

    api.post("/api/activities/batch/", items, format="json")

    assert Lead.objects.get().stage_changes.count() == changes


def test_without_an_active_policy_ingestion_stores_but_does_not_score(api, company):
    machinery_lead(api, company)
    api.post("/api/activities/batch/", [batch_item(1, Activity.Kind.PRICING_PAGE, 5)], format="json")
    lead = Lead.objects.get()
    assert lead.scored_at is None and lead.stage == Lead.Stage.NEW
    assert lead.activities.count() == 1


def test_twelve_demo_requests_in_one_batch_take_turns_in_a_four_person_team(api, company, policy, team, rep, other_rep):
    from collections import Counter

    from common.roles import Role
    from conftest import make_user

    for name in ("third", "fourth"):
        team.members.add(make_user(name, Role.SALES_REP))
    for n in range(12):
        response = api.post(
            "/api/leads/",
            {
                "external_id": f"crm-{n}", "first_name": "Pieter", "email": f"p{n}@vandermeer-machinebouw.nl",
                "job_title": "Hoofd engineering", "conversion_action": "demo_request",
                "company": {"name": company.name, "domain": company.domain},
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
    items = [
        {**batch_item(2 * n + k, kind, 5), "lead": f"crm-{n}"}
        for n in range(12)
        for k, kind in enumerate([Activity.Kind.PRICING_PAGE, Activity.Kind.CASE_STUDY])
    ]

    response = api.post("/api/activities/batch/", items, format="json")

    assert response.status_code == 201, response.json()
    assert Lead.objects.filter(stage=Lead.Stage.MQL).count() == 12
    assert Counter(Lead.objects.values_list("owner__username", flat=True)) == {"rep": 3, "otherrep": 3, "third": 3, "fourth": 3}
