import pytest

from dashboard import metrics
from dashboard.tests.world import HOUR, NOW, add_sourcing_facts, add_speed_facts, period

WORLD_QUERY = "?mode=cohort&start=2026-11-01&end=2026-11-15"


def test_json_has_the_same_figures_as_the_page(
    client, marketer, world, world_now, django_assert_max_num_queries
):
    client.force_login(marketer)

    with django_assert_max_num_queries(31):  # session, user, roles, the agreement and the 27 figures
        response = client.get("/api/dashboard/" + WORLD_QUERY)

    assert response.status_code == 200
    data = response.json()
    assert data["filters"]["first_day"] == "2026-11-01"
    steps = data["funnel"]["steps"]
    assert [step["count"] for step in steps] == [9, 6, 5, 4, 2, 1]
    assert steps[0]["from_previous"] is None and steps[0]["lead_time"] is None
    assert steps[1]["from_top"] == 6 / 9
    assert steps[5]["lead_time"] == {"median_seconds": 72 * HOUR, "p90_seconds": 72 * HOUR}
    assert steps[4]["too_young"] is True
    assert [b["count"] for b in data["mql_to_sql_times"]] == [2, 0, 1, 0, 1, 0, 0, 0]
    assert data["funnel"]["follow_up"]["contacted_share"] == 4 / 6
    google = next(row for row in data["sources"] if row["key"] == "google_ads")
    assert (google["revenue"], google["sql_rate"], google["close_rate"]) == ("10000.00", 1.0, 0.5)
    meta = next(row for row in data["sources"] if row["key"] == "meta")
    assert meta["close_rate"] is None
    assert [w["mqls"] for w in data["weeks"]] == [0, 6, 0]
    feedback = {row["key"]: row for row in data["feedback"]}
    assert feedback["meta"]["dispositions"]["no_fit"] == 1
    assert len(data["follow_up"]) == 3
    assert data == client.get("/api/dashboard/" + WORLD_QUERY).json()  # stable
    assert [s.count for s in metrics.funnel(period(), now=NOW).steps] == [s["count"] for s in steps]


def test_json_has_speed_to_lead_and_the_two_clocks(client, marketer, world, rep, other_rep, manager, in_english):
    add_speed_facts(world, rep=rep, other_rep=other_rep, manager=manager)
    client.force_login(marketer)
    data = client.get("/api/dashboard/" + WORLD_QUERY).json()
    everyone = [row for row in data["speed_to_lead"] if row["group"] == "all" and row["clock"] == "clock"]
    assert [row["label"] for row in everyone] == ["< 5 min", "5–30 min", "30 min–4 h", "4–24 h", "> 24 h", "never"]
    fast = everyone[2]
    assert {k: fast[k] for k in ("leads", "sqls", "sql_rate", "won", "won_rate")} == {
        "leads": 2, "sqls": 2, "sql_rate": 1.0, "won": 1, "won_rate": 0.5,
    }
    clocks = data["response_clocks"]
    assert clocks["system"] == {"median_seconds": 900.0, "p90_seconds": pytest.approx(2880), "count": 4}
    assert clocks["rep"]["count"] == 3 and clocks["rep"]["median_seconds"] == 3480
    assert {line["label"] for line in clocks["teams"]} == {"Nieuwe klanten", "Zuid"}


def test_the_schema_has_speed_to_lead_and_the_two_clocks(client, revops_admin):
    client.force_login(revops_admin)
    schemas = client.get("/api/schema/?format=json").json()["components"]["schemas"]
    assert {"label", "leads", "sqls", "sql_rate", "won", "won_rate"} <= set(schemas["SpeedRow"]["properties"])
    assert {"system", "rep"} <= set(schemas["ResponseClocks"]["properties"])
    assert set(schemas["Clock"]["properties"]) == {"median_seconds", "p90_seconds", "count"}
    assert {"speed_to_lead", "response_clocks"} <= set(schemas["Dashboard"]["properties"])


def test_json_has_sourcing_and_the_campaigns_costs(client, marketer, world, in_english):
    campaigns = add_sourcing_facts(world)
    client.force_login(marketer)
    data = client.get("/api/dashboard/" + WORLD_QUERY).json()
    sourcing = {row["key"]: row for row in data["sourcing"]}
    assert list(sourcing) == ["marketing", "sales", "partner", "referral"]
    assert {k: sourcing["marketing"][k] for k in ("leads", "pipeline_value", "won_revenue", "share_of_revenue")} == {
        "leads": 6, "pipeline_value": "10000.00", "won_revenue": "10000.00", "share_of_revenue": 1.0,
    }
    assert (sourcing["partner"]["pipeline_value"], sourcing["partner"]["share_of_revenue"]) == ("4000.00", 0.0)
    search = next(row for row in data["campaigns"] if row["name"] == "Search")
    assert search["key"] == str(campaigns["Search"].pk)
    assert {k: search[k] for k in ("budget", "cost_per_lead", "cost_per_mql", "cost_per_sql", "cost_per_won", "return_on_spend")} == {
        "budget": "2000.00", "cost_per_lead": 1000.0, "cost_per_mql": 2000.0, "cost_per_sql": 2000.0,
        "cost_per_won": 2000.0, "return_on_spend": 5.0,
    }
    partner_only = client.get("/api/dashboard/" + WORLD_QUERY + "&source_owner=partner&by=source_owner").json()
    assert partner_only["filters"]["source_owner"] == "partner"
    assert [(row["key"], row["leads"]) for row in partner_only["breakdown"]] == [("partner", 1)]
    assert client.get("/api/dashboard/" + WORLD_QUERY + "&source_owner=intern").status_code == 400


def test_the_schema_has_sourcing_and_the_campaigns_costs():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    assert {"sourcing", "campaigns"} <= set(components["Dashboard"]["properties"])
    assert {"key", "leads", "pipeline_value", "won_revenue", "share_of_revenue"} <= set(components["SourcingRow"]["properties"])
    assert {"cost_per_lead", "cost_per_mql", "cost_per_sql", "cost_per_won", "return_on_spend"} <= set(
        components["CampaignCost"]["properties"]
    )
    parameters = {p["name"]: p for p in schema["paths"]["/api/dashboard/"]["get"]["parameters"]}
    assert "source_owner" in parameters["by"]["schema"]["enum"]
    assert set(parameters["source_owner"]["schema"]["enum"]) == {"marketing", "sales", "partner", "referral"}


def test_json_period_defaults_to_the_last_90_days(client, marketer):
    client.force_login(marketer)
    data = client.get("/api/dashboard/").json()
    assert data["filters"]["mode"] == "cohort"
    assert data["filters"]["team_id"] is None


def test_bad_parameters_get_400_with_a_message_per_field(client, marketer):
    client.force_login(marketer)

    response = client.get("/api/dashboard/?start=2026-11-15&end=2026-11-01&channel=fax&mode=both")

    assert response.status_code == 400
    assert set(response.json()) == {"end", "channel", "mode"}
    assert all(isinstance(message, str) for messages in response.json().values() for message in messages)


@pytest.mark.django_db
def test_anonymous_callers_are_refused(client):
    assert client.get("/api/dashboard/").status_code == 403


def test_json_has_outcomes_lead_times_and_the_breakdown_with_totals(client, marketer, world):
    client.force_login(marketer)

    data = client.get("/api/dashboard/" + WORLD_QUERY + "&by=team").json()

    assert data["outcomes"] == {
        "won": 1, "lost": 2, "open": 0, "win_rate": 1 / 3, "revenue": "10000.00",
        "revenue_per_lead": 10000 / 9, "revenue_per_mql": 10000 / 6, "revenue_per_won": 10000.0,
    }
    mql_to_won = next(t for t in data["lead_times"] if (t["from_stage"], t["to_stage"]) == ("mql", "won"))
    assert mql_to_won == {"from_stage": "mql", "to_stage": "won", "count": 1, "median_seconds": 122 * HOUR, "p90_seconds": 122 * HOUR}
    assert [(s["own"], s["passed"], s["skipped"]) for s in data["funnel"]["steps"]][:3] == [(9, None, 0), (5, 5, 1), (3, 3, 2)]
    assert data["by"] == "team" and data["filters"]["by"] == "team"
    north = next(row for row in data["breakdown"] if row["key"] == str(world.north.pk))
    assert (north["leads"], north["won"], north["lost"], north["win_rate"], north["small_sample"]) == (3, 1, 2, 1 / 3, True)
    assert set(north) == {
        "key", "label", "leads", "mqls", "sqls", "opportunities", "won", "lost", "revenue", "win_rate",
        "sql_rate", "revenue_per_lead", "revenue_per_mql", "revenue_per_won", "median_mql_to_won_seconds",
        "small_sample",
    }
    totals = data["totals"]
    assert (totals["leads"], totals["won"], totals["lost"], totals["median_mql_to_won_seconds"]) == (9, 1, 2, 122 * HOUR)
    assert sum(row["leads"] for row in data["breakdown"]) == totals["leads"]


def test_the_schema_documents_the_contract(client, marketer):
    client.force_login(marketer)
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    assert set(components["Outcomes"]["properties"]) >= {"won", "lost", "open", "win_rate"}
    assert set(components["StageLeadTime"]["properties"]) == {"from_stage", "to_stage", "count", "median_seconds", "p90_seconds"}
    assert {"breakdown", "totals", "lead_times", "outcomes"} <= set(components["Dashboard"]["properties"])
    parameters = {p["name"] for p in schema["paths"]["/api/dashboard/"]["get"]["parameters"]}
    assert {"by", "period"} <= parameters


def test_json_has_lost_reasons_rejections_comments_and_the_currency(client, marketer, world, settings):
    settings.CURRENCY = "USD"
    client.force_login(marketer)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    data = client.get("/api/dashboard/" + WORLD_QUERY + "&by=source").json()

    assert data["currency"] == "USD"
    assert data["lost_reasons"] == [
        {"key": "price", "label": "Price", "count": 1, "value": "2500.00"},
        {"key": "", "label": "(no reason given)", "count": 1, "value": "0.00"},
    ]
    meta = next(row for row in data["feedback"] if row["key"] == "meta")
    assert (meta["judged"], meta["rejected"], meta["rejected_at_accept"], meta["rejected_share"]) == (3, 1, 0, 1 / 3)
    assert [(c["key"], [x["comment"] for x in c["comments"]]) for c in data["comments"]] == [
        ("meta", ["Drie man personeel"]), ("google_ads", ["Prima lead", "Offerte binnen een dag"]),
    ]
    assert data["comments"][0]["comments"][0]["disposition"] == "no_fit"
    assert {row["key"]: row["leads"] for row in data["breakdown"]} == {"google / cpc": 2, "Beurs Hannover": 1, "": 6}
    assert data["follow_up"][0]["key"]


def test_the_schema_documents_the_new_keys():
    from drf_spectacular.generators import SchemaGenerator

    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    assert {"currency", "lost_reasons", "comments"} <= set(components["Dashboard"]["properties"])
    assert {"rejected", "rejected_at_accept", "judged"} <= set(components["FeedbackRow"]["properties"])
    assert set(components["LostReason"]["properties"]) == {"key", "label", "count", "value"}
    by = next(p for p in SchemaGenerator().get_schema(request=None, public=True)["paths"]["/api/dashboard/"]["get"]["parameters"] if p["name"] == "by")
    assert "source" in by["schema"]["enum"]
