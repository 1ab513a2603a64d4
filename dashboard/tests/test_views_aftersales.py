"""The dashboard page's after-sales and routing-quality tables."""

from unittest import mock

from django.urls import reverse

from dashboard.tests.world import NOW, add_account_events, add_assignments


def test_the_page_shows_after_sale_per_channel_ranked_by_lifetime_value(client, marketer, world, in_english):
    add_account_events(world)
    client.force_login(marketer)
    response = client.get(reverse("dashboard:funnel") + "?mode=activity&start=2026-11-01&end=2026-11-15")
    page = response.content.decode()
    assert 'id="after-sale-table"' in page
    rows = response.context["data"].after_sale.rows
    assert [row.label for row in rows] == ["Google Ads", "LinkedIn"]
    table = page[page.index('id="after-sale-table"'):]
    assert table.index(">Google Ads") < table.index(">LinkedIn")
    assert "€\xa012,500" in table or "12,500" in table


def test_the_page_shows_routing_quality(client, marketer, world, rep, other_rep, manager, in_english):
    add_assignments(world, rep=rep, other_rep=other_rep, manager=manager)
    client.force_login(marketer)
    with mock.patch("dashboard.views.timezone.now", return_value=NOW):
        page = client.get(reverse("dashboard:funnel") + "?mode=cohort&start=2026-11-01&end=2026-11-15").content.decode()
    table = page[page.index('id="routing-table"'):]
    assert "Noord" in table and "Spreekt Duits" in table and "33.3 %" in table


def test_without_wins_or_routing_the_page_says_so(client, marketer, db, in_english):
    client.force_login(marketer)
    page = client.get(reverse("dashboard:funnel") + "?start=2026-11-01&end=2026-11-15").content.decode()
    assert "No deals won in this view." in page
    assert "No lead of this view was routed yet." in page
