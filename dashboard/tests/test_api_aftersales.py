"""The dashboard JSON's after-sales and routing-quality figures (dashboard/api.py)."""

from unittest import mock

from dashboard.tests.world import NOW, add_account_events, add_assignments

WORLD_QUERY = "?mode=activity&start=2026-11-01&end=2026-11-15"


def test_json_has_the_after_sale_figures_per_channel(client, marketer, world, in_english):
    add_account_events(world)
    client.force_login(marketer)
    data = client.get("/api/dashboard/" + WORLD_QUERY).json()["after_sale"]
    assert data["by"] == "channel"
    assert [(r["key"], r["lifetime_value"], r["retention"]) for r in data["rows"]] == [
        ("google_ads", "12500.00", 1.0), ("linkedin", "5000.00", 0.0),
    ]
    totals = data["totals"]
    assert (totals["customers"], totals["churned"], totals["churn_rate"], totals["expansion_revenue"]) == (2, 1, 0.5, "2500.00")
    assert totals["median_time_to_first_value_seconds"] == 6 * 86400
    by_team = client.get("/api/dashboard/" + WORLD_QUERY + "&by=team").json()["after_sale"]
    assert by_team["by"] == "team" and len(by_team["rows"]) == 2


def test_json_has_routing_quality_per_rule(client, marketer, world, rep, other_rep, manager, in_english):
    add_assignments(world, rep=rep, other_rep=other_rep, manager=manager)
    client.force_login(marketer)
    with mock.patch("dashboard.api.timezone.now", return_value=NOW):
        data = client.get("/api/dashboard/?mode=cohort&start=2026-11-01&end=2026-11-15").json()["routing_quality"]
    noord = next(row for row in data["rows"] if row["key"] == "rule:Noord")
    assert {k: noord[k] for k in ("leads", "judged", "kept", "reassigned", "reassignment_rate")} == {
        "leads": 4, "judged": 3, "kept": 1, "reassigned": 2, "reassignment_rate": 0.5,
    }
    assert noord["reasons"] == [{"reason": "Spreekt Duits", "count": 2}]
    assert data["totals"]["kept_share"] == 3 / 5


def test_the_schema_has_the_after_sale_and_routing_keys(client, revops_admin):
    client.force_login(revops_admin)
    schemas = client.get("/api/schema/?format=json").json()["components"]["schemas"]
    assert {"after_sale", "routing_quality"} <= set(schemas["Dashboard"]["properties"])
    assert {"retention", "churn_rate", "expansion_revenue", "median_time_to_first_value_seconds", "lifetime_value"} <= set(
        schemas["AfterSaleRow"]["properties"]
    )
    assert {"kept_share", "reassignment_rate", "reasons"} <= set(schemas["RoutingRow"]["properties"])
    paths = client.get("/api/schema/?format=json").json()["paths"]
    assert {"/api/account-events/", "/api/account-events/batch/"} <= set(paths)
