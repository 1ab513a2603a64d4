import copy
import json
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from integrations.typeform import channel_from_utm, utm_source_text
from leads.models import Activity, Campaign, Company, Lead

from .conftest import english_client, issue_token

SAMPLE = json.loads((Path(__file__).parent / "samples" / "typeform_form_response.json").read_text())
URL = "/api/webhooks/typeform/"


@pytest.fixture
def typeform(revops_admin):
    """Typeform cannot set headers: its webhook URL carries the token."""
    _token, plain = issue_token(revops_admin, name="Typeform", source_system="typeform")
    client = english_client()
    return lambda payload: client.post(f"{URL}?token={plain}", payload, format="json")


def test_the_sample_submission_becomes_a_lead_and_an_activity(typeform, company):
    response = typeform(SAMPLE)
    assert response.status_code == 201
    lead = Lead.objects.get()
    assert (lead.source_system, lead.external_id) == ("typeform", "pieter.devries@vandermeer-machinebouw.nl")
    assert (lead.first_name, lead.last_name, lead.phone) == ("Pieter", "de Vries", "+31612345678")
    assert lead.email == "pieter.devries@vandermeer-machinebouw.nl"
    assert lead.company == company  # matched by the e-mail's domain, not renamed
    assert (lead.channel, lead.campaign, lead.conversion_action) == ("google_ads", "verpakkingslijnen-voorjaar", "quote_request")
    assert lead.product_interest == "Verpakkingslijn"
    assert lead.source == "google / cpc"  # the UTM text as sent, beside the channel read from it
    assert lead.created_at == datetime(2026, 3, 2, 9, 12, 44, tzinfo=timezone.utc)
    activity = Activity.objects.get()
    assert (activity.kind, activity.title, activity.external_id) == ("form_submission", "Offerte aanvragen", "a3a12ec67a1365927098a606107fac15")
    assert activity.occurred_at == lead.created_at
    assert activity.data["answers"]["volume"] == "1200"
    assert activity.data["answers"]["privacy"] == "True"


def test_the_utm_campaign_links_the_campaign_of_that_name(typeform):
    campaign = Campaign.objects.create(name="Verpakkingslijnen-Voorjaar", starts_on=date(2026, 3, 1))
    typeform(SAMPLE)
    lead = Lead.objects.get()
    assert (lead.campaign, lead.linked_campaign) == ("verpakkingslijnen-voorjaar", campaign)
    assert lead.source_owner == "marketing"  # google_ads' default


def test_a_redelivered_submission_changes_nothing(typeform):
    typeform(SAMPLE)
    again = typeform(SAMPLE)
    assert again.status_code == 200
    assert again.json() == {"received": 1, "created": 0, "duplicates": 1}
    assert (Lead.objects.count(), Activity.objects.count()) == (1, 1)


def test_a_second_form_updates_the_lead_but_keeps_its_first_touch(typeform):
    typeform(SAMPLE)
    later = copy.deepcopy(SAMPLE)
    later["form_response"]["token"] = "b9"
    later["form_response"]["submitted_at"] = "2026-04-01T10:00:00Z"
    later["form_response"]["hidden"] = {"utm_source": "linkedin", "utm_medium": "paid_social"}
    later["form_response"]["answers"][0]["text"] = "Piet"
    typeform(later)
    lead = Lead.objects.get()
    assert lead.first_name == "Piet"
    assert (lead.channel, lead.conversion_action) == ("google_ads", "quote_request")
    assert lead.created_at == datetime(2026, 3, 2, 9, 12, 44, tzinfo=timezone.utc)
    assert lead.activities.count() == 2


def test_a_hidden_lead_id_is_the_external_id(typeform):
    payload = copy.deepcopy(SAMPLE)
    payload["form_response"]["hidden"]["lead_id"] = "hs-4711"
    typeform(payload)
    assert Lead.objects.get().external_id == "hs-4711"


def test_a_company_answer_creates_the_company_by_the_emails_domain(typeform):
    typeform(SAMPLE)
    assert Company.objects.values_list("name", "domain").get() == ("Van der Meer Machinebouw", "vandermeer-machinebouw.nl")


def test_a_response_without_email_or_lead_id_is_refused(typeform):
    payload = copy.deepcopy(SAMPLE)
    payload["form_response"]["answers"] = payload["form_response"]["answers"][:2]
    response = typeform(payload)
    assert response.status_code == 400
    assert "no e-mail answer and no lead_id" in response.json()["form_response"][0]
    assert Lead.objects.count() == 0


def test_another_event_type_is_refused(typeform):
    response = typeform({**SAMPLE, "event_type": "form_partial_response"})
    assert response.status_code == 400
    assert response.json() == {"event_type": ["Only form_response events are accepted."]}


def test_the_webhook_needs_the_ingest_scope(revops_admin):
    _token, plain = issue_token(revops_admin, can_ingest=False, can_read=True)
    response = english_client().post(f"{URL}?token={plain}", SAMPLE, format="json")
    assert response.status_code == 403


def test_the_webhook_accepts_the_token_in_a_header_too(api):
    assert api.post(URL, SAMPLE, format="json").status_code == 201


def test_the_webhook_without_a_token_gets_401(db):
    assert english_client().post(URL, SAMPLE, format="json").status_code == 401


@pytest.mark.parametrize(
    ("source", "medium", "channel"),
    [
        ("google", "cpc", "google_ads"),
        ("google", "organic", "organic"),
        ("facebook", "paid_social", "meta"),
        ("linkedin", "", "linkedin"),
        ("mailchimp", "email", "email"),
        ("partner.nl", "referral", "referral"),
        ("", "", "direct"),
        ("tiktok", "video", "other"),
    ],
)
def test_the_channel_comes_from_the_utm_parameters(source, medium, channel):
    assert channel_from_utm(source, medium) == channel


# Signed deliveries: Typeform signs the raw body with the form's secret (Typeform-Signature).

SECRET = "typeform-signing-secret-2026"


def sign(body: bytes, secret: str = SECRET) -> str:
    import base64
    import hashlib
    import hmac

    return "sha256=" + base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@pytest.fixture
def signed_typeform(revops_admin):
    _token, plain = issue_token(
        revops_admin, name="Typeform", source_system="typeform", typeform_signing_secret=SECRET
    )
    client = english_client()

    def post(body: bytes, **headers):
        return client.post(f"{URL}?token={plain}", body, content_type="application/json", headers=headers)

    return post


def test_a_correctly_signed_delivery_is_stored(signed_typeform):
    body = json.dumps(SAMPLE).encode()
    response = signed_typeform(body, **{"Typeform-Signature": sign(body)})
    assert response.status_code == 201
    assert Lead.objects.count() == 1


def test_an_unsigned_delivery_is_refused_and_nothing_stored(signed_typeform):
    response = signed_typeform(json.dumps(SAMPLE).encode())
    assert response.status_code == 401
    assert "Typeform-Signature" in response.json()["detail"]
    assert (Lead.objects.count(), Activity.objects.count()) == (0, 0)


def test_a_delivery_signed_with_another_secret_is_refused(signed_typeform):
    body = json.dumps(SAMPLE).encode()
    response = signed_typeform(body, **{"Typeform-Signature": sign(body, "someone-elses-secret")})
    assert response.status_code == 401
    assert Lead.objects.count() == 0


def test_a_changed_body_under_a_valid_signature_is_refused(signed_typeform):
    body = json.dumps(SAMPLE).encode()
    tampered = body.replace(b"Pieter", b"Mallory")
    response = signed_typeform(tampered, **{"Typeform-Signature": sign(body)})
    assert response.status_code == 401
    assert Lead.objects.count() == 0


def test_a_token_without_a_signing_secret_accepts_unsigned_deliveries(typeform):
    assert typeform(SAMPLE).status_code == 201


def test_a_subscribers_later_quote_form_lifts_it_by_the_hidden_field(typeform, company, team, rep):
    """Fit 35 without a title (machinery, 120 employees): enough for high intent at fit ≥ 30."""
    from handoff.models import RoutingRule
    from qualification.tests.conftest import make_policy

    policy = make_policy()
    policy.fit_threshold = 30
    policy.save()
    RoutingRule.objects.create(name="Everyone to the team", position=50, target="team", team=team)
    first = copy.deepcopy(SAMPLE)
    first["form_response"]["hidden"]["conversion_action"] = "newsletter"
    first["form_response"]["definition"]["title"] = "Nieuwsbrief"
    typeform(first)
    lead = Lead.objects.get()
    assert (lead.conversion_action, lead.intent_tier, lead.stage) == ("newsletter", "low", Lead.Stage.NURTURE)

    later = copy.deepcopy(SAMPLE)
    later["form_response"]["token"] = "quote-1"
    later["form_response"]["submitted_at"] = datetime.now(timezone.utc).isoformat()
    assert typeform(later).status_code == 201  # a new activity of the lead already known

    lead.refresh_from_db()
    assert lead.conversion_action == "newsletter"  # still its first touch
    assert (lead.intent_tier, lead.stage, lead.owner) == ("high", Lead.Stage.MQL, rep)


@pytest.mark.parametrize("source, medium, text", [
    ("Beurs-Utrecht", "offline", "Beurs-Utrecht / offline"),
    (" partner-x ", "", "partner-x"),
    ("", "", ""),
])
def test_the_original_source_keeps_the_utm_words_the_channel_collapses(source, medium, text):
    assert utm_source_text(source, medium) == text
