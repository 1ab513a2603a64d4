"""The lead page at /leads/<id>/: the handoff card, the history and the forms."""

from datetime import date, datetime, timedelta, timezone

import pytest
from django.urls import reverse

from leads.models import Activity, Campaign, Feedback, Lead
from sales import actions

S = Lead.Stage
T0 = datetime(2026, 5, 4, 10, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def mql(lead, company):
    company.is_customer = True
    company.save()
    lead.phone = "+31 6 12345678"
    lead.fit_score, lead.engagement_score, lead.intent_tier = 55, 40, "mid"
    lead.score_explanation = [
        {"kind": "fit", "label": "Decision-maker title", "points": 25},
        {"kind": "decay", "label": "Quiet for 30 days", "points": -10},
    ]
    lead.conversion_action = "webinar"
    lead.save()
    lead.record_activity(kind=Activity.Kind.WEBINAR, title="Cobots in de food", occurred_at=T0, data={"attended": True})
    lead.record_activity(kind=Activity.Kind.CASE_STUDY, title="Zuivelfabriek Friesland", occurred_at=T0 + timedelta(hours=1))
    lead.move_to(S.MQL, rule="qualification policy v2", reason="fit and engagement met", at=T0 + timedelta(hours=2))
    return lead


def url(lead):
    return reverse("leads:detail", args=[lead.pk])


def test_card_shows_who_what_why_and_next_step(client, rep, mql):
    client.force_login(rep)
    page = client.get(url(mql)).content.decode()

    assert "Pieter de Vries, <span>Hoofd engineering</span>" in page
    assert "Van der Meer Machinebouw B.V." in page and "120 employees" in page
    assert "Machinery &amp; equipment" in page
    assert "Existing customer" in page
    assert "MQL since 4 May 2026 14:00, by qualification policy v2: fit and engagement met" in page
    assert "+25</span> Decision-maker title" in page and "-10</span> Quiet for 30 days" in page
    assert "Mid intent" in page
    assert "you joined our webinar “Cobots in de food” and read “Zuivelfabriek Friesland”" in page
    assert '<span class="badge warn">Call</span>' in page
    assert "<dt>attended</dt><dd>yes</dd>" in page


def test_unscored_lead_says_so_instead_of_showing_numbers(client, rep, lead):
    client.force_login(rep)
    page = client.get(url(lead)).content.decode()
    assert "Not scored by the qualification policy yet." in page
    assert "Fit <strong>" not in page


def test_why_now_explains_the_mql_after_sales_accepted_it(client, rep, mql):
    actions.accept(mql, by=rep)
    client.force_login(rep)
    assert "MQL since 4 May 2026 14:00" in client.get(url(mql)).content.decode()


def test_owner_gets_all_forms_with_the_version(client, rep, mql):
    client.force_login(rep)
    response = client.get(url(mql))
    context = response.context
    assert {"accept_form", "reject_form", "outcome_form", "feedback_form"} <= set(context.keys())
    assert context["outcome_form"]["version"].value() == mql.version
    assert context["feedback_form"]["version"].value() == mql.version
    assert context["outcome_form"]["channel"].value() == "call"  # the card's next step
    page = response.content.decode()
    assert f'action="{reverse("leads:outcome", args=[mql.pk])}"' in page
    assert f'action="{reverse("leads:feedback", args=[mql.pk])}"' in page
    # The one-step outcome comes first, before accepting or rejecting on their own.
    assert page.index('id="outcome"') < page.index(f'action="{reverse("leads:accept", args=[mql.pk])}"')


def test_an_sal_has_no_accept_button(client, rep, mql):
    actions.accept(mql, by=rep)
    client.force_login(rep)
    context = client.get(url(mql)).context
    assert "accept_form" not in context and "feedback_form" in context


def test_a_closed_lead_offers_no_actions(client, rep, mql):
    mql.move_to(S.DISQUALIFIED, by=rep)
    client.force_login(rep)
    response = client.get(url(mql))
    assert "feedback_form" not in response.context
    assert "nothing for sales to do here now" in response.content.decode()


def test_marketing_reads_but_gets_no_forms(client, marketer, mql):
    client.force_login(marketer)
    response = client.get(url(mql))
    assert response.status_code == 200
    assert "feedback_form" not in response.context
    assert "<form method=\"post\" action=\"/leads/" not in response.content.decode()
    assert "Read-only" in response.content.decode()


@pytest.mark.parametrize("persona, status", [("rep", 200), ("manager", 200), ("revops_admin", 200), ("marketer", 200), ("other_rep", 403), ("outsider", 403)])
def test_who_may_open_the_lead_page(client, request, mql, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url(mql)).status_code == status


def test_missing_lead_is_404(client, rep):
    client.force_login(rep)
    assert client.get(reverse("leads:detail", args=[999_999])).status_code == 404


def test_history_shows_owner_changes_by_routing_reassignment_and_the_admin(client, rep, other_rep, manager, revops_admin, mql):
    from handoff import handover
    from handoff.models import Assignment

    Assignment.objects.create(lead=mql, kind="rule", owner=rep, rule_name="Brabant", reason="region Noord-Brabant", assigned_at=T0 + timedelta(hours=2))
    handover.reassign(mql, to=other_rep, by=manager, reason="Rep is on a trade fair", now=T0 + timedelta(hours=3))
    mql.refresh_from_db()
    mql.owner = rep
    mql.save_logged(["owner"], by=revops_admin, at=T0 + timedelta(hours=4))  # as the admin saves it
    client.force_login(manager)

    page = client.get(url(mql)).content.decode()

    history = page[page.index('id="history-title"'):page.index('id="activity-title"')]
    assert (
        history.index("owner: Otherrep → Rep")
        < history.index("owner: Rep → Otherrep")
        < history.index("owner: — → Rep")
    )
    assert "Reassigned by a manager: Rep is on a trade fair" in history
    assert "Routing rule: region Noord-Brabant" in history
    assert "15:00</time> · Manager" in history and "14:00</time> · Brabant" in history
    assert "16:00</time> · Revops" in history


def test_history_shows_every_change_with_who_and_before_after(client, rep, mql):
    actions.accept(mql, by=rep, at=T0 + timedelta(hours=3))
    actions.log_attempt(mql, by=rep, channel="call", outcome="voicemail", note="left a message", at=T0 + timedelta(hours=4))
    actions.give_feedback(mql, Feedback(disposition="no_fit", no_fit_reason="too_small", quality="bad"), by=rep, at=T0 + timedelta(hours=5))
    client.force_login(rep)

    page = client.get(url(mql)).content.decode()

    history = page[page.index('id="history-title"'):page.index('id="activity-title"')]
    # newest first
    assert (
        history.index("Disqualified</span>")
        < history.index("contact attempts: 0 → 1")
        < history.index("MQL</span> → ")
        < history.index("New</span> → ")
    )
    assert "No fit: Too small" in history
    assert "first contact attempt: — → 4 May 2026 16:00" in history
    assert "16:00</time> · Rep" in history
    assert "Call: Voicemail</strong> — left a message" in page
    assert "<strong>No fit</strong>: Too small" in page


def test_the_card_shows_the_campaigns_brief_and_what_to_expect(client, rep, mql):
    mql.linked_campaign = Campaign.objects.create(
        name="Cobots voorjaar", starts_on=date(2026, 4, 1), goal="Webinarbezoekers naar een demo",
        offer="Gratis haalbaarheidsscan", brief="Vraag welke lijn ze willen automatiseren.",
        expected_responses=25, expected_response_kind="webinar",
    )
    mql.save()
    client.force_login(rep)
    page = " ".join(client.get(url(mql)).content.decode().split())
    assert "Campaign: Cobots voorjaar" in page
    assert "Gratis haalbaarheidsscan" in page
    assert "25 responses expected (webinar)" in page
    assert "Vraag welke lijn ze willen automatiseren." in page
