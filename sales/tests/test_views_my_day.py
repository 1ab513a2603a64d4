"""A rep's start page at /leads/my-day/: overdue, new and due next, and the most urgent lead's
next step and opening line."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from leads.models import ConversionAction, Lead

S = Lead.Stage
URL = reverse("leads:my_day")


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def make_lead(company, rep, team):
    def make(first_name, stage=S.MQL, owner=None, **fields):
        lead = Lead.objects.create(first_name=first_name, company=company, owner=owner or rep, team=team, **fields)
        if stage != S.NEW:
            lead.move_to(stage, rule="test")
        return lead

    return make


def section(response, name):
    return next(part for part in response.context["sections"] if part["name"] == name)


def names(response, name):
    return [lead.first_name for lead in section(response, name)["leads"]]


def test_the_three_lists_split_the_reps_leads_waiting_for_sales(client, rep, other_rep, make_lead):
    now = timezone.now()
    make_lead("Late", stage=S.SAL, respond_by=now - timedelta(hours=2))
    make_lead("LateNew", respond_by=now - timedelta(hours=1))
    make_lead("Fresh", respond_by=now + timedelta(hours=3))
    make_lead("Accepted", stage=S.SAL, respond_by=now + timedelta(days=1))
    make_lead("Qualified", stage=S.SQL)
    make_lead("Someone else's", owner=other_rep, respond_by=now - timedelta(hours=5))
    make_lead("Won already", stage=S.NURTURE)
    client.force_login(rep)

    response = client.get(URL)

    assert response.status_code == 200
    assert names(response, "overdue") == ["Late", "LateNew"]
    assert names(response, "new") == ["Fresh"]
    assert names(response, "due_next") == ["Accepted", "Qualified"]
    assert [section(response, name)["count"] for name in ("overdue", "new", "due_next")] == [2, 1, 2]


def test_the_top_counts_the_reps_follow_ups_by_how_late_they_are(client, rep, other_rep, make_lead):
    now = timezone.now()
    make_lead("Last week", stage=S.SAL, respond_by=now - timedelta(days=10))
    make_lead("Just late", respond_by=now - timedelta(minutes=5))
    make_lead("Friday", stage=S.SAL, respond_by=now + timedelta(days=10))
    make_lead("Next month", stage=S.SAL, respond_by=now + timedelta(days=30))
    make_lead("Someone else's", owner=other_rep, respond_by=now - timedelta(days=10))
    client.force_login(rep)

    response = client.get(URL)

    assert [(grade.value, count) for grade, count in response.context["lateness_counts"]] == [
        ("badly_overdue", 1), ("overdue", 1), ("due_soon", 0), ("in_time", 2),
    ]
    page = response.content.decode()
    assert '<span class="stat-value">1</span> <span class="stat-label">Badly overdue</span>' in page
    assert page.count('<span class="badge lateness-badly_overdue">Badly overdue</span>') == 2  # most urgent + its row


def test_the_most_urgent_lead_shows_its_next_step_and_opening_line(client, rep, make_lead):
    now = timezone.now()
    make_lead("Later", respond_by=now + timedelta(hours=5))
    urgent = make_lead(
        "Hanna", phone="+31 6 1234 5678", conversion_action=ConversionAction.QUOTE_REQUEST,
        respond_by=now + timedelta(hours=1),
    )
    client.force_login(rep)

    response = client.get(URL)
    page = response.content.decode()

    assert response.context["urgent"] == urgent
    card = response.context["card"]
    assert "Hanna" in card.opening_line and "quote request" in card.opening_line
    assert card.opening_line in page.replace("&#x27;", "'")
    assert str(card.next_step_label) in page
    assert reverse("leads:detail", args=[urgent.pk]) in page


def test_a_rep_with_nothing_waiting_is_told_so(client, rep):
    client.force_login(rep)
    response = client.get(URL)
    assert response.context["urgent"] is None
    assert "Nothing waits for you" in response.content.decode()


def test_a_long_list_shows_ten_and_links_to_the_rest(client, rep, make_lead):
    now = timezone.now()
    for number in range(12):
        make_lead(f"Late {number}", respond_by=now - timedelta(hours=number + 1))
    client.force_login(rep)

    response = client.get(URL)

    overdue = section(response, "overdue")
    assert (len(overdue["leads"]), overdue["count"]) == (10, 12)
    assert names(response, "overdue")[0] == "Late 11"
    assert "All 12 in the lead list" in response.content.decode()


def test_someone_without_a_role_may_not(client, outsider):
    client.force_login(outsider)
    assert client.get(URL).status_code == 403


def test_the_page_takes_a_fixed_number_of_queries(client, rep, make_lead, django_assert_num_queries):
    now = timezone.now()
    make_lead("One", respond_by=now - timedelta(hours=1))
    client.force_login(rep)
    with django_assert_num_queries(10):
        client.get(URL)
    for number in range(8):
        make_lead(f"Late {number}", respond_by=now - timedelta(hours=number + 2))
        make_lead(f"New {number}", respond_by=now + timedelta(hours=number + 1))
        make_lead(f"Accepted {number}", stage=S.SAL, respond_by=now + timedelta(days=1))
    with django_assert_num_queries(10):
        client.get(URL)
