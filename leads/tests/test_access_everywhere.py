"""Every page, action and API call that touches one lead obeys leads.access: one table of
URL × role × whose lead, and the status each must get."""

import pytest

from common.roles import Role
from conftest import make_user
from leads.models import Lead, Team

OK, GONE = 200, 302  # GONE: the action ran and the page moved on (a redirect)
NO, MISSING = 403, 404

# What each person gets, for the lead of their own team (rep's lead) and for a lead of
# another team: (own team's lead, other team's lead).
SEE = {
    "rep": (OK, NO), "teammate": (NO, NO), "manager": (OK, NO), "other_manager": (NO, OK),
    "marketer": (OK, OK), "revops_admin": (OK, OK), "outsider": (NO, NO),
}
ACT = {
    "rep": (GONE, NO), "teammate": (NO, NO), "manager": (GONE, NO), "other_manager": (NO, GONE),
    "marketer": (NO, NO), "revops_admin": (GONE, GONE), "outsider": (NO, NO),
}
REASSIGN = {
    "rep": (NO, NO), "teammate": (NO, NO), "manager": (OK, NO), "other_manager": (NO, OK),
    "marketer": (NO, NO), "revops_admin": (OK, OK), "outsider": (NO, NO),
}
# The API hides a lead one may not see (404) rather than confirming it exists.
API = {
    "rep": (OK, MISSING), "teammate": (MISSING, MISSING), "manager": (OK, MISSING),
    "other_manager": (MISSING, OK), "marketer": (OK, OK), "revops_admin": (OK, OK), "outsider": (NO, NO),
}
# (method, URL with {pk}, POST data, expectations)
URLS = [
    ("get", "/leads/{pk}/", None, SEE),
    ("get", "/handoff/leads/{pk}/", None, SEE),
    ("get", "/qualification/leads/{pk}/", None, SEE),
    ("get", "/api/leads/{pk}/", None, API),
    ("get", "/api/leads/{pk}/history/", None, API),
    ("post", "/leads/{pk}/accept/", {"accept-version": "{version}"}, ACT),
    ("post", "/leads/{pk}/reject/", {"reject-version": "{version}", "reject-reason": "duplicate"}, ACT),
    ("post", "/leads/{pk}/attempts/", {"attempt-version": "{version}", "attempt-channel": "call",
                                       "attempt-outcome": "no_answer"}, ACT),
    ("post", "/leads/{pk}/feedback/", {"feedback-version": "{version}", "feedback-disposition": "no_urgency"}, ACT),
    ("post", "/leads/{pk}/outcome/", {"outcome-version": "{version}", "outcome-channel": "call",
                                      "outcome-outcome": "no_answer"}, ACT),
    ("get", "/handoff/leads/{pk}/reassign/", None, REASSIGN),
]


@pytest.fixture
def world(team, rep, manager, marketer, revops_admin, outsider, company):
    south = Team.objects.create(name="Zuid", kind=Team.Kind.NEW_BUSINESS)
    south_rep = make_user("southrep", Role.SALES_REP)
    south.members.add(south_rep)
    south.manager = make_user("southmanager", Role.SALES_MANAGER)
    south.save()
    teammate = make_user("teammate", Role.SALES_REP)
    team.members.add(teammate)
    own = Lead.objects.create(first_name="Pieter", company=company, owner=rep, team=team, stage=Lead.Stage.MQL)
    other = Lead.objects.create(first_name="Joop", company=company, owner=south_rep, team=south, stage=Lead.Stage.MQL)
    people = {
        "rep": rep, "teammate": teammate, "manager": manager, "other_manager": south.manager,
        "marketer": marketer, "revops_admin": revops_admin, "outsider": outsider,
    }
    return people, {"own": own, "other": other}


CASES = [
    pytest.param(method, url, data, person, whose, expected[person][0 if whose == "own" else 1],
                 id=f"{method} {url} {person} {whose}")
    for method, url, data, expected in URLS
    for person in SEE
    for whose in ("own", "other")
]


@pytest.mark.parametrize("method, url, data, person, whose, status", CASES)
def test_every_lead_url_obeys_the_one_access_rule(client, world, method, url, data, person, whose, status):
    people, leads = world
    lead = leads[whose]
    client.force_login(people[person])
    path = url.format(pk=lead.pk)
    if method == "get":
        response = client.get(path)
    else:
        response = client.post(path, {k: v.format(version=lead.version) for k, v in data.items()})
    assert response.status_code == status
    if status in (NO, MISSING):
        reloaded = Lead.objects.get(pk=lead.pk)
        assert (reloaded.stage, reloaded.version, reloaded.attempt_count) == (lead.stage, lead.version, 0)


@pytest.mark.parametrize(
    "person, visible",
    [("rep", {"own"}), ("teammate", set()), ("manager", {"own"}), ("other_manager", {"other"}),
     ("marketer", {"own", "other"}), ("revops_admin", {"own", "other"})],
)
def test_the_api_lists_the_leads_the_pages_show(client, world, person, visible):
    people, leads = world
    client.force_login(people[person])
    listed = {row["id"] for row in client.get("/api/leads/").json()["results"]}
    assert listed == {leads[whose].pk for whose in visible}


def test_a_manager_cannot_reassign_another_teams_lead_by_posting(client, world):
    people, leads = world
    client.force_login(people["manager"])
    response = client.post(
        f"/handoff/leads/{leads['other'].pk}/reassign/", {"owner": people["manager"].pk, "reason": "mine now"}
    )
    assert response.status_code == NO
    assert Lead.objects.get(pk=leads["other"].pk).owner.username == "southrep"


def test_a_manager_hands_a_lead_only_to_people_of_their_teams(client, world):
    people, leads = world
    client.force_login(people["manager"])
    response = client.post(
        f"/handoff/leads/{leads['own'].pk}/reassign/", {"owner": people["other_manager"].pk, "reason": "over to south"}
    )
    assert response.status_code == 400
    assert Lead.objects.get(pk=leads["own"].pk).owner == people["rep"]


@pytest.mark.parametrize(
    "person, whose, status",
    [pytest.param(person, whose, ACT[person][0 if whose == "own" else 1], id=f"{person} {whose}")
     for person in SEE for whose in ("own", "other")],
)
def test_marking_a_deal_lost_obeys_the_one_access_rule(client, world, person, whose, status):
    people, leads = world
    lead = leads[whose]
    lead.move_to(Lead.Stage.SQL, rule="test")
    client.force_login(people[person])
    response = client.post(f"/leads/{lead.pk}/lost/", {"lost-version": lead.version, "lost-reason": "price"})
    assert response.status_code == status
    reloaded = Lead.objects.get(pk=lead.pk)
    assert reloaded.stage == (Lead.Stage.LOST if status == GONE else Lead.Stage.SQL)
