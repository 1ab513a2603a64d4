from datetime import date, datetime, timedelta, timezone

import pytest
from django.utils import translation

from handoff.card import NextStep, build_card, opening_line, qualifying_change, recommend_next_step
from leads.models import Activity, Campaign, Lead

T0 = datetime(2026, 5, 4, 10, 0, tzinfo=timezone.utc)
K = Activity.Kind


def activity(kind, title="", minutes=0):
    return Activity(kind=kind, title=title, occurred_at=T0 + timedelta(minutes=minutes))


def make_lead(**fields):
    defaults = dict(first_name="Anne", last_name="Visser", email="anne@visser-zuivel.nl", phone="+31 6 12345678")
    return Lead(**{**defaults, **fields})


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_quote_request_names_the_product():
    lead = make_lead(conversion_action="quote_request", product_interest="Robotcellen")
    assert opening_line(lead, []) == (
        "Hello Anne, thank you for your quote request for Robotcellen. Could you tell me a bit "
        "more about your line, so the quote fits?"
    )


def test_webinar_and_case_study_are_both_mentioned():
    lead = make_lead(conversion_action="webinar")
    line = opening_line(lead, [
        activity(K.CASE_STUDY, "Case: Zuivelfabriek Friesland", 1),
        activity(K.WEBINAR, "Webinar: Cobots in de food", 2),
    ])
    assert line == (
        "Hello Anne, you joined our webinar “Webinar: Cobots in de food” and read "
        "“Case: Zuivelfabriek Friesland”. Is that something you are working on as well?"
    )


def test_the_latest_download_is_the_one_mentioned():
    lead = make_lead(conversion_action="download")
    line = opening_line(lead, [activity(K.DOWNLOAD, "Old guide", 1), activity(K.DOWNLOAD, "Gids: retrofit", 9)])
    assert "“Gids: retrofit”" in line and "Old guide" not in line


def test_opening_line_in_dutch():
    lead = make_lead(conversion_action="newsletter")
    with translation.override("nl"):
        line = opening_line(lead, [activity(K.PRICING_PAGE)])
    assert line.startswith("Goedendag Anne")


def test_call_when_they_asked_for_contact_and_left_a_number():
    step, _ = recommend_next_step(make_lead(conversion_action="callback"), [])
    assert step == NextStep.CALL


def test_email_when_researching_without_asking():
    step, _ = recommend_next_step(make_lead(conversion_action="download"), [activity(K.DOWNLOAD)])
    assert step == NextStep.EMAIL


def test_call_after_a_pricing_page_visit():
    step, _ = recommend_next_step(make_lead(conversion_action="download"), [activity(K.PRICING_PAGE)])
    assert step == NextStep.CALL


def test_linkedin_without_number_and_with_a_personal_address():
    # Researching only: a request for contact is answered at the address they gave (below).
    lead = make_lead(phone="", email="anne1980@gmail.com", conversion_action="download")
    step, _ = recommend_next_step(lead, [])
    assert step == NextStep.LINKEDIN


def test_card_keeps_the_latest_activities_and_the_policys_explanation(lead):
    lead.score_explanation = [{"kind": "fit", "label": "Decision-maker title", "points": 25}]
    lead.fit_score, lead.temperature = 25, "warm"
    lead.save()
    lead.move_to(Lead.Stage.MQL, rule="qualification policy v2", reason="demo request tipped it", at=T0)
    activities = [activity(K.PAGE_VISIT, f"page {i}", i) for i in range(10)]

    card = build_card(lead, activities=activities, last_change=lead.stage_changes.last())

    assert [a.title for a in card.did] == [f"page {i}" for i in range(4, 10)]
    assert card.who.company == "Van der Meer Machinebouw B.V."
    assert card.who.sector == "Machinery & equipment"
    # 10:00 UTC is 12:00 in Amsterdam (summer time)
    assert card.why_now.summary == "MQL since 4 May 2026 12:00, by qualification policy v2: demo request tipped it"
    assert card.why_now.score_lines == [{"kind": "fit", "label": "Decision-maker title", "points": 25}]
    assert (card.why_now.temperature, card.why_now.temperature_label) == ("warm", "Warm")
    assert card.next_step == NextStep.EMAIL  # a quote request, but no phone number


def test_why_now_explains_the_qualifying_change_while_sales_works_the_lead(lead, rep):
    lead.intent_tier = "high"
    lead.move_to(Lead.Stage.MQL, rule="qualification policy", reason="fit 60", at=T0)
    lead.move_to(Lead.Stage.SAL, by=rep, at=T0 + timedelta(hours=1))
    changes = list(lead.stage_changes.all())

    card = build_card(lead, activities=[], last_change=qualifying_change(changes, lead))

    assert card.why_now.summary == "MQL since 4 May 2026 12:00, by qualification policy: fit 60"
    assert card.why_now.intent_tier == "High intent"
    assert card.next_step_label == "E-mail"


def test_a_lead_back_in_nurture_explains_its_latest_change(lead, rep):
    lead.move_to(Lead.Stage.MQL, rule="qualification policy", at=T0)
    lead.move_to(Lead.Stage.NURTURE, by=rep, reason="No urgency", at=T0 + timedelta(hours=1))

    assert qualifying_change(list(lead.stage_changes.all()), lead).to_stage == Lead.Stage.NURTURE
    assert qualifying_change([], lead) is None


def form(action, minutes=0):
    return Activity(kind=K.FORM_SUBMISSION, title="Formulier", data={"conversion_action": action}, occurred_at=T0 + timedelta(minutes=minutes))


@pytest.mark.parametrize("conversion, activities", [("demo_request", []), ("newsletter", [activity(K.DEMO_REQUEST, "Demo")])])
def test_a_demo_request_without_a_number_is_answered_by_email_proposing_times(conversion, activities):
    lead = make_lead(conversion_action=conversion, phone="", product_interest="Robotcellen")

    step, reason = recommend_next_step(lead, activities)
    line = opening_line(lead, activities)

    assert step == NextStep.EMAIL
    assert reason == "They asked for a demo and left no number: e-mail them today, proposing times for the demo."
    assert line == (
        "Hello Anne, thank you for your demo request for Robotcellen. I would like to plan it with you: "
        "would [day, time] or [day, time] suit you, and which problem should the demo solve for you?"
    )


def test_a_later_quote_form_without_a_number_is_answered_by_email_proposing_times():
    lead = make_lead(conversion_action="newsletter", phone="", email="anne@gmail.com")
    activities = [form("newsletter"), form("quote_request", 5)]

    step, reason = recommend_next_step(lead, activities)

    assert step == NextStep.EMAIL and "quote" in reason
    assert opening_line(lead, activities).startswith("Hello Anne, thank you for your quote request. So that the quote fits")


def test_the_newest_request_is_the_one_named():
    lead = make_lead(conversion_action="quote_request")
    line = opening_line(lead, [form("quote_request"), activity(K.DEMO_REQUEST, "Demo", 60)])
    assert line.startswith("Hello Anne, you asked for a demo")


def test_a_later_request_with_a_number_means_a_call():
    lead = make_lead(conversion_action="download")
    assert recommend_next_step(lead, [form("callback", 3)])[0] == NextStep.CALL


def test_a_campaign_lead_carries_the_campaigns_brief_and_what_to_expect(lead):
    lead.linked_campaign = Campaign.objects.create(
        name="Verpakking voorjaar", starts_on=date(2026, 3, 1), goal="Demo's van de nieuwe lijn",
        audience="Productiemanagers", offer="Gratis lijnscan", brief="Vraag naar hun huidige lijn.",
        expected_responses=40, expected_response_kind="demo_request",
    )
    card = build_card(lead, activities=[], last_change=None)
    assert card.campaign.name == "Verpakking voorjaar"
    assert (card.campaign.goal, card.campaign.audience, card.campaign.offer) == (
        "Demo's van de nieuwe lijn", "Productiemanagers", "Gratis lijnscan",
    )
    assert card.campaign.brief == "Vraag naar hun huidige lijn."
    assert card.campaign.expected == "40 responses expected (demo request)"


def test_what_to_expect_without_a_kind_and_for_one_response(lead):
    lead.linked_campaign = Campaign.objects.create(name="Beurs", starts_on=date(2026, 3, 1), expected_responses=1)
    assert build_card(lead, activities=[], last_change=None).campaign.expected == "1 response expected"
    lead.linked_campaign.expected_responses = None
    assert build_card(lead, activities=[], last_change=None).campaign.expected == ""


def test_a_lead_without_a_campaign_has_no_campaign_on_its_card(lead):
    lead.campaign = "iets dat niemand kent"
    assert build_card(lead, activities=[], last_change=None).campaign is None
