"""The CSV files: stable English keys in every language, a key per row, and the "for Excel"
dialect (byte order mark; in Dutch semicolons and decimal commas)."""

import pytest
from django.utils import translation

from dashboard import exports
from dashboard.tests.world import NOW, add_sourcing_facts, period

QUERY = "?mode=cohort&start=2026-11-01&end=2026-11-15"


def lines(response) -> list[str]:
    return response.content.decode("utf-8").splitlines()


@pytest.fixture
def dutch(client, marketer):
    client.force_login(marketer)
    client.post("/i18n/setlang/", {"language": "nl", "next": "/"})
    return client


@pytest.fixture
def english(client, marketer):
    client.force_login(marketer)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def test_the_excel_file_in_dutch_has_a_bom_semicolons_and_decimal_commas(dutch, world):
    response = dutch.get("/dashboard/export/excel/funnel.csv" + QUERY)
    assert response.status_code == 200
    assert "handoff-funnel-cohort-2026-11-01-2026-11-15-excel.csv" in response["Content-Disposition"]
    assert response.content.startswith("\ufeff".encode())
    header, leads, mql = lines(response)[:3]
    assert header == "\ufeffstage;reached;step_conversion_pct;from_top_pct;median_hours;p90_hours;too_early;passed;skipped"
    assert mql == "mql;6;55,6;66,7;1,0;17,2;;5;1"


def test_the_excel_file_in_english_keeps_commas_and_dots(english, world):
    response = english.get("/dashboard/export/excel/funnel.csv" + QUERY)
    assert lines(response)[2] == "mql,6,55.6,66.7,1.0,17.2,,5,1"
    assert response.content.startswith("\ufeff".encode())


def test_the_plain_file_is_the_same_in_every_language(dutch, english, world):
    plain_nl = dutch.get("/dashboard/export/feedback.csv" + QUERY).content
    plain_en = english.get("/dashboard/export/feedback.csv" + QUERY).content
    assert plain_nl == plain_en
    assert not plain_en.startswith("\ufeff".encode())


@pytest.mark.django_db
def test_every_table_has_english_keys_and_a_key_per_row(world):
    with translation.override("nl"):
        for name, table in exports.TABLES.items():
            header, rows = table(period(), now=NOW)
            assert all(key.isascii() and key == key.lower() and " " not in key for key in header), name
            width = 2 if name == "lead-times" else 1  # from_stage and to_stage
            keys = [tuple(row[:width]) for row in rows]
            assert len(keys) == len(set(keys)), name  # a row's key names it


@pytest.mark.django_db
def test_feedback_and_lost_reason_tables(world):
    header, rows = exports.feedback_table(period(), now=NOW)
    meta = dict(zip(header, next(row for row in rows if row[0] == "meta")))
    assert (meta["feedback"], meta["no_fit"], meta["not_reached"], meta["no_urgency"]) == (3, 1, 1, 1)
    assert (meta["rejected_at_accept"], meta["rejected"], str(meta["rejected_pct"])) == (0, 1, "33.3")
    header, rows = exports.lost_reasons_table(period(), now=NOW)
    assert header == ["key", "label", "lost", "value", "currency"]
    assert [(r[0], r[2], str(r[3]), r[4]) for r in rows] == [("price", 1, "2500.00", "EUR"), ("none", 1, "0.00", "EUR")]


@pytest.mark.django_db
def test_the_currency_setting_names_the_amounts(world, settings):
    settings.CURRENCY = "CHF"
    header, rows = exports.outcomes_table(period(), now=NOW)
    assert dict(zip(header, rows[0]))["currency"] == "CHF"


@pytest.mark.django_db
def test_sourcing_and_campaign_cost_tables(world, client, marketer):
    add_sourcing_facts(world)
    header, rows = exports.sourcing_table(period(), now=NOW)
    marketing = dict(zip(header, rows[0]))
    assert [row[0] for row in rows] == ["marketing", "sales", "partner", "referral"]
    assert (marketing["leads"], str(marketing["pipeline_value"]), str(marketing["share_of_revenue_pct"])) == (6, "10000.00", "100.0")
    header, rows = exports.campaign_costs_table(period(), now=NOW)
    search = dict(zip(header, next(row for row in rows if row[1] == "Search")))
    assert (str(search["cost_per_lead"]), str(search["cost_per_won"]), str(search["return_on_spend"])) == ("1000.00", "2000.00", "5.00")
    brand = dict(zip(header, next(row for row in rows if row[1] == "Brand")))
    assert brand["cost_per_won"] == ""  # the page shows "—"
    client.force_login(marketer)
    response = client.get("/dashboard/export/campaign-costs.csv" + QUERY)
    assert response.status_code == 200
    assert lines(response)[0].startswith("key,name,budget,leads")
