import pytest
from django.urls import reverse

from leads.models import Lead

pytestmark = pytest.mark.django_db
URL = reverse("review:last-leads")


def get(client, user, **query):
    client.force_login(user)
    return client.get(URL, query, HTTP_ACCEPT_LANGUAGE="en")


def names(response) -> list[str]:
    return [row.lead.first_name for row in response.context["rows"]]


def test_marketing_sees_every_delivered_lead(client, marketer, week_world):
    response = get(client, marketer)
    assert response.status_code == 200
    assert names(response) == ["H", "D", "C", "B", "F", "A", "E", "G"]
    page = response.content.decode()
    assert "The last 20 leads marketing delivered" in page
    assert "Not our target group: a reseller" in page
    assert "Was in a customer meeting" in page


def test_a_manager_sees_the_leads_of_the_teams_they_manage(client, manager, week_world):
    response = get(client, manager)
    assert response.status_code == 200
    assert "F" not in names(response)  # team South's
    assert list(response.context["form"].fields["team"].queryset) == [week_world.north]


def test_a_manager_cannot_pick_another_team(client, manager, week_world):
    assert get(client, manager, team=week_world.south.pk).status_code == 400


def test_the_number_and_team_are_chosen(client, marketer, week_world):
    assert names(get(client, marketer, count=10, team=week_world.south.pk)) == ["F"]
    response = get(client, marketer, count=7)
    assert response.status_code == 400
    assert "No lead was handed to sales yet" not in response.content.decode()


@pytest.mark.parametrize("persona", ["rep", "outsider"])
def test_reps_and_people_without_a_role_get_403(client, persona, request, week_world):
    assert get(client, request.getfixturevalue(persona)).status_code == 403


def test_the_page_takes_a_fixed_number_of_queries(client, manager, week_world, django_assert_num_queries):
    get(client, manager)
    # session, user, roles, the manager's teams and members (the access rule), four for the
    # leads and what sales did, the team choices
    with django_assert_num_queries(10):
        client.get(URL)
    for n in range(5):
        lead = Lead.objects.create(first_name=f"Extra{n}", team=week_world.north)
        lead.move_to(Lead.Stage.MQL, rule="test")
    with django_assert_num_queries(10):
        client.get(URL)


def test_the_review_and_the_dashboard_link_to_it(client, marketer, rep, week_world):
    client.force_login(marketer)
    assert URL in client.get(reverse("review:weekly"), {"team": ""}).content.decode()
    assert URL in client.get(reverse("dashboard:funnel") + "?start=2027-03-01&end=2027-03-31").content.decode()
    client.force_login(rep)
    assert URL not in client.get(reverse("dashboard:funnel") + "?start=2027-03-01&end=2027-03-31").content.decode()
    assert URL not in client.get(reverse("review:weekly"), {"team": ""}).content.decode()
