"""Ingested activities and lead changes re-score their lead under the active policy, in the
request's transaction: a batch that tips a lead into MQL hands it to sales before it returns."""

from datetime import timedelta

import pytest
from django.utils import timezone

from handoff import clocks
from handoff.models import Assignment, Notification, RoutingRule, SlaClock
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
    assert "Case: Zuivelfabriek" in lead.stage_changes.last().get_reason_display()  # the newest is the trigger
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


# --- rising intent ------------------------------------------------------------------------


def newsletter_lead(api, company):
    """Fit 60 under the test policy, low intent: nurtured, however engaged."""
    return api.post(
        "/api/leads/",
        {
            "external_id": "crm-1", "first_name": "Pieter", "email": "pieter@vandermeer-machinebouw.nl",
            "job_title": "Hoofd engineering", "conversion_action": "newsletter",
            "company": {"name": company.name, "domain": company.domain},
        },
        format="json",
    )


def form(n, action, minutes_ago=1, title="Offerte aanvragen"):
    return {**batch_item(n, Activity.Kind.FORM_SUBMISSION, minutes_ago, title), "data": {"conversion_action": action}}


def test_a_newsletter_subscriber_who_asks_for_a_quote_becomes_a_high_intent_mql_at_once(api, company, policy, rep):
    newsletter_lead(api, company)
    lead = Lead.objects.get()
    assert (lead.stage, lead.intent_tier) == (Lead.Stage.NURTURE, "low")

    response = api.post("/api/activities/batch/", [form(1, "quote_request")], format="json")

    assert response.status_code == 201, response.json()
    lead.refresh_from_db()
    assert (lead.stage, lead.intent_tier, lead.owner) == (Lead.Stage.MQL, "high", rep)
    assert "Offerte aanvragen" in lead.stage_changes.last().get_reason_display()
    kinds = list(Notification.objects.filter(lead=lead).values_list("kind", flat=True))
    assert kinds == [Notification.Kind.ASSIGNED]  # the hand-over says it all: no second message
    assert lead.respond_by <= clocks.HandoffSettings.load().calendar().add_business_time(
        timezone.now(), timedelta(minutes=15)
    )


def test_a_form_of_a_low_intent_action_leaves_the_subscriber_in_nurture(api, company, policy):
    newsletter_lead(api, company)
    api.post("/api/activities/batch/", [form(1, "newsletter", title="Nieuwsbrief")], format="json")
    lead = Lead.objects.get()
    assert (lead.stage, lead.intent_tier) == (Lead.Stage.NURTURE, "low")


def test_a_mid_intent_mql_that_asks_for_a_demo_gets_the_sooner_deadline_and_its_owner_is_told(api, company, policy, rep):
    machinery_lead(api, company)
    api.post(
        "/api/activities/batch/",
        [batch_item(1, Activity.Kind.PRICING_PAGE, 30), batch_item(2, Activity.Kind.CASE_STUDY, 10)],
        format="json",
    )
    lead = Lead.objects.get()
    assert (lead.stage, lead.intent_tier) == (Lead.Stage.MQL, "mid")
    slower = lead.respond_by

    api.post("/api/activities/batch/", [batch_item(3, Activity.Kind.DEMO_REQUEST, 1, "Demo aanvragen")], format="json")

    lead.refresh_from_db()
    assert lead.intent_tier == "high"
    assert lead.respond_by < slower
    assert lead.sla_clock.kind == SlaClock.Kind.FIRST_CONTACT
    told = Notification.objects.get(lead=lead, kind=Notification.Kind.INTENT_ROSE)
    assert told.recipient == rep
    assert told.context["signal"] == "demo_request" and told.context["sooner"] is True
    assert told.context["due_by"] == lead.respond_by.isoformat()


def test_a_typeform_quote_form_from_a_known_subscriber_lifts_it_by_its_hidden_field(api, company, policy, rep):
    newsletter_lead(api, company)
    item = {
        **batch_item(1, Activity.Kind.FORM_SUBMISSION, 1, "Offerte"),
        "data": {"form_id": "abc", "answers": {}, "hidden": {"conversion_action": "quote_request"}},
    }
    api.post("/api/activities/batch/", [item], format="json")
    lead = Lead.objects.get()
    assert (lead.stage, lead.intent_tier) == (Lead.Stage.MQL, "high")


def test_the_owner_hears_of_a_pricing_page_visit_at_most_once_an_hour(api, company, policy, rep):
    machinery_lead(api, company)
    api.post(
        "/api/activities/batch/",
        [batch_item(1, Activity.Kind.PRICING_PAGE, 30), batch_item(2, Activity.Kind.CASE_STUDY, 10)],
        format="json",
    )
    lead = Lead.objects.get()
    strong = Notification.objects.filter(lead=lead, kind=Notification.Kind.STRONG_SIGNAL)

    api.post("/api/activities/batch/", [batch_item(3, Activity.Kind.PRICING_PAGE, 2)], format="json")
    api.post("/api/activities/batch/", [batch_item(4, Activity.Kind.PRICING_PAGE, 1)], format="json")
    assert strong.count() == 1
    assert strong.get().context["signal"] == "pricing_page"

    strong.update(created_at=timezone.now() - timedelta(minutes=61))
    api.post("/api/activities/batch/", [batch_item(5, Activity.Kind.PRICING_PAGE, 0)], format="json")
    assert strong.count() == 2


def test_a_second_form_is_a_strong_signal_and_a_page_visit_is_not(api, company, policy, rep):
    machinery_lead(api, company)
    api.post(
        "/api/activities/batch/",
        [batch_item(1, Activity.Kind.PRICING_PAGE, 30), batch_item(2, Activity.Kind.CASE_STUDY, 10)],
        format="json",
    )
    lead = Lead.objects.get()
    strong = Notification.objects.filter(lead=lead, kind=Notification.Kind.STRONG_SIGNAL)
    api.post("/api/activities/batch/", [batch_item(3, Activity.Kind.PAGE_VISIT, 1)], format="json")
    api.post("/api/activities/batch/", [form(4, "download", title="Whitepaper")], format="json")
    assert not strong.exists()  # the first form

    api.post("/api/activities/batch/", [form(5, "webinar", title="Webinar")], format="json")
    assert strong.get().context["signal"] == "second_form"


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


def test_in_a_batch_of_many_leads_only_the_owners_of_leads_with_sales_hear_of_a_pricing_page(api, company, policy, rep, other_rep):
    machinery_lead(api, company)
    api.post(
        "/api/activities/batch/",
        [batch_item(1, Activity.Kind.PRICING_PAGE, 30), batch_item(2, Activity.Kind.CASE_STUDY, 10)],
        format="json",
    )
    with_sales = Lead.objects.get()
    assert with_sales.stage == Lead.Stage.MQL
    # A subscriber in nurture with an owner: react() tells nobody about it.
    response = api.post(
        "/api/leads/",
        {"external_id": "crm-2", "email": "anna@vandermeer-machinebouw.nl", "conversion_action": "newsletter"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    Lead.objects.filter(external_id="crm-2").update(owner=other_rep)

    response = api.post(
        "/api/activities/batch/",
        [
            batch_item(3, Activity.Kind.PRICING_PAGE, 2),
            {**batch_item(4, Activity.Kind.PRICING_PAGE, 2), "lead": "crm-2"},
        ],
        format="json",
    )

    assert response.status_code == 201, response.json()
    strong = Notification.objects.filter(kind=Notification.Kind.STRONG_SIGNAL)
    assert Lead.objects.get(external_id="crm-2").stage == Lead.Stage.NURTURE
    assert list(strong.values_list("lead_id", "recipient__username")) == [(with_sales.pk, "rep")]
