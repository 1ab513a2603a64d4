import csv
import io
import re

import pytest

from dashboard import metrics
from dashboard.tests.world import NOW, add_speed_facts, period
from leads import rollups
from leads.models import Lead

FUNNEL = "/dashboard/"
WORLD_QUERY = "?mode=cohort&start=2026-11-01&end=2026-11-15"


@pytest.mark.parametrize("persona", ["rep", "manager", "marketer", "revops_admin"])
def test_every_role_reads_the_funnel(client, request, persona):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(FUNNEL, follow=True)

    assert response.status_code == 200
    assert "The joint funnel" in response.content.decode() or "De gezamenlijke funnel" in response.content.decode()


def test_someone_without_a_role_may_not(client, outsider):
    client.force_login(outsider)
    assert client.get(FUNNEL + WORLD_QUERY).status_code == 403
    assert client.get("/dashboard/export/funnel.csv").status_code == 403
    assert client.get("/api/dashboard/").status_code == 403


def test_the_address_always_holds_the_filters(client, marketer, manager, rep, team):
    client.force_login(marketer)
    response = client.get(FUNNEL)
    assert response.status_code == 302
    assert re.fullmatch(r"/dashboard/\?mode=cohort&start=\d{4}-\d\d-\d\d&end=\d{4}-\d\d-\d\d", response["Location"])

    # Sales starts with its own team; anyone can choose "all teams" from there.
    client.force_login(manager)
    assert response_location(client).endswith(f"&team={team.pk}")
    client.force_login(rep)
    assert response_location(client).endswith(f"&team={team.pk}")


def unlinked(html: str) -> str:
    """The table's text without the links that lead from each count to its leads."""
    return re.sub(r"</?a\b[^>]*>", "", html)


def response_location(client):
    return client.get(FUNNEL)["Location"]


def test_the_page_shows_the_worked_out_figures(client, marketer, world, world_now):
    client.force_login(marketer)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    page = client.get(FUNNEL + WORLD_QUERY).content.decode()

    funnel_table = page[page.index('id="funnel-table"') : page.index("</table>", page.index('id="funnel-table"'))]
    cells = re.findall(r'<td class="num">([^<]*)</td>', unlinked(funnel_table))
    rows = [cells[i : i + 7] for i in range(0, len(cells), 7)]
    # reached, passed through, skipped, step conversion, from the top, median and 90th
    # percentile time (issue 15: conversion and times only of the leads that passed through)
    assert rows[0] == ["9", "", "", "", "", "", ""]
    assert rows[1] == ["6", "5", "1", "55.6 %", "66.7 %", "1.0 h", "17.2 h"]
    assert rows[2] == ["5", "3", "2", "60.0 %", "55.6 %", "2.0 h", "19.6 h"]
    assert rows[4] == ["2", "2", "0", "50.0 %", "22.2 %", "12.5 h", "21.7 h"]
    assert rows[5] == ["1", "1", "0", "50.0 %", "11.1 %", "3.0 days", "3.0 days"]
    assert "Too early to judge Opportunity" in page
    assert "a lead that skipped a stage is listed as skipped there" in page


def test_the_page_shows_outcomes_and_end_to_end_lead_times(client, marketer, world):
    client.force_login(marketer)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    page = client.get(FUNNEL + WORLD_QUERY).content.decode()

    def table(name):
        start = page.index(f'id="{name}"')
        return page[start : page.index("</table>", start)]

    outcomes = re.findall(r'<td class="num">([^<]*)</td>', unlinked(table("outcomes-table")))
    # won, lost, open, win rate, revenue, per lead, per MQL, per won deal
    assert outcomes == ["1", "2", "0", "33.3 %", "€ 10,000", "€ 1,111", "€ 1,667", "€ 10,000"]
    lead_times = re.findall(r'<th scope="row">([^<]*)</th>\s*<td class="num">(?:<a [^>]*>)?([^<]*)(?:</a>)?</td>\s*<td class="num">([^<]*)</td>', table("lead-times-table"))
    assert lead_times[3] == ("MQL → Won", "1", "5.1 days")


def test_the_funnel_explains_skipped_stages_in_dutch(client, marketer, world):
    client.force_login(marketer)
    client.post("/i18n/setlang/", {"language": "nl", "next": "/"})

    page = client.get(FUNNEL + WORLD_QUERY).content.decode()

    assert "overgeslagen" in page
    assert "Doorlooptijden van begin tot eind" in page


def test_empty_denominators_show_a_dash_never_zero_percent(client, marketer, world):
    client.force_login(marketer)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    page = client.get(FUNNEL + "?mode=cohort&start=2025-01-01&end=2025-01-31").content.decode()

    assert not re.search(r"(?<![\d.,])0\.0 %", page)
    assert page.count("—") >= 10


def test_bad_filters_get_a_message_and_no_figures(client, marketer):
    client.force_login(marketer)

    response = client.get(FUNNEL + "?start=2026-11-15&end=2026-11-01&channel=carrier-pigeon")

    assert response.status_code == 400
    page = response.content.decode()
    assert 'role="alert"' in page
    assert "funnel-table" not in page


def test_the_page_has_no_inline_script(client, marketer, world):
    client.force_login(marketer)

    page = client.get(FUNNEL + WORLD_QUERY).content.decode()

    scripts = re.findall(r"<script([^>]*)>", page)
    assert scripts, "the figures and plotly.js are missing"
    assert all("src=" in attrs or 'type="application/json"' in attrs for attrs in scripts)
    assert '<script src="/static/vendor/plotly.min.js"' in page
    for name in ["funnel", "weekly", "first-attempt", "mql-to-sql", "sources"]:
        assert f'id="figure-{name}"' in page and f'data-figure="figure-{name}"' in page


def test_the_page_allows_plotlys_style_blocks_by_hash_only(client, marketer):
    client.force_login(marketer)
    policy = client.get(FUNNEL + WORLD_QUERY)["Content-Security-Policy"]
    style_src = re.search(r"style-src ([^;]*)", policy).group(1)
    assert "'unsafe-inline'" not in style_src
    assert "'sha256-" in style_src
    assert "'unsafe-eval'" not in policy


def test_the_page_takes_a_fixed_number_of_queries(client, marketer, world, django_assert_num_queries):
    client.force_login(marketer)
    client.get(FUNNEL + WORLD_QUERY)  # the session is read once, then cached
    # session, user, roles, the chosen team, the agreement's target, 25 figures (both lead-time
    # distributions come from one query; speed to lead one, sourcing and the campaigns' costs one
    # each, after the sale two, routing quality four; from the rollups the funnel three, the
    # breakdown two, the follow-up per owner three, the two clocks four, sales' feedback one),
    # teams and sales people for the form.
    with django_assert_num_queries(33):
        client.get(FUNNEL + WORLD_QUERY + f"&team={world.north.pk}&channel=meta")
    for name in "KLM":
        Lead.objects.create(created_at=NOW, channel="meta", team=world.north)
    with django_assert_num_queries(33):
        client.get(FUNNEL + WORLD_QUERY + f"&team={world.north.pk}&channel=meta")


def test_drilling_down_links_to_the_channel_view(client, marketer, world):
    client.force_login(marketer)

    page = client.get(FUNNEL + WORLD_QUERY).content.decode()

    assert 'href="?mode=cohort&amp;start=2026-11-01&amp;end=2026-11-15&amp;channel=meta"' in page
    drilled = client.get(FUNNEL + WORLD_QUERY + "&channel=meta").content.decode()
    assert '<option value="Lookalike">' in drilled  # campaign suggestions


# --- CSV ------------------------------------------------------------------------------------


def csv_rows(response):
    return [line.split(",") for line in response.content.decode().strip().splitlines()]


def test_funnel_csv_has_the_same_numbers(client, marketer, world):
    client.force_login(marketer)

    response = client.get("/dashboard/export/funnel.csv" + WORLD_QUERY)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "handoff-funnel-cohort-2026-11-01-2026-11-15.csv" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0][:3] == ["stage", "reached", "step_conversion_pct"]  # the same in Dutch
    assert [row[0] for row in rows[1:]] == ["leads", "mql", "sal", "sql", "opportunity", "won"]
    assert [row[1] for row in rows[1:]] == ["9", "6", "5", "4", "2", "1"]
    assert rows[2][2:6] == ["55.6", "66.7", "1.0", "17.2"]  # MQL: %, %, hours, hours
    assert rows[2][7:] == ["5", "1"]  # passed through, skipped
    assert rows[1][2:6] == ["", "", "", ""]  # the top has no conversion and no lead time


@pytest.mark.parametrize("table", ["weekly", "sources", "feedback", "follow-up", "outcomes", "lead-times", "breakdown"])
def test_every_table_downloads(client, marketer, world, table):
    client.force_login(marketer)
    rows = csv_rows(client.get(f"/dashboard/export/{table}.csv" + WORLD_QUERY))
    assert len(rows) > 1
    assert len({len(row) for row in rows}) == 1  # every row as wide as the header


def test_sources_csv_matches_the_metric(client, marketer, world):
    client.force_login(marketer)
    rows = csv_rows(client.get("/dashboard/export/sources.csv" + WORLD_QUERY))
    expected = metrics.per_source(period())
    assert rows[0][:3] == ["key", "label", "leads"]
    assert [row[2:6] for row in rows[1:]] == [[str(r.leads), str(r.mqls), str(r.sqls), str(r.won)] for r in expected]
    google = next(row for row in rows if row[0] == "google_ads")
    assert google[1] == "Google Ads"
    assert google[6:] == ["100.0", "50.0", "10000.00", "5000", "5000", "EUR"]


def test_csv_cells_from_form_input_cannot_become_formulas(client, marketer, world):
    """utm_campaign is whatever a visitor's link said; Excel would run these."""
    hostile = ['=HYPERLINK("https://evil.example","Klik")', "+cmd|' /C calc'!A0", "@SUM(A1:A9)"]
    for campaign, lead in zip(hostile, Lead.objects.filter(channel="google_ads").order_by("pk")):
        Lead.objects.filter(pk=lead.pk).update(campaign=campaign)
        rollups.refresh(Lead.objects, [lead.pk])
    client.force_login(marketer)

    response = client.get("/dashboard/export/sources.csv" + WORLD_QUERY + "&channel=google_ads")

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    labels = {row[0] for row in rows[1:]}
    assert "'" + hostile[0] in labels and "'" + hostile[1] in labels
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)
    # The download for Excel (semicolons and decimal commas in Dutch) too.
    excel = client.get("/dashboard/export/excel/sources.csv" + WORLD_QUERY + "&channel=google_ads", HTTP_ACCEPT_LANGUAGE="nl")
    rows = list(csv.reader(io.StringIO(excel.content.decode("utf-8-sig")), delimiter=";"))
    assert "'" + hostile[0] in {row[0] for row in rows[1:]}
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)


def test_unknown_table_is_not_found(client, marketer):
    client.force_login(marketer)
    assert client.get("/dashboard/export/secrets.csv").status_code == 404


def test_csv_refuses_bad_filters(client, marketer):
    client.force_login(marketer)
    response = client.get("/dashboard/export/funnel.csv?start=yesterday")
    assert response.status_code == 400


# --- breakdowns and period presets -------------------------------------------------------------


def test_the_breakdown_has_a_totals_row_and_marks_small_samples(client, marketer, world):
    client.force_login(marketer)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    page = client.get(FUNNEL + WORLD_QUERY + "&by=owner").content.decode()

    table = page[page.index('id="sources-table"') : page.index("</table>", page.index('id="sources-table"'))]
    footer = table[table.index("<tfoot>") :]
    cells = re.findall(r'<td class="num">(.*?)</td>', unlinked(footer))
    # leads, MQLs, SQLs, opportunities, won, lost, revenue, win rate (n = 3 < 30), SQL rate, per
    # lead, per MQL, per won deal, median MQL → won
    assert cells[:7] == ["9", "6", "4", "2", "1", "2", "€ 10,000"]
    assert cells[7] == '33.3 %<sup title="n = 3">*</sup>'
    assert cells[8:] == ['66.7 %<sup title="n = 6">*</sup>', "€ 1,111", "€ 1,667", "€ 10,000", "5.1 days"]
    assert "<h2 id=\"sources-title\">Per owner</h2>" in page
    # An owner's row drills down into that owner's leads.
    rep_id = Lead.objects.get(pk=world.leads["A"].pk).owner_id
    assert f'&amp;owner={rep_id}">Rep</a>' in table


def test_a_period_preset_redirects_to_its_dates(client, marketer, world):
    client.force_login(marketer)

    response = client.get(FUNNEL + "?period=last_month&by=team")

    assert response.status_code == 302
    assert re.fullmatch(r"/dashboard/\?mode=cohort&start=\d{4}-\d\d-01&end=\d{4}-\d\d-\d\d&by=team", response["Location"])
    assert client.get(response["Location"]).status_code == 200


def test_breakdown_csv_has_the_apis_keys_and_a_totals_row(client, marketer, world):
    client.force_login(marketer)  # Dutch: the header stays English

    rows = csv_rows(client.get("/dashboard/export/breakdown.csv" + WORLD_QUERY + "&by=owner"))

    assert rows[0] == [
        "key", "label", "leads", "mqls", "sqls", "opportunities", "won", "lost", "revenue",
        "win_rate", "sql_rate", "revenue_per_lead", "revenue_per_mql", "revenue_per_won", "median_mql_to_won_seconds",
        "small_sample", "currency",
    ]
    rep = next(row for row in rows if row[1] == "Rep")
    assert rep[2:] == ["2", "2", "2", "2", "1", "1", "10000.00", "0.5000", "1.0000", "5000.00", "5000.00", "10000.00", "439200", "yes", "EUR"]
    assert rows[-1][:9] == ["total", "Totaal", "9", "6", "4", "2", "1", "2", "10000.00"]


def test_outcomes_and_lead_times_csv(client, marketer, world):
    client.force_login(marketer)

    outcomes = csv_rows(client.get("/dashboard/export/outcomes.csv" + WORLD_QUERY))
    lead_times = csv_rows(client.get("/dashboard/export/lead-times.csv" + WORLD_QUERY))

    assert dict(zip(*outcomes)) == {
        "won": "1", "lost": "2", "open": "0", "win_rate_pct": "33.3", "revenue": "10000.00",
        "revenue_per_lead": "1111.11", "revenue_per_mql": "1666.67", "revenue_per_won": "10000.00",
        "currency": "EUR",
    }
    assert lead_times[0] == ["from_stage", "to_stage", "count", "median_hours", "p90_hours"]
    assert ["mql", "won", "1", "122.0", "122.0"] in lead_times


OVERVIEW = "/dashboard/overview/"


@pytest.mark.parametrize("persona", ["rep", "manager", "marketer", "revops_admin"])
def test_every_role_still_reads_the_company_wide_overview(client, request, persona, settings):
    settings.LANGUAGE_CODE = "en"
    client.force_login(request.getfixturevalue(persona))
    response = client.get(OVERVIEW)
    assert response.status_code == 200
    assert "Latest stage changes" in response.content.decode()


def test_the_overview_is_not_for_someone_without_a_role(client, outsider):
    client.force_login(outsider)
    assert client.get(OVERVIEW).status_code == 403


def test_the_page_shows_speed_to_lead_and_the_two_clocks(client, marketer, world, rep, other_rep, manager, in_english):
    add_speed_facts(world, rep=rep, other_rep=other_rep, manager=manager)
    client.force_login(marketer)
    page = client.get(FUNNEL + WORLD_QUERY).content.decode()
    speed = page[page.index('id="speed-table"'):page.index('data-figure="figure-speed"')]
    # 30 min–4 h: A and B, in clock time: 2 MQLs, all to SAL and SQL, one won; small sample.
    row = speed[speed.index("30 min–4 h"):]
    cells = re.findall(r'<td class="num">(?:<a [^>]*>)?([^<]*)', row[:row.index("</tr>")])
    assert cells[:4] == ["2", "100.0 %", "100.0 %", "50.0 %"]
    assert "Per channel" in page and "Per intent tier" in page and "High intent" in page
    clocks = page[page.index('id="clocks-table"'):]
    total = clocks[clocks.index("<tfoot>"):clocks.index("</tfoot>")]
    # System: median 15 min of 4 leads; rep: median 58 min of 3.
    assert re.findall(r'<td class="num">(?:<a [^>]*>)?([^<]*)', total) == ["15 min", "48 min", "4", "58 min", "2.6 h", "3"]
    assert "Zuid" in clocks
