from datetime import date

import plotly.graph_objects as go
import pytest

from dashboard import charts, metrics
from dashboard.metrics import Bucket, SourceRow, Week
from dashboard.tests.world import NOW, add_speed_facts, period


def valid(figure: dict) -> dict:
    """graph_objects raises on any property plotly.js does not know."""
    go.Figure(figure)
    return figure


@pytest.mark.django_db
def test_every_figure_is_a_valid_plotly_figure_with_the_tables_numbers(world):
    data = metrics.dashboard(period(), now=NOW)

    figures = {name: valid(figure) for name, figure in charts.figures(data, target=0.3).items()}

    assert set(figures) == {"funnel", "weekly", "first-attempt", "mql-to-sql", "sources", "speed"}
    assert figures["funnel"]["data"][0]["x"] == [9, 6, 5, 4, 2, 1]
    assert figures["mql-to-sql"]["data"][0]["y"] == [2, 0, 1, 0, 1, 0, 0, 0]
    sources = figures["sources"]["data"][0]
    assert dict(zip(sources["y"], sources["x"]))[str(data.sources[0].label)] == 1.0  # Google Ads
    assert figures["sources"]["layout"]["shapes"][0]["x0"] == 0.3


@pytest.mark.django_db
def test_speed_chart_has_a_bar_per_bucket_and_clock_with_its_n(world, rep, other_rep, manager):
    add_speed_facts(world, rep=rep, other_rep=other_rep, manager=manager)
    figure = valid(charts.speed_chart(metrics.speed_to_lead(period())))
    clock, business = figure["data"]
    assert clock["y"] == [None, 1.0, 1.0, 0.0, None, 0.5]
    assert business["y"] == [1.0, 1.0, 0.0, None, None, 0.5]
    assert clock["text"][2].endswith("n = 2") and clock["text"][0] == "—"
    assert clock["marker"]["opacity"][2] < 1  # two MQLs: a small sample


def test_weekly_chart_draws_maturing_weeks_apart_and_the_target():
    weeks = [
        Week(date(2026, 11, 2), 10, 3, maturing=False),
        Week(date(2026, 11, 9), 0, 0, maturing=False),
        Week(date(2026, 11, 16), 4, 2, maturing=False),
        Week(date(2026, 11, 23), 5, 1, maturing=True),
    ]

    figure = valid(charts.weekly_chart(weeks, target=0.3, cohort=True))

    settled, maturing, target = figure["data"]
    assert settled["y"] == [0.3, None, 0.5, None]  # an empty week is a gap, not 0 %
    assert maturing["y"] == [None, None, 0.5, 0.2]
    assert target["y"] == [0.3, 0.3] and target["x"] == ["2026-11-02", "2026-11-23"]
    assert figure["layout"]["yaxis"]["range"] == [0, 0.5 * 1.15]


def test_charts_of_nothing_are_still_valid():
    assert valid(charts.distribution_chart([Bucket("< 15 min", 0)]))
    assert valid(charts.source_chart([], target=0.3))
    empty = SourceRow("meta", "Meta", 0, 0, 0, 0, 0)
    assert valid(charts.source_chart([empty], target=0.3))["data"][0]["text"] == ["—"]


@pytest.mark.django_db
def test_every_bar_of_the_breakdown_says_its_n_and_small_ones_are_pale(world):
    data = metrics.dashboard(period(), now=NOW)

    trace = charts.figures(data, target=0.3)["sources"]["data"][0]

    bars = dict(zip(trace["y"], trace["text"]))
    assert bars["Google Ads"].endswith("· n = 2")
    assert set(trace["marker"]["color"]) == {charts.BRAND_LIGHT}  # every row has < 30 MQLs
    assert bars["Direct"] == "—"  # no MQLs: no rate, no n


@pytest.mark.django_db
def test_months_keep_their_order_in_the_chart(world):
    data = metrics.dashboard(period(by="week"), now=NOW)

    trace = charts.figures(data, target=0.3)["sources"]["data"][0]

    assert trace["y"] == [row.label for row in reversed(data.breakdown.rows)]


def test_labels_from_data_carry_no_live_markup():
    """A campaign is whatever a form's utm_campaign said: plotly.js would draw <a href> as a
    link in the bar's label and its hover."""
    hostile = '<a href="https://evil.example">Klik</a> & <b>win</b>'
    row = SourceRow("x", hostile, 4, 2, 1, 0, 0)

    trace = valid(charts.source_chart([row], target=0.3))["data"][0]

    assert trace["y"] == ['&lt;a href="https://evil.example"&gt;Klik&lt;/a&gt; &amp; &lt;b&gt;win&lt;/b&gt;']
    assert "%{y}" in trace["hovertemplate"]  # the hover shows the escaped label, nothing raw
    bars = valid(charts.distribution_chart([Bucket("<b>", 1)]))["data"][0]
    assert bars["x"] == ["&lt;b&gt;"]
