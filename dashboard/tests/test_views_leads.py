"""The lead list behind a dashboard count: the same leads as the figure, only those the person
may see, a fixed number of queries."""

import re

import pytest
from django.utils.http import urlencode

from dashboard import metrics
from dashboard.tests.world import period
from leads.models import Lead

LIST = "/dashboard/leads/"
WORLD = {"mode": "cohort", "start": "2026-11-01", "end": "2026-11-15"}


def listed(client, **params) -> list[int]:
    response = client.get(f"{LIST}?{urlencode({**WORLD, **params})}")
    assert response.status_code == 200
    return sorted(lead.pk for lead in response.context["page"].object_list)


def pks(world, names: str) -> list[int]:
    return sorted(world.leads[name].pk for name in names)


def test_a_funnel_count_lists_its_leads(client, marketer, world):
    client.force_login(marketer)
    assert listed(client, stage="mql") == pks(world, "ABCDFL")
    assert listed(client, stage="lost", lost_reason="price") == pks(world, "B")
    assert listed(client, stage="won", mode="activity") == pks(world, "AK")
    assert listed(client, stage="sal", step="passed") == pks(world, "ACL")


def test_a_breakdown_row_lists_its_leads_also_the_row_without_a_value(client, marketer, world):
    client.force_login(marketer)
    assert listed(client, stage="leads", by="source", key="google / cpc") == pks(world, "AB")
    assert listed(client, stage="leads", by="source", key="") == pks(world, "CDEFHI")
    assert listed(client, stage="sql", channel="google_ads", key="Brand") == pks(world, "B")


def test_the_page_links_every_count_to_its_list(client, marketer, world):
    client.force_login(marketer)
    page = client.get("/dashboard/?" + urlencode({**WORLD, "by": "source"})).content.decode()
    links = set(re.findall(r'href="/dashboard/leads/\?([^"]+)"', page))
    base = "mode=cohort&amp;start=2026-11-01&amp;end=2026-11-15&amp;by=source"
    assert f"{base}&amp;stage=mql" in links  # the funnel
    assert f"{base}&amp;stage=sal&amp;step=skipped" in links
    assert f"{base}&amp;stage=open" in links  # the outcomes
    assert f"{base}&amp;stage=lost&amp;lost_reason=none" in links  # L: no reason given
    assert f"{base}&amp;stage=won&amp;key=google+%2F+cpc" in links  # a breakdown row
    assert f"{base}&amp;stage=leads&amp;key=" in links  # the row without a source


def test_a_rep_sees_only_their_own_leads_and_how_many_the_figure_counts(client, rep, world):
    client.force_login(rep)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get(f"{LIST}?{urlencode({**WORLD, 'stage': 'mql'})}")
    assert sorted(lead.pk for lead in response.context["page"].object_list) == pks(world, "AL")
    assert response.context["all_counted"] == 6
    assert "The figure counts 6 leads; you see the 2 of them you may open." in response.content.decode()


def test_someone_without_a_role_may_not(client, outsider):
    client.force_login(outsider)
    assert client.get(f"{LIST}?stage=mql").status_code == 403


@pytest.mark.parametrize("params", [
    {"stage": "nurture"}, {}, {"stage": "mql", "by": "owner", "key": "sanne"},
    {"stage": "lost", "lost_reason": "cheap"}, {"stage": "mql", "start": "yesterday"},
    {"verdict": "maybe"}, {"stage": "mql", "verdict": "no_fit"},
])
def test_a_link_that_is_no_figure_gives_400(client, marketer, world, params):
    client.force_login(marketer)
    response = client.get(f"{LIST}?{urlencode({**WORLD, **params})}")
    assert response.status_code == 400


def test_the_list_takes_a_fixed_number_of_queries(client, marketer, world, django_assert_num_queries):
    client.force_login(marketer)
    query = f"{LIST}?{urlencode({**WORLD, 'stage': 'leads', 'by': 'team', 'key': str(world.north.pk)})}"
    client.get(query)
    # session, user, roles, the count, the page's count and rows, the row's label (the breakdown), the
    # business calendar (how late each lead is)
    with django_assert_num_queries(8):
        client.get(query)
    for _ in range(3):
        Lead.objects.create(created_at=world.leads["A"].created_at, channel="meta", team=world.north)
    with django_assert_num_queries(8):
        response = client.get(query)
    assert response.context["all_counted"] == metrics.counted_leads(period(by="team"), stage="leads", key=str(world.north.pk)).count() == 6


def test_the_follow_up_counts_link_to_their_teams_mqls(client, marketer, world):
    client.force_login(marketer)
    page = client.get("/dashboard/?" + urlencode(WORLD)).content.decode()
    table = page[page.index('id="follow-up-table"') : page.index("</table>", page.index('id="follow-up-table"'))]
    link = f"mode=cohort&amp;start=2026-11-01&amp;end=2026-11-15&amp;by=team&amp;stage=mql&amp;key={world.south.pk}"
    assert link in table
    assert listed(client, stage="mql", by="team", key=str(world.south.pk)) == pks(world, "CD")


def test_the_feedback_counts_link_to_the_leads_judged_so(client, marketer, world):
    client.force_login(marketer)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/dashboard/?" + urlencode(WORLD)).content.decode()
    table = page[page.index('id="feedback-table"') : page.index("</table>", page.index('id="feedback-table"'))]
    channel = world.leads["C"].channel
    link = f"mode=cohort&amp;start=2026-11-01&amp;end=2026-11-15&amp;verdict=no_fit&amp;key={channel}"
    assert link in table
    assert listed(client, verdict="no_fit", key=channel) == pks(world, "C")
    response = client.get(f"{LIST}?{urlencode({**WORLD, 'verdict': 'any', 'key': channel})}")
    assert "a lead judged twice counts twice there, and once here" in response.content.decode()


@pytest.fixture
def every_fact(world, rep, other_rep, manager):
    from dashboard.tests.world import (
        add_account_events,
        add_assignments,
        add_sourcing_facts,
        add_speed_facts,
    )

    add_speed_facts(world, rep=rep, other_rep=other_rep, manager=manager)
    add_sourcing_facts(world)
    add_account_events(world)
    add_assignments(world, rep=rep, other_rep=other_rep, manager=manager)
    return world


def table_links(page: str, table_id: str) -> list[tuple[str, int]]:
    """(query, the count shown) of every link from one table into the lead list."""
    start = page.index(f'id="{table_id}"')
    table = page[start : page.index("</table>", start)]
    found = re.findall(r'<a href="/dashboard/leads/\?([^"]+)">([\d.,]+)</a>', table)
    return [(query.replace("&amp;", "&"), int(count.replace(",", "").replace(".", ""))) for query, count in found]


@pytest.mark.parametrize("table_id, figure", [
    ("campaign-costs-table", "campaign_id="),
    ("after-sale-table", "stage=won"),
    ("routing-table", "routing="),
    ("speed-table", "speed="),
])
def test_the_newer_tables_link_each_count_to_as_many_leads(client, marketer, every_fact, table_id, figure):
    client.force_login(marketer)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/dashboard/?" + urlencode(WORLD)).content.decode()
    links = table_links(page, table_id)
    assert links and all(figure in query for query, _ in links)
    for query, count in links:
        response = client.get(f"{LIST}?{query}")
        assert response.status_code == 200, query
        if "after_sale=renewed" in query:  # renewals are counted as events, listed as customers
            assert 0 < response.context["all_counted"] <= count, query
            assert "a customer that renewed twice counts twice there" in response.content.decode()
        else:
            assert response.context["all_counted"] == count, query


def test_the_speed_matrix_links_each_cells_mqls(client, marketer, every_fact):
    client.force_login(marketer)
    page = client.get("/dashboard/?" + urlencode(WORLD)).content.decode()
    links = re.findall(r'n = <a href="/dashboard/leads/\?([^"]+)">(\d+)</a>', page)
    cells = [(query.replace("&amp;", "&"), int(n)) for query, n in links if "speed_group=" in query]
    assert any("speed_group=channel:" in q for q, _ in cells) and any("speed_group=intent_tier:" in q for q, _ in cells)
    for query, count in cells:
        assert client.get(f"{LIST}?{query}").context["all_counted"] == count, query


def test_a_routing_list_names_its_rule_and_a_speed_list_its_bucket(client, marketer, every_fact):
    client.force_login(marketer)
    client.post("/i18n/setlang/", {"language": "nl", "next": "/"})
    response = client.get(f"{LIST}?{urlencode({**WORLD, 'stage': 'mql', 'speed': 'clock:5'})}")
    assert "Nog geen poging" in response.content.decode()
    response = client.get(f"{LIST}?{urlencode({**WORLD, 'stage': 'leads', 'routing': 'reassigned', 'routed_by': 'rule:x'})}")
    assert response.status_code == 200 and "Eerst gerouteerd door" in response.content.decode()


@pytest.mark.parametrize("params", [
    {"stage": "leads", "speed": "clock:9"}, {"stage": "mql", "speed": "sundial:1"}, {"stage": "sql", "speed": "clock:1"},
    {"stage": "mql", "speed": "clock:1", "speed_group": "colour:red"}, {"stage": "mql", "routing": "kept"},
    {"stage": "leads", "routing": "loved"}, {"stage": "won", "after_sale": "happy"}, {"stage": "leads", "campaign_id": "999999"},
    {"stage": "leads", "campaign_id": "x"}, {"stage": "mql", "step": "passed", "from_stage": "sql"},
    {"stage": "sql", "clock": "rep"}, {"verdict": "good", "no_fit_reason": "too_small"}, {"verdict": "no_fit", "no_fit_reason": "ugly"},
])
def test_a_newer_table_link_that_is_no_figure_gives_400(client, marketer, every_fact, params):
    client.force_login(marketer)
    assert client.get(f"{LIST}?{urlencode({**WORLD, **params})}").status_code == 400


def test_a_count_of_zero_lists_no_leads_rather_than_an_error(client, marketer, world):
    client.force_login(marketer)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get(f"{LIST}?{urlencode({**WORLD, 'stage': 'leads', 'routing': 'reassigned'})}")
    assert response.status_code == 200 and response.context["all_counted"] == 0
    assert "does not describe a figure" not in response.content.decode()


def test_the_lead_times_no_fit_reasons_and_clocks_link_to_their_leads(client, marketer, every_fact):
    client.force_login(marketer)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/dashboard/?" + urlencode(WORLD)).content.decode()
    for table_id, figure in [("lead-times-table", "from_stage="), ("no-fit-table", "no_fit_reason="), ("clocks-table", "clock=")]:
        links = table_links(page, table_id)
        assert links and all(figure in query for query, _ in links), table_id
        for query, count in links:
            assert client.get(f"{LIST}?{query}").context["all_counted"] == count, query
    response = client.get(f"{LIST}?{urlencode({**WORLD, 'stage': 'won', 'step': 'passed', 'from_stage': 'mql'})}")
    assert "Passed from MQL to Won" in response.content.decode()
