from datetime import date
from decimal import Decimal

import pytest

from leads.models import Campaign, Lead

pytestmark = pytest.mark.usefixtures("in_english")

FORM = {
    "name": "Verpakking voorjaar",
    "channel": "google_ads",
    "starts_on": "2026-03-01",
    "ends_on": "2026-04-30",
    "goal": "Demo's voor de nieuwe verpakkingslijn",
    "audience": "Productiemanagers in de voedingsmiddelenindustrie",
    "offer": "Gratis lijnscan",
    "expected_responses": "40",
    "expected_response_kind": "demo_request",
    "brief": "Ze vroegen om een lijnscan: vraag naar hun huidige lijn en de capaciteit.",
    "budget": "2500.00",
}


def test_marketing_creates_a_campaign_and_the_leads_with_its_name_are_linked(client, marketer):
    named = Lead.objects.create(campaign="VERPAKKING VOORJAAR")
    other = Lead.objects.create(campaign="najaar")
    client.force_login(marketer)
    response = client.post("/campaigns/new/", FORM)
    assert response.status_code == 302
    campaign = Campaign.objects.get()
    assert (campaign.name, campaign.budget, campaign.expected_responses) == ("Verpakking voorjaar", Decimal("2500.00"), 40)
    named.refresh_from_db()
    other.refresh_from_db()
    assert (named.linked_campaign, other.linked_campaign) == (campaign, None)
    page = client.get("/campaigns/")
    assert "1 leads with its name are now linked" in page.content.decode()
    assert "Verpakking voorjaar" in page.content.decode()


def test_revops_edits_a_campaign(client, revops_admin):
    campaign = Campaign.objects.create(name="Voorjaar", starts_on=date(2026, 3, 1))
    client.force_login(revops_admin)
    form = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert 'value="2026-03-01"' in form  # the date field shows the stored date
    assert "Select an option" not in form
    response = client.post(f"/campaigns/{campaign.pk}/", {**FORM, "name": "Voorjaar", "budget": ""})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.offer, campaign.budget) == ("Gratis lijnscan", None)


@pytest.mark.parametrize("persona", ["rep", "manager"])
def test_sales_reads_the_campaigns_but_cannot_create_or_edit_them(client, db, request, persona):
    campaign = Campaign.objects.create(name="Voorjaar", starts_on=date(2026, 3, 1))
    client.force_login(request.getfixturevalue(persona))
    page = client.get("/campaigns/")
    assert page.status_code == 200 and "Voorjaar" in page.content.decode()
    assert f"/campaigns/{campaign.pk}/" not in page.content.decode()
    assert client.get("/campaigns/new/").status_code == 403
    assert client.post("/campaigns/new/", FORM).status_code == 403
    assert client.post(f"/campaigns/{campaign.pk}/", FORM).status_code == 403
    assert Campaign.objects.get().name == "Voorjaar"


def test_someone_without_a_role_sees_no_campaigns(client, outsider):
    client.force_login(outsider)
    assert client.get("/campaigns/").status_code == 403


@pytest.mark.parametrize(
    "change, field",
    [
        ({"name": "verpakking VOORJAAR"}, "name"),  # the same name in other capitals
        ({"ends_on": "2026-02-01"}, "ends_on"),
        ({"budget": "-5"}, "budget"),
        ({"expected_responses": ""}, "expected_responses"),  # a kind without how many
        ({"starts_on": ""}, "starts_on"),
    ],
)
def test_a_bad_campaign_is_refused_and_nothing_is_saved(client, marketer, change, field):
    Campaign.objects.create(name="Verpakking voorjaar", starts_on=date(2026, 1, 1))
    client.force_login(marketer)
    response = client.post("/campaigns/new/", {**FORM, "name": "Ander", **change})
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert Campaign.objects.count() == 1


def test_the_list_takes_a_fixed_number_of_queries(client, marketer, django_assert_num_queries):
    for n in range(3):
        campaign = Campaign.objects.create(name=f"C{n}", starts_on=date(2026, 3, 1), budget=Decimal("100"))
        Lead.objects.create(campaign=campaign.name, linked_campaign=campaign)
    client.force_login(marketer)
    client.get("/campaigns/")
    with django_assert_num_queries(4):  # session, user, roles, the campaigns with their leads
        response = client.get("/campaigns/")
    assert response.status_code == 200
