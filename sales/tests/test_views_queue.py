"""The lead queue at /leads/."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from handoff.lateness import scale_now
from leads.models import Lead

S = Lead.Stage
URL = reverse("leads:queue")


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def make_lead(company, rep, team):
    def make(first_name, stage=S.MQL, owner=None, **fields):
        lead = Lead.objects.create(
            first_name=first_name, company=company, owner=owner or rep, team=team, **fields
        )
        if stage != S.NEW:
            lead.move_to(stage, rule="test")
        return lead

    return make


def names(response):
    return [lead.first_name for lead in response.context["page"].object_list]


def test_rep_sees_own_leads_waiting_for_sales_most_urgent_first(client, rep, other_rep, make_lead):
    now = timezone.now()
    make_lead("Old", created_at=now - timedelta(days=3))
    make_lead("New", created_at=now - timedelta(hours=1))
    make_lead("DueLater", respond_by=now + timedelta(hours=4))
    make_lead("DueSoon", stage=S.SAL, respond_by=now + timedelta(hours=1))
    make_lead("Nurtured", stage=S.NURTURE)
    make_lead("Won", stage=S.WON)
    make_lead("NotMine", owner=other_rep)
    client.force_login(rep)

    response = client.get(URL)

    assert response.status_code == 200
    assert names(response) == ["DueSoon", "DueLater", "Old", "New"]


def test_the_queue_shows_each_leads_temperature(client, rep, make_lead):
    make_lead("Heet", temperature="hot")
    make_lead("Unscored")
    client.force_login(rep)
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count('class="badge temperature-') == 1
    assert '<span class="badge temperature-hot">Hot</span>' in page


def test_overdue_leads_are_marked_and_can_be_filtered(client, rep, make_lead):
    now = timezone.now()
    make_lead("Late", respond_by=now - timedelta(minutes=5))
    make_lead("InTime", respond_by=now + timedelta(days=10))
    client.force_login(rep)

    page = client.get(URL).content.decode()
    assert page.count('class="is-overdue"') == 1
    assert page.count('<span class="badge lateness-overdue">Overdue</span>') == 1
    assert names(client.get(URL, {"overdue": "on"})) == ["Late"]


def test_each_row_says_how_late_it_is_and_the_top_counts_the_grades(client, rep, make_lead):
    now = timezone.now()
    soon_until = scale_now(now).soon_until
    make_lead("Weeks", respond_by=now - timedelta(days=20))
    make_lead("Days", respond_by=now - timedelta(days=10))
    make_lead("Minutes", respond_by=now - timedelta(minutes=5))
    make_lead("Soon", respond_by=soon_until - timedelta(minutes=1))
    make_lead("Later", respond_by=now + timedelta(days=10))
    make_lead("Undated")
    client.force_login(rep)

    response = client.get(URL)

    assert [(grade.value, count) for grade, count in response.context["lateness_counts"]] == [
        ("badly_overdue", 2), ("overdue", 1), ("due_soon", 1), ("in_time", 1),
    ]
    page = response.content.decode()
    assert page.count('class="is-badly_overdue"') == 2
    assert page.count('<span class="badge lateness-badly_overdue">Badly overdue</span>') == 2
    assert page.count('<span class="badge lateness-due_soon">Due soon</span>') == 1
    assert "lateness-in_time" not in page.split("</ul>", 2)[-1]  # in time needs no badge
    assert '<span class="stat-value">2</span> <span class="stat-label">Badly overdue</span>' in page


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"stage": "sal"}, ["Accepted"]),
        ({"stage": "open"}, ["Google", "Meta", "Accepted", "Nurtured"]),
        ({"stage": "nurture"}, ["Nurtured"]),
        ({"channel": "meta"}, ["Meta"]),
        ({"campaign": "Spring fair"}, ["Google"]),
    ],
)
def test_filters(client, rep, make_lead, query, expected):
    now = timezone.now()
    make_lead("Google", channel="google_ads", campaign="Spring fair", created_at=now - timedelta(hours=4))
    make_lead("Meta", channel="meta", created_at=now - timedelta(hours=3))
    make_lead("Accepted", stage=S.SAL, created_at=now - timedelta(hours=2))
    make_lead("Nurtured", stage=S.NURTURE, created_at=now - timedelta(hours=1))
    client.force_login(rep)
    assert names(client.get(URL, query)) == expected


def test_manager_sees_the_team_and_filters_by_rep(client, manager, rep, other_rep, make_lead):
    make_lead("Mine", owner=rep)
    make_lead("Theirs", owner=other_rep)
    client.force_login(manager)

    assert sorted(names(client.get(URL))) == ["Mine", "Theirs"]
    assert names(client.get(URL, {"rep": other_rep.pk})) == ["Theirs"]


def test_filtering_by_someone_outside_the_team_is_refused(client, manager, marketer, make_lead):
    make_lead("Mine")
    client.force_login(manager)
    response = client.get(URL, {"rep": marketer.pk})
    assert response.status_code == 400
    assert "rep" in response.context["form"].errors
    assert names(response) == []


def test_unknown_filter_values_are_refused(client, rep, make_lead):
    make_lead("Mine")
    client.force_login(rep)
    response = client.get(URL, {"stage": "heaven", "channel": "tv"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"stage", "channel"}


def test_rep_has_no_rep_filter(client, rep):
    client.force_login(rep)
    assert "rep" not in client.get(URL).context["form"].fields


def test_marketing_sees_all_read_only(client, marketer, rep, other_rep, make_lead):
    make_lead("Mine", owner=rep)
    make_lead("Theirs", owner=other_rep)
    client.force_login(marketer)
    response = client.get(URL)
    assert sorted(names(response)) == ["Mine", "Theirs"]
    assert "Read-only" in response.content.decode()


def test_the_campaign_filter_offers_the_campaigns_of_open_leads_only(client, marketer, rep, make_lead):
    make_lead("Spring", campaign="Spring fair")
    make_lead("Nurtured", stage=S.NURTURE, campaign="Autumn webinar")
    make_lead("Won", stage=S.WON, campaign="Closed deal")
    make_lead("Uncampaigned")
    for user in (marketer, rep):  # every lead, read from the stage rollup; a rep's own leads
        client.force_login(user)
        choices = client.get(URL).context["form"].fields["campaign"].choices
        assert [value for value, _label in choices] == ["", "Autumn webinar", "Spring fair"]


def test_a_rep_without_leads_is_not_told_they_are_read_only(client, rep):
    client.force_login(rep)
    page = client.get(URL).content.decode()
    assert "Read-only" not in page
    assert "No leads match. Nothing waiting for you here." in page


def test_someone_without_a_role_gets_403(client, outsider):
    client.force_login(outsider)
    assert client.get(URL).status_code == 403


def test_score_is_shown_when_present_and_not_invented_when_absent(client, rep, make_lead):
    make_lead("Scored", fit_score=55, engagement_score=40, intent_tier="high")
    make_lead("Unscored")
    client.force_login(rep)
    page = client.get(URL).content.decode()
    assert "fit 55 · engagement 40" in page
    assert "High intent" in page
    assert page.count("Not scored by the qualification policy yet") == 1


def test_pages_of_25_keep_the_filters(client, rep, make_lead):
    for number in range(30):
        make_lead(f"Lead{number:02d}", channel="meta", created_at=timezone.now() - timedelta(hours=60 - number))
    make_lead("Other", channel="email")
    client.force_login(rep)

    first = client.get(URL, {"channel": "meta"})
    second = client.get(URL, {"channel": "meta", "page": 2})

    assert len(names(first)) == 25
    assert names(second) == [f"Lead{n:02d}" for n in range(25, 30)]
    assert 'href="?channel=meta&amp;page=2"' in first.content.decode()


def test_queue_queries_do_not_grow_with_the_page(client, rep, make_lead, django_assert_max_num_queries):
    for number in range(25):
        make_lead(f"Lead{number}")
    client.force_login(rep)
    with django_assert_max_num_queries(12):
        client.get(URL)


def test_a_manager_sees_the_unassigned_queue_and_filters_on_it(client, manager, make_lead, team):
    make_lead("Owned")
    waiting = make_lead("Waiting")
    Lead.objects.filter(pk=waiting.pk).update(owner=None)
    client.force_login(manager)

    everything = client.get(URL)
    only_waiting = client.get(URL, {"unassigned": "on"})

    assert everything.context["unassigned_count"] == 1
    page = everything.content.decode()
    assert "1 lead waits without an owner" in page and "No owner" in page
    assert names(only_waiting) == ["Waiting"]


def test_a_rep_has_no_unassigned_filter(client, rep, make_lead):
    client.force_login(rep)

    response = client.get(URL, {"unassigned": "on"})

    assert "unassigned" not in response.context["form"].fields
    assert response.context["unassigned_count"] == 0
    assert "without an owner" not in response.content.decode()
