"""integrations.privacy: one person's export and erasure, suppression at the way in, and the
retention period."""

import hashlib
import io
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from dashboard import metrics
from dashboard.tests.world import NOW, build_world, period
from handoff.models import Assignment, Notification
from integrations import ingest, privacy
from integrations.importer import HistoryImport
from integrations.models import Erasure, Suppression
from leads.models import Activity, ContactAttempt, Feedback, Lead, LeadChange, StageChange

from .conftest import english_client, issue_token

ADDRESS = "pieter.devries@vandermeer-machinebouw.nl"
MOMENT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def person(lead, rep, manager):
    """`lead` (Pieter, from HubSpot) with everything people and systems wrote about him, and
    a second lead under the same address in other case from another system."""
    Lead.objects.filter(pk=lead.pk).update(source_system="hubspot", external_id="hs-1", phone="+31 6 1234 5678")
    lead.refresh_from_db()
    lead.record_activity(
        kind=Activity.Kind.FORM_SUBMISSION, occurred_at=MOMENT, url="https://acme.nl/offerte?email=pieter",
        title="Offerte", data={"message": "Bel me op 06-12345678"},
    )
    lead.move_to(Lead.Stage.MQL, rule="score", reason="Pieter vroeg een offerte aan", at=MOMENT)
    ContactAttempt.objects.create(lead=lead, made_by=rep, channel="call", outcome="spoke", note="Pieter is op vakantie tot maandag")
    Feedback.objects.create(
        lead=lead, given_by=rep, disposition=Feedback.Disposition.WRONG_CONTACT, right_contact_name="Jan Jansen",
        quality="bad", quality_comment="Pieter is stagiair",
    )
    LeadChange.objects.create(lead=lead, changes={"phone": ["", "+31 6 1234 5678"], "deal_value": [None, "100.00"]})
    LeadChange.objects.create(lead=lead, changes={"email": ["p@old.nl", ADDRESS]})
    Assignment.objects.create(
        lead=lead, kind=Assignment.Kind.REASSIGNED, owner=rep, reason="Pieter kent Sanne van vroeger", assigned_at=MOMENT
    )
    Assignment.objects.create(lead=lead, kind=Assignment.Kind.RULE, owner=rep, reason="Regio Noord", assigned_at=MOMENT)
    Notification.objects.create(
        kind=Notification.Kind.REASSIGNED, recipient=rep, lead=lead,
        context={"reason": "Pieter kent Sanne", "by": "Manager", "due_by": MOMENT.isoformat()},
    )
    other = Lead.objects.create(email=ADDRESS.upper(), first_name="P.", source_system="typeform", external_id="tf-9")
    return lead, other


def test_the_export_holds_everything_about_the_person(person):
    lead, other = person
    data = json.loads(privacy.export_json(ADDRESS.title(), now=MOMENT))
    assert data["email"] == ADDRESS
    assert [entry["id"] for entry in data["leads"]] == [lead.pk, other.pk]
    first = data["leads"][0]
    assert first["phone"] == "+31 6 1234 5678"
    assert first["company"]["name"] == "Van der Meer Machinebouw B.V."
    assert first["owner"] == "rep"
    assert first["activities"][0]["data"] == {"message": "Bel me op 06-12345678"}
    assert first["stage_changes"][0]["reason"] == "Pieter vroeg een offerte aan"
    assert first["contact_attempts"][0]["note"] == "Pieter is op vakantie tot maandag"
    assert first["feedback"][0]["right_contact_name"] == "Jan Jansen"
    assert len(first["field_changes"]) == 2
    assert {a["reason"] for a in first["assignments"]} == {"Pieter kent Sanne van vroeger", "Regio Noord"}
    assert first["notifications"][0]["context"]["reason"] == "Pieter kent Sanne"


def test_an_unknown_address_exports_no_leads(db):
    assert privacy.export_person("nobody@example.nl", now=MOMENT)["leads"] == []


def test_erasure_empties_the_person_and_what_people_wrote(person, revops_admin):
    lead, other = person
    erasure = privacy.erase_person(ADDRESS, by=revops_admin, reference="Ticket 4711", now=MOMENT)

    for row in Lead.objects.filter(pk__in=[lead.pk, other.pk]):
        assert (row.first_name, row.last_name, row.email, row.phone, row.job_title, row.external_id) == ("",) * 6
    lead.refresh_from_db()
    assert (lead.stage, lead.company_id, lead.owner_id, lead.source_system) == (Lead.Stage.MQL, lead.company.pk, lead.owner_id, "hubspot")
    activity = Activity.objects.get(lead=lead)
    assert (activity.url, activity.data, activity.kind, activity.title) == ("", {}, Activity.Kind.FORM_SUBMISSION, "Offerte")
    assert StageChange.objects.get(lead=lead).reason == ""
    assert StageChange.objects.get(lead=lead).rule == "score"
    assert ContactAttempt.objects.get(lead=lead).note == ""
    feedback = Feedback.objects.get(lead=lead)
    assert (feedback.right_contact_name, feedback.quality_comment, feedback.quality) == ("", "", "bad")
    assert list(LeadChange.objects.filter(lead=lead).values_list("changes", flat=True)) == [{"deal_value": [None, "100.00"]}]
    assert sorted(Assignment.objects.filter(lead=lead).values_list("reason", flat=True)) == ["", "Regio Noord"]
    assert Notification.objects.get(lead=lead).context == {"by": "Manager", "due_by": MOMENT.isoformat()}

    assert (erasure.reason, erasure.erased_by, erasure.reference, erasure.lead_count) == (
        Erasure.Reason.REQUEST, revops_admin, "Ticket 4711", 2
    )
    assert erasure.counts == {
        "leads": 2, "activities": 1, "stage_changes": 1, "contact_attempts": 1, "feedback": 1,
        "assignments": 1, "field_changes": 2, "notifications": 1,
    }
    # The record holds no trace of the address but its hash.
    assert ADDRESS not in json.dumps(erasure.counts) + erasure.reference
    assert privacy.export_person(ADDRESS, now=MOMENT)["leads"] == []


def test_the_address_is_suppressed_as_a_hash(person, revops_admin):
    privacy.erase_person(ADDRESS, by=revops_admin, reference="", now=MOMENT)
    digests = set(Suppression.objects.values_list("kind", "digest"))
    assert (Suppression.Kind.EMAIL, hashlib.sha256(ADDRESS.encode()).hexdigest()) in digests
    assert (Suppression.Kind.EXTERNAL_ID, privacy.external_id_digest("hubspot", "hs-1")) in digests
    assert (Suppression.Kind.EXTERNAL_ID, privacy.external_id_digest("typeform", "tf-9")) in digests
    assert len(digests) == 3
    assert privacy.is_address_suppressed("  Pieter.DeVries@VanderMeer-Machinebouw.nl ")


def test_an_erased_person_is_not_recreated_by_the_next_sync(person, revops_admin):
    privacy.erase_person(ADDRESS, by=revops_admin, reference="", now=MOMENT)
    count = Lead.objects.count()
    with pytest.raises(privacy.Suppressed) as by_address:
        ingest.upsert_lead(source_system="marketo", external_id="mk-1", fields={"email": ADDRESS.upper(), "first_name": "Pieter"})
    assert by_address.value.field == "email"
    with pytest.raises(privacy.Suppressed) as by_id:
        ingest.upsert_lead(source_system="hubspot", external_id="hs-1", fields={"first_name": "Pieter"})
    assert by_id.value.field == "external_id"
    assert Lead.objects.count() == count
    # Someone else from the same system still comes in.
    _lead, created = ingest.upsert_lead(source_system="hubspot", external_id="hs-2", fields={"email": "anne@acme.nl"})
    assert created


def test_an_address_without_leads_can_be_suppressed(db, revops_admin):
    erasure = privacy.erase_person("Wie@Example.nl", by=revops_admin, reference="Brief 3 dec", now=MOMENT)
    assert erasure.lead_count == 0 and erasure.counts == {}
    assert privacy.is_address_suppressed("wie@example.nl")


def test_erasing_twice_is_harmless(person, revops_admin):
    privacy.erase_person(ADDRESS, by=revops_admin, reference="", now=MOMENT)
    again = privacy.erase_person(ADDRESS, by=revops_admin, reference="", now=MOMENT)
    assert again.lead_count == 0
    assert Suppression.objects.count() == 3
    assert Erasure.objects.count() == 2


def test_no_address_no_erasure(db, revops_admin):
    with pytest.raises(ValueError):
        privacy.erase_person("  ", by=revops_admin, reference="", now=MOMENT)
    assert Erasure.objects.count() == 0


def test_the_dashboards_figures_are_the_same_after_an_erasure(team, rep, other_rep, manager, revops_admin):
    world = build_world(team=team, rep=rep, other_rep=other_rep, manager=manager)
    won, lost = world.leads["A"], world.leads["B"]
    Lead.objects.filter(pk=won.pk).update(email="a@machinebouw.nl", first_name="Anna")
    Lead.objects.filter(pk=lost.pk).update(email="a@machinebouw.nl", first_name="Anna")
    filters = [period(), period(mode="activity"), period(by="owner"), period(channel="google_ads")]
    before = [metrics.dashboard(f, now=NOW) for f in filters]
    assert before[0].funnel.outcomes.revenue > 0 and before[0].funnel.outcomes.won > 0  # A is won, with a deal
    assert {won.pk, lost.pk} < commented_leads(before[0])  # reps wrote about them, and others

    erasure = privacy.erase_person("a@machinebouw.nl", by=revops_admin, reference="", now=NOW)

    assert erasure.lead_count == 2
    after = [metrics.dashboard(f, now=NOW) for f in filters]
    # Every figure is the same; only what reps wrote about the erased leads is gone.
    assert [replace(d, comments=[]) for d in after] == [replace(d, comments=[]) for d in before]
    assert commented_leads(after[0]) == commented_leads(before[0]) - {won.pk, lost.pk}


def commented_leads(dashboard) -> set[int]:
    return {c.feedback.lead_id for source in dashboard.comments for c in source.comments}


def test_suppressed_rows_are_found_in_one_query(db, revops_admin, django_assert_num_queries):
    privacy.erase_person("x@acme.nl", by=revops_admin, reference="", now=MOMENT)
    Suppression.objects.create(kind=Suppression.Kind.EXTERNAL_ID, digest=privacy.external_id_digest("crm", "c-7"))
    rows = [("c-1", "X@acme.nl"), ("c-7", ""), ("c-8", "y@acme.nl")]
    with django_assert_num_queries(1):
        assert privacy.suppressed_rows("crm", rows) == {"c-1": "email", "c-7": "external_id"}


# --- retention -----------------------------------------------------------------------------


def test_months_before_counts_calendar_months():
    assert privacy.months_before(datetime(2026, 3, 31, 8, tzinfo=UTC), 1) == datetime(2026, 2, 28, 8, tzinfo=UTC)
    assert privacy.months_before(datetime(2026, 1, 15, tzinfo=UTC), 13) == datetime(2024, 12, 15, tzinfo=UTC)
    assert privacy.months_before(datetime(2026, 1, 15, tzinfo=UTC), 0) == datetime(2026, 1, 15, tzinfo=UTC)


def aged(days: int, **fields) -> Lead:
    lead = Lead.objects.create(**fields)
    Lead.objects.filter(pk=lead.pk).update(updated_at=MOMENT - timedelta(days=days), created_at=MOMENT - timedelta(days=days))
    return lead


def test_retention_deletes_only_leads_untouched_for_the_period(db, rep):
    old = aged(400, first_name="Oud")
    fresh = aged(10, first_name="Nieuw")
    active = aged(400, first_name="Actief")
    active.record_activity(kind=Activity.Kind.PAGE_VISIT, occurred_at=MOMENT - timedelta(days=5))
    called = aged(400, first_name="Gebeld")
    ContactAttempt.objects.create(lead=called, made_by=rep, channel="call", outcome="spoke", made_at=MOMENT - timedelta(days=20))
    old.record_activity(kind=Activity.Kind.PAGE_VISIT, occurred_at=MOMENT - timedelta(days=500))
    Activity.objects.filter(lead=old).update(received_at=MOMENT - timedelta(days=500))

    deleted, more = privacy.apply_retention(months=12, now=MOMENT)

    assert (deleted, more) == (1, False)
    assert set(Lead.objects.values_list("pk", flat=True)) == {fresh.pk, active.pk, called.pk}
    assert not Activity.objects.filter(lead_id=old.pk).exists()
    erasure = Erasure.objects.get()
    assert (erasure.reason, erasure.lead_count, erasure.erased_by) == (Erasure.Reason.RETENTION, 1, None)
    assert erasure.untouched_since == datetime(2025, 11, 20, 12, 0, tzinfo=UTC)
    assert erasure.counts == {"activity": 1, "lead": 1}


def test_retention_works_in_bounded_batches(db):
    for n in range(5):
        aged(400, first_name=f"Oud {n}")
    assert privacy.apply_retention(months=6, now=MOMENT, batch=2) == (2, True)
    assert privacy.apply_retention(months=6, now=MOMENT, batch=2) == (2, True)
    assert privacy.apply_retention(months=6, now=MOMENT, batch=2) == (1, False)
    assert privacy.apply_retention(months=6, now=MOMENT, batch=2) == (0, False)
    assert Lead.objects.count() == 0
    assert list(Erasure.objects.order_by("id").values_list("lead_count", flat=True)) == [2, 2, 1]


def test_no_retention_period_deletes_nothing(db):
    aged(4000)
    assert privacy.apply_retention(months=0, now=MOMENT) == (0, False)
    assert Lead.objects.count() == 1 and Erasure.objects.count() == 0


# --- every way in refuses an erased person -------------------------------------------------


@pytest.fixture
def erased(db, revops_admin):
    return privacy.erase_person(ADDRESS, by=revops_admin, reference="", now=MOMENT)


def test_the_api_refuses_an_erased_address_with_a_400_that_says_why(erased, api, in_english):
    response = api.post("/api/leads/", {"external_id": "crm-1", "email": ADDRESS.upper()}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "email": ["This person's data was erased at their request; Handoff does not take it in again."]
    }
    assert not Lead.objects.exists()


def test_the_form_webhook_receives_an_erased_persons_submission_and_stores_nothing(erased, revops_admin):
    from .test_typeform import SAMPLE, URL

    _token, plain = issue_token(revops_admin, name="Typeform", source_system="typeform")
    response = english_client().post(f"{URL}?token={plain}", SAMPLE, format="json")
    assert response.status_code == 200
    assert response.json() == {"received": 1, "created": 0, "duplicates": 0, "suppressed": 1}
    assert (Lead.objects.count(), Activity.objects.count()) == (0, 0)


def test_the_csv_import_refuses_an_erased_persons_row(erased, in_english):
    header = "external_id,first_name,email,created_at\n"
    rows = f"A1,Pieter,{ADDRESS},2025-01-06\nA2,Anne,anne@acme.nl,2025-01-06\n"
    importer = HistoryImport(
        source_system="crm", column_map={}, value_map={}, skip_bad_rows=True, dry_run=False, now=MOMENT
    )
    report = importer.run(io.StringIO(header + rows))
    assert [(e.line, e.column) for e in report.errors] == [(2, "email")]
    assert "erased at their request" in report.errors[0].message
    assert list(Lead.objects.values_list("external_id", flat=True)) == ["A2"]


def test_activities_of_an_erased_lead_are_refused_and_say_why(person, revops_admin, api, in_english):
    privacy.erase_person(ADDRESS, by=revops_admin, reference="", now=MOMENT)
    event = {"lead": "hs-1", "external_id": "evt-1", "kind": "page_visit", "occurred_at": "2026-11-21T10:00:00Z"}
    response = api.post("/api/activities/", event, format="json")
    assert response.status_code == 400
    assert response.json() == {"lead": ["This person's data was erased at their request; Handoff does not take it in again."]}
    unknown = api.post("/api/activities/", {**event, "lead": "hs-404"}, format="json")
    assert unknown.json() == {"lead": ["No lead with external id hs-404 from hubspot; send the lead first."]}


def test_a_waiting_notification_about_an_erased_lead_still_composes_and_names_no_one(person, revops_admin, in_english):
    from handoff import notify

    lead, _other = person
    privacy.erase_person(ADDRESS, by=revops_admin, reference="", now=MOMENT)
    message = notify.compose(Notification.objects.select_related("lead__company").get(lead=lead))
    text = " ".join([message.subject, *(f"{label} {value}" for label, value in message.facts)])
    assert f"Lead {lead.pk}" in message.subject
    assert "Pieter" not in text and "1234" not in text and ADDRESS not in text


def test_erasure_empties_a_persons_words_inside_a_stored_message_and_keeps_the_policys(person, rep, revops_admin):
    from common.messages import message

    lead, _other = person
    lead.move_to(Lead.Stage.NURTURE, by=rep, reason=message("sales.reason_note", reason="x", note="Pieter belt zelf"), at=MOMENT)
    lead.move_to(Lead.Stage.MQL, rule="qualification policy v1", reason=message("score.fit_vs", fit=60, sign="≥", threshold=40), at=MOMENT)
    privacy.erase_person(ADDRESS, by=revops_admin, reference="Ticket 4712", now=MOMENT)

    by_rep, by_policy = StageChange.objects.filter(lead=lead).order_by("id")[1:]
    assert (by_rep.reason, by_rep.reason_message) == ("", None)
    assert by_policy.reason_message["code"] == "score.fit_vs"
