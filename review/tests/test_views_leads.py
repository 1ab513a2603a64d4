"""The leads behind a count of the weekly review: every linked count lists exactly its leads,
for each line of the table and the totals, and only the leads the reader may open."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from handoff.models import HandoffSettings, current_agreement
from review import metrics
from review.tests.world import NOW, WEEK, add_notifications

pytestmark = pytest.mark.django_db
REVIEW = reverse("review:weekly")
LEADS = reverse("review:leads")
LINKED = ["mqls", "never_contacted", "written_off_early", "returned", "open_breaches", "rejected"]


@pytest.fixture(autouse=True)
def frozen_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def links_of(page: str) -> list[tuple[str, int]]:
    """(query, the count shown) of every link into the lead list."""
    found = re.findall(r'<a[^>]*href="/review/leads/\?([^"]+)"[^>]*>(\d+)</a>', page)
    return [(query.replace("&amp;", "&"), int(count)) for query, count in found]


def test_every_linked_count_lists_as_many_leads_as_it_shows(client, marketer, week_world, rep, other_rep):
    add_notifications(week_world, rep=rep, other_rep=other_rep)  # the two clocks count something
    client.force_login(marketer)
    page = client.get(REVIEW, {"week": str(WEEK), "team": ""}, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    links = links_of(page)

    figures = {re.search(r"figure=(\w+)", query).group(1) for query, _ in links}
    assert figures == {*LINKED, "clock_system", "clock_rep"}
    assert any("missing=" in query for query, _ in links) and any("reason=" in query for query, _ in links)
    assert any(count > 0 for _, count in links)
    for query, count in links:
        listed = client.get(f"{LEADS}?{query}")
        assert listed.status_code == 200, query
        assert listed.context["all_counted"] == count, query
        assert listed.context["page"].paginator.count == count, query  # marketing opens every lead


def test_a_reason_links_to_the_leads_sent_back_for_it_in_the_readers_words(client, marketer, week_world):
    client.force_login(marketer)
    page = client.get(REVIEW, {"week": str(WEEK), "team": ""}, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    reasons = [(query, count) for query, count in links_of(page) if "reason=" in query]
    assert len(reasons) == 2 and all(count == 1 for _, count in reasons)

    no_fit = next(query for query, _ in reasons if "no_fit_reason" in query)
    listed = client.get(f"{LEADS}?{no_fit}", HTTP_ACCEPT_LANGUAGE="nl")

    assert [lead.first_name for lead in listed.context["page"].object_list] == ["F"]
    assert "Geen fit: Te klein" in listed.content.decode()


def test_the_list_and_the_count_share_one_definition(marketer, week_world):
    agreement = current_agreement()
    data = metrics.review(
        week=WEEK, team_id=None, now=NOW, agreement=agreement, calendar=HandoffSettings.load().calendar()
    )
    for figure in LINKED:
        behind = metrics.leads_behind(figure, week=WEEK, team=None, owner=None, now=NOW, agreement=agreement)
        assert behind.count() == getattr(data.total, figure), figure


def test_a_rep_sees_the_count_but_only_their_own_leads_in_the_list(client, rep, week_world):
    client.force_login(rep)

    listed = client.get(LEADS, {"week": str(WEEK), "team": "", "figure": "mqls"}, HTTP_ACCEPT_LANGUAGE="en")

    assert listed.status_code == 200
    assert listed.context["all_counted"] == 6
    shown = [lead.owner_id for lead in listed.context["page"].object_list]
    assert shown and set(shown) == {rep.pk}
    assert "you see the" in listed.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"week": str(WEEK), "figure": "everything"},
        {"week": "2027-W99", "figure": "mqls"},
        {"week": str(WEEK), "figure": "mqls", "team": "x"},
        {"week": str(WEEK), "figure": "mqls", "team": "999999"},
        {"week": str(WEEK), "figure": "mqls", "owner": "-1"},
    ],
)
def test_a_link_that_describes_no_figure_is_a_clear_400(client, marketer, query):
    client.force_login(marketer)

    response = client.get(LEADS, query, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "does not describe a figure of the weekly review" in response.content.decode()


def test_someone_without_a_role_gets_403(client, outsider):
    client.force_login(outsider)
    assert client.get(LEADS, {"week": str(WEEK), "figure": "mqls"}).status_code == 403
