"""Disqualification is not a dead end: re-decided when the facts change, listed when the lead
asks for contact."""

from datetime import timedelta

import pytest
from django.urls import reverse

from integrations import ingest
from leads.models import Activity, Lead
from qualification import disqualified
from qualification.models import Disqualifier, QualificationPolicy
from qualification.scoring import LeadFacts
from qualification.tests.conftest import NOW
from qualification.vocabulary import DisqualifierKind

pytestmark = pytest.mark.django_db
K = Activity.Kind


@pytest.fixture
def students_out(policy):
    Disqualifier.objects.create(policy=policy, kind=DisqualifierKind.STUDENT, reason="Student or academic")
    return QualificationPolicy.objects.with_rules().get(pk=policy.pk).snapshot()


def send(title, *, email="jan@vandermeer-machinebouw.nl", now=NOW):
    lead, _created = ingest.upsert_lead(
        source_system="crm", external_id="42",
        fields={"email": email, "job_title": title, "conversion_action": "quote_request"},
        company={"name": "Van der Meer Machinebouw B.V.", "domain": "vandermeer-machinebouw.nl"},
        rescore_at=now,
    )
    return lead


def test_a_disqualified_lead_whose_title_changes_is_decided_again(students_out, company, fallback_owner):
    lead = send("Stagiair engineering")
    assert lead.stage == Lead.Stage.DISQUALIFIED

    lead = send("Hoofd engineering", now=NOW + timedelta(days=3))

    assert lead.stage == Lead.Stage.MQL  # a quote request with a good fit: straight to sales
    moves = list(lead.stage_changes.values_list("from_stage", "to_stage"))
    assert moves == [("new", "disqualified"), ("disqualified", "nurture"), ("nurture", "mql")]
    back = lead.stage_changes.get(to_stage=Lead.Stage.NURTURE)
    assert back.get_reason_display().startswith("No longer disqualified: the facts changed")
    assert back.rule == "qualification policy v1" and back.changed_at == NOW + timedelta(days=3)


def test_the_same_facts_sent_again_leave_the_lead_disqualified(students_out, company):
    send("Stagiair engineering")
    lead = send("Stagiair engineering", now=NOW + timedelta(days=1))
    assert lead.stage == Lead.Stage.DISQUALIFIED
    assert lead.stage_changes.count() == 1


def test_a_change_that_still_disqualifies_keeps_the_lead_disqualified(students_out, company):
    send("Stagiair engineering")
    lead = send("Afstudeerder R&D", now=NOW + timedelta(days=1))
    assert lead.stage == Lead.Stage.DISQUALIFIED


def test_a_lead_a_person_disqualified_stays_disqualified(students_out, lead, manager):
    lead.move_to(Lead.Stage.DISQUALIFIED, by=manager, reason="Not a buyer", at=NOW)
    assert not disqualified.redecide(lead, now=NOW, policy=students_out)
    lead.refresh_from_db()
    assert lead.stage == Lead.Stage.DISQUALIFIED


def test_only_the_facts_a_disqualifier_reads_count_as_changed():
    before = LeadFacts(job_title="Stagiair", employees=5)
    assert disqualified.facts_changed(before, LeadFacts(job_title="Stagiair", employees=50))
    assert disqualified.facts_changed(before, LeadFacts(job_title="Inkoper", employees=5))
    assert not disqualified.facts_changed(before, LeadFacts(job_title="Stagiair", employees=5, channel="meta"))


def activity(kind, event_id):
    return {"lead": "42", "kind": kind, "occurred_at": NOW, "external_id": event_id}


def test_a_disqualified_lead_that_asks_for_a_demo_goes_on_the_asking_list(students_out, company):
    lead = send("Stagiair engineering")
    ingest.ingest_activities(source_system="crm", items=[activity(K.PAGE_VISIT, "e1")], now=NOW)
    lead.refresh_from_db()
    assert lead.asking_at is None  # a page visit asks nothing

    later = NOW + timedelta(hours=2)
    ingest.ingest_activities(source_system="crm", items=[activity(K.DEMO_REQUEST, "e2")], now=later)

    lead.refresh_from_db()
    assert (lead.stage, lead.asking_at) == (Lead.Stage.DISQUALIFIED, later)
    listed = list(disqualified.asking(Lead.objects.all()))
    assert listed == [lead] and listed[0].disqualified_reason == "Student or academic"


def test_an_open_lead_that_asks_is_not_on_the_list(students_out, company):
    send("Hoofd engineering")
    ingest.ingest_activities(source_system="crm", items=[activity(K.DEMO_REQUEST, "e3")], now=NOW)
    assert not Lead.objects.exclude(asking_at=None).exists()


def test_a_request_whose_tier_the_policy_lowered_does_not_count(students_out, policy, company):
    policy.intent_tiers = {**policy.intent_tiers, "demo_request": "mid"}
    policy.save()
    send("Stagiair engineering")
    ingest.ingest_activities(source_system="crm", items=[activity(K.DEMO_REQUEST, "e4")], now=NOW)
    assert not Lead.objects.exclude(asking_at=None).exists()


def test_marketing_and_managers_read_the_asking_list_with_the_reason(client, students_out, company, marketer, manager, rep):
    lead = send("Stagiair engineering")
    Lead.objects.filter(pk=lead.pk).update(asking_at=NOW)
    client.force_login(marketer)
    page = client.get(reverse("qualification:asking"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert list(page.context["leads"]) == [lead]
    assert "Student or academic" in page.content.decode()
    client.force_login(manager)
    assert client.get(reverse("qualification:asking")).status_code == 200
    client.force_login(rep)
    assert client.get(reverse("qualification:asking")).status_code == 403
