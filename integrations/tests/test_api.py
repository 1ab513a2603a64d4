from datetime import date, datetime, timedelta, timezone

from leads.models import Activity, Campaign, ChannelSourceOwner, Company, Lead

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def send_lead(api, **fields):
    return api.post("/api/leads/", {"external_id": "crm-1", **fields}, format="json")


def activity(n: int, lead: str = "crm-1", **fields) -> dict:
    return {
        "lead": lead,
        "external_id": f"evt-{n}",
        "kind": "page_visit",
        "occurred_at": (T0 + timedelta(minutes=n)).isoformat(),
        "url": f"https://www.acme.nl/producten/{n}",
        **fields,
    }


def test_posting_a_lead_creates_it_under_the_tokens_source_system(api):
    response = send_lead(api, first_name="Anne", email="anne@acme.nl", channel="linkedin")
    assert response.status_code == 201
    lead = Lead.objects.get()
    assert (lead.source_system, lead.external_id, lead.first_name, lead.channel) == ("hubspot", "crm-1", "Anne", "linkedin")
    assert response.json()["id"] == lead.pk


def test_a_lead_keeps_its_original_source_and_lost_reason(api):
    response = send_lead(api, channel="other", source="Partnerportaal / webinar", lost_reason="timing")
    assert response.status_code == 201
    lead = Lead.objects.get()
    assert (lead.channel, lead.source, lead.lost_reason) == ("other", "Partnerportaal / webinar", "timing")
    assert (response.json()["source"], response.json()["lost_reason"]) == ("Partnerportaal / webinar", "timing")


def test_an_unknown_lost_reason_is_refused_and_nothing_stored(api):
    response = send_lead(api, lost_reason="too expensive")
    assert response.status_code == 400
    assert "lost_reason" in response.json()
    assert not Lead.objects.exists()


def test_resending_a_lead_updates_it_and_never_duplicates(api):
    send_lead(api, first_name="Anne", email="anne@acme.nl", created_at="2026-03-01T08:00:00Z")
    response = send_lead(api, job_title="Inkoper", created_at="2026-03-05T08:00:00Z")
    assert response.status_code == 200
    lead = Lead.objects.get()
    # Fields left out stay; the arrival time is set once.
    assert (lead.first_name, lead.email, lead.job_title) == ("Anne", "anne@acme.nl", "Inkoper")
    assert lead.created_at == datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)


def spring_campaign() -> Campaign:
    return Campaign.objects.create(name="Verpakking voorjaar", channel="google_ads", starts_on=date(2026, 3, 1))


def test_a_lead_is_linked_to_the_campaign_its_campaign_text_names_in_any_capitals(api):
    campaign = spring_campaign()
    response = send_lead(api, campaign="verpakking VOORJAAR")
    lead = Lead.objects.get()
    assert (lead.campaign, lead.linked_campaign) == ("verpakking VOORJAAR", campaign)  # the text kept as given
    assert response.json()["campaign_id"] == campaign.pk


def test_a_campaign_text_no_campaign_matches_links_none(api):
    spring_campaign()
    response = send_lead(api, campaign="najaar")
    assert Lead.objects.get().linked_campaign is None
    assert response.json()["campaign_id"] is None


def test_a_lead_is_linked_by_campaign_id_and_takes_its_name_as_text(api):
    campaign = spring_campaign()
    send_lead(api, campaign_id=campaign.pk)
    lead = Lead.objects.get()
    assert (lead.campaign, lead.linked_campaign) == ("Verpakking voorjaar", campaign)


def test_an_unknown_campaign_id_is_refused_and_nothing_stored(api):
    response = send_lead(api, campaign_id=999)
    assert response.status_code == 400
    assert "campaign_id" in response.json()
    assert not Lead.objects.exists()


def test_a_new_lead_gets_its_channels_default_source_owner(api):
    ChannelSourceOwner.objects.update_or_create(channel="event", defaults={"source_owner": "partner"})
    send_lead(api, channel="event")
    send_lead(api, external_id="crm-2", channel="referral")
    send_lead(api, external_id="crm-3", channel="linkedin")
    owners = dict(Lead.objects.values_list("external_id", "source_owner"))
    assert owners == {"crm-1": "partner", "crm-2": "referral", "crm-3": "marketing"}


def test_the_sender_sets_the_source_owner_and_a_resend_without_one_keeps_it(api):
    response = send_lead(api, channel="linkedin", source_owner="sales")
    assert response.json()["source_owner"] == "sales"
    send_lead(api, channel="referral", first_name="Anne")
    assert Lead.objects.get().source_owner == "sales"  # defaults apply to new leads only


def test_an_unknown_source_owner_is_refused(api):
    response = send_lead(api, source_owner="intern")
    assert response.status_code == 400
    assert "source_owner" in response.json()
    assert not Lead.objects.exists()


def test_the_company_is_matched_by_web_domain(api, company):
    send_lead(api, company={"name": "VDM", "domain": "https://www.VanderMeer-Machinebouw.nl/"})
    lead = Lead.objects.get()
    assert lead.company == company
    assert Company.objects.count() == 1
    company.refresh_from_db()
    assert company.name == "Van der Meer Machinebouw B.V."  # a form does not rename it


def test_a_new_company_is_created_with_its_domain(api):
    send_lead(api, company={"name": "Acme BV", "domain": "acme.nl", "sector": "food"})
    assert Company.objects.values_list("name", "domain", "sector").get() == ("Acme BV", "acme.nl", "food")


def test_a_business_email_links_a_known_company(api, company):
    send_lead(api, email="pieter@vandermeer-machinebouw.nl")
    assert Lead.objects.get().company == company


def test_a_free_mail_address_links_no_company(api, company):
    send_lead(api, email="pieter@gmail.com")
    assert Lead.objects.get().company is None


def test_an_invalid_lead_gets_400_with_messages_per_field(api):
    response = api.post("/api/leads/", {"email": "not-an-address", "channel": "tv", "company": {"employees": -1}}, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"external_id", "email", "channel", "company"}
    assert errors["channel"] == ['"tv" is not a valid choice.']
    assert "employees" in errors["company"]
    assert Lead.objects.count() == 0


def test_one_activity_is_stored_once(api):
    send_lead(api)
    first = api.post("/api/activities/", activity(1, title="Prijzen"), format="json")
    again = api.post("/api/activities/", activity(1, title="Prijzen"), format="json")
    assert first.status_code == 201 and first.json() == {"received": 1, "created": 1, "duplicates": 0}
    assert again.status_code == 200 and again.json() == {"received": 1, "created": 0, "duplicates": 1}
    stored = Activity.objects.get()
    assert (stored.lead.external_id, stored.source_system, stored.external_id, stored.title) == ("crm-1", "hubspot", "evt-1", "Prijzen")


def test_an_activity_for_an_unknown_lead_is_refused(api):
    response = api.post("/api/activities/", activity(1, lead="nobody"), format="json")
    assert response.status_code == 400
    assert response.json() == {"lead": ["No lead with external id nobody from hubspot; send the lead first."]}


def test_a_batch_is_stored_and_replays_are_skipped(api):
    send_lead(api)
    response = api.post("/api/activities/batch/", [activity(n) for n in range(5)], format="json")
    assert response.status_code == 201
    assert response.json() == {"received": 5, "created": 5, "duplicates": 0}
    replay = api.post("/api/activities/batch/", [activity(n) for n in range(3, 8)], format="json")
    assert replay.json() == {"received": 5, "created": 3, "duplicates": 2}
    assert Activity.objects.count() == 8


def test_a_batch_with_bad_items_is_rejected_whole_with_every_items_errors(api):
    send_lead(api)
    batch = [activity(0), activity(1, kind="phone_call"), activity(2), activity(3, lead="nobody"), {"lead": "crm-1"}]
    response = api.post("/api/activities/batch/", batch, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "3 items are invalid; nothing was stored."
    assert [item["index"] for item in body["items"]] == [1, 3, 4]
    assert body["items"][0]["errors"] == {"kind": ['"phone_call" is not a valid choice.']}
    assert body["items"][1]["errors"] == {"lead": ["No lead with external id nobody from hubspot; send the lead first."]}
    assert set(body["items"][2]["errors"]) == {"external_id", "kind", "occurred_at"}
    assert Activity.objects.count() == 0


def test_a_batch_of_only_unknown_leads_is_rejected(api):
    send_lead(api)
    response = api.post("/api/activities/batch/", [activity(0), activity(1, lead="x")], format="json")
    assert response.status_code == 400
    assert [item["index"] for item in response.json()["items"]] == [1]
    assert Activity.objects.count() == 0


def test_a_batch_holds_at_most_1000_activities(api):
    send_lead(api)
    response = api.post("/api/activities/batch/", [activity(n) for n in range(1001)], format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Send between 1 and 1000 activities."]}


def test_a_batch_must_be_a_list(api):
    response = api.post("/api/activities/batch/", {"lead": "crm-1"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Send a JSON list of activities."]}


def test_text_with_nul_characters_is_refused_not_crashed_on(api):
    send_lead(api)
    response = api.post("/api/activities/batch/", [activity(0, data={"answer": "a\x00b"})], format="json")
    assert response.status_code == 400
    assert response.json()["items"][0]["errors"] == {"data": ["Text may not contain NUL characters."]}


def test_leads_of_another_integration_are_not_reachable_by_external_id(api, revops_admin):
    from .conftest import english_client, issue_token

    send_lead(api)
    _token, plain = issue_token(revops_admin, name="Typeform", source_system="typeform")
    other = english_client()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    response = other.post("/api/activities/", activity(1), format="json")
    assert response.status_code == 400
    assert Activity.objects.count() == 0


def make_lead(external_id: str, **fields) -> Lead:
    return Lead.objects.create(source_system="hubspot", external_id=external_id, **fields)


def test_leads_are_listed_with_filters(reader, rep, other_rep):
    make_lead("a", stage=Lead.Stage.MQL, channel="linkedin", owner=rep)
    make_lead("b", stage=Lead.Stage.SQL, channel="linkedin", owner=other_rep)
    make_lead("c", stage=Lead.Stage.MQL, channel="meta")

    def ids(query: str) -> list[str]:
        response = reader.get(f"/api/leads/?{query}")
        assert response.status_code == 200
        return [lead["external_id"] for lead in response.json()["results"]]

    assert ids("") == ["a", "b", "c"]
    assert ids("stage=mql") == ["a", "c"]
    assert ids("stage=mql&stage=sql&channel=linkedin") == ["a", "b"]
    assert ids(f"owner={other_rep.username}") == ["b"]
    assert ids("external_id=c") == ["c"]


def test_leads_are_listed_by_source_owner_and_campaign_with_both(reader):
    campaign = spring_campaign()
    make_lead("a", source_owner="partner", campaign=campaign.name, linked_campaign=campaign)
    make_lead("b", source_owner="sales")
    make_lead("c")

    def listed(query: str) -> dict:
        response = reader.get(f"/api/leads/?{query}")
        assert response.status_code == 200
        return {lead["external_id"]: (lead["source_owner"], lead["campaign_id"]) for lead in response.json()["results"]}

    assert listed("source_owner=partner&source_owner=sales") == {"a": ("partner", campaign.pk), "b": ("sales", None)}
    assert listed(f"campaign_id={campaign.pk}") == {"a": ("partner", campaign.pk)}
    assert reader.get("/api/leads/?source_owner=intern").status_code == 400
    assert reader.get("/api/leads/?campaign_id=-1.2e229").status_code == 400


def test_a_listed_lead_carries_its_temperature(reader):
    make_lead("hot", temperature="hot", fit_score=60, engagement_score=40)
    make_lead("unscored")
    leads = {lead["external_id"]: lead for lead in reader.get("/api/leads/").json()["results"]}
    assert (leads["hot"]["temperature"], leads["unscored"]["temperature"]) == ("hot", "")


def test_leads_updated_since_a_moment(reader):
    old, new = make_lead("old"), make_lead("new")
    Lead.objects.filter(pk=old.pk).update(updated_at=T0)
    Lead.objects.filter(pk=new.pk).update(updated_at=T0 + timedelta(days=2))
    response = reader.get("/api/leads/", {"updated_since": (T0 + timedelta(days=1)).isoformat()})
    assert [lead["external_id"] for lead in response.json()["results"]] == ["new"]


def test_a_bad_filter_value_gets_400(reader):
    response = reader.get("/api/leads/?stage=maybe&updated_since=yesterday")
    assert response.status_code == 400
    assert set(response.json()) == {"stage", "updated_since"}


def test_the_lead_list_is_paginated(reader):
    for n in range(3):
        make_lead(f"l{n}")
    first = reader.get("/api/leads/?page_size=2").json()
    second = reader.get(first["next"]).json()
    assert "count" not in first  # a cursor list counts nothing
    assert [lead["external_id"] for lead in first["results"]] == ["l0", "l1"]
    assert [lead["external_id"] for lead in second["results"]] == ["l2"]
    assert second["next"] is None


def test_a_leads_history_lists_stage_changes_and_activities(reader, rep):
    lead = make_lead("h")
    lead.move_to(Lead.Stage.MQL, rule="qualification policy", reason="fit", at=T0)
    lead.move_to(Lead.Stage.SAL, by=rep, at=T0 + timedelta(hours=1))
    lead.record_activity(kind=Activity.Kind.PRICING_PAGE, occurred_at=T0, url="https://acme.nl/prijzen")
    response = reader.get(f"/api/leads/{lead.pk}/history/")
    assert response.status_code == 200
    body = response.json()
    assert body["lead"]["stage"] == "sal"
    assert [(c["from_stage"], c["to_stage"], c["changed_by"]) for c in body["stage_changes"]] == [("new", "mql", None), ("mql", "sal", "rep")]
    assert [a["kind"] for a in body["activities"]] == ["pricing_page"]


def test_an_unknown_lead_has_no_history(reader):
    assert reader.get("/api/leads/999/history/").status_code == 404


def test_moments_with_offsets_postgresql_refuses_are_normalised_not_crashed_on(api, reader):
    send_lead(api)
    assert reader.get("/api/leads/", {"updated_since": "2016-03-03T17:39:11+19:52"}).status_code == 200
    assert reader.get("/api/leads/", {"updated_since": "0001-01-01T00:00:00+05:00"}).status_code == 400
    stored = api.post("/api/activities/", activity(1, occurred_at="2026-03-02T09:00:00+19:52"), format="json")
    assert stored.status_code == 201
    assert Activity.objects.get().occurred_at == datetime(2026, 3, 1, 13, 8, tzinfo=timezone.utc)
    too_early = api.post("/api/activities/", activity(2, occurred_at="0001-01-01T00:00:00+05:00"), format="json")
    assert too_early.status_code == 400
