import csv
import io
from decimal import Decimal

import pytest

from common.escaping import csv_cell, plotly_text, slack_link, slack_text, teams_text, write_csv


def test_slack_text_turns_mentions_and_links_into_plain_characters():
    assert slack_text("<!channel> hi") == "&lt;!channel&gt; hi"
    assert slack_text("<https://evil.example|Open in Handoff>") == "&lt;https://evil.example|Open in Handoff&gt;"
    assert slack_text("Jansen & Zn") == "Jansen &amp; Zn"


def test_slack_text_leaves_what_slack_does_not_read_alone():
    # Slack decodes only &amp; &lt; &gt;: an escaped quote would show as "&#39;".
    assert slack_text("O'Brien \"BV\" *vet*") == "O'Brien \"BV\" *vet*"


def test_slack_link_keeps_our_link_and_escapes_its_label_and_url():
    assert slack_link("https://handoff.example/leads/7/", "Open the lead") == "<https://handoff.example/leads/7/|Open the lead>"
    assert slack_link("https://h.example/?a=1&b=2", "<!here> Kees & co") == (
        "<https://h.example/?a=1&amp;b=2|&lt;!here&gt; Kees &amp; co>"
    )
    assert slack_link("https://h.example/x|y", "z") == "<https://h.example/x%7Cy|z>"


@pytest.mark.parametrize(
    "text, escaped",
    [
        ("[Klik hier](https://evil.example)", r"\[Klik hier\](https://evil.example)"),
        ("**urgent** _now_", r"\*\*urgent\*\* \_now\_"),
        ("- one\n+ two\n# three\n  - four", "\\- one\n\\+ two\n\\# three\n  \\- four"),
        ("1. first\n 2) second\n10.", "1\\. first\n 2\\) second\n10\\."),
        ("<at>Sales</at> &amp;", r"\<at\>Sales\</at\> \&amp;"),
        ("back\\slash `code` ~strike~", r"back\\slash \`code\` \~strike\~"),
    ],
)
def test_teams_text_neutralises_markdown(text, escaped):
    assert teams_text(text) == escaped


@pytest.mark.parametrize(
    "text",
    ["Kees de Vries, inkoper bij Metaal-Techniek B.V. (Eindhoven) 06-1234 5678", "50.0 % (Off target)", "-5 %", "#2 supplier", "a|b"],
)
def test_teams_text_leaves_ordinary_text_readable(text):
    assert teams_text(text) == text


def test_plotly_text_shows_markup_as_typed():
    assert plotly_text('<a href="https://evil.example">win</a>') == '&lt;a href="https://evil.example"&gt;win&lt;/a&gt;'
    assert plotly_text("R&D <br> fair") == "R&amp;D &lt;br&gt; fair"
    assert plotly_text(42) == "42"


@pytest.mark.parametrize(
    "value",
    ['=HYPERLINK("https://evil.example","Klik")', "+cmd|' /C calc'!A0", "@SUM(A1:A9)", "-2+3", "\t=1+1", "\r=1+1"],
)
def test_csv_cell_makes_formulas_text(value):
    assert csv_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["-12.5", "-12,5", "-3", "Kees", "", "3-2", "a=b"])
def test_csv_cell_leaves_numbers_and_ordinary_text(value):
    assert csv_cell(value) == value


def test_csv_cell_leaves_numbers_and_empty_cells_as_they_are():
    assert [csv_cell(v) for v in (None, 0, -4, 1.5, Decimal("-2.50"), True)] == [None, 0, -4, 1.5, Decimal("-2.50"), True]


def test_write_csv_escapes_header_and_every_cell():
    file = io.StringIO()
    write_csv(file, ["campaign", "=evil"], [["@SUM(A1)", 3], ["spring", "-1"]])
    assert list(csv.reader(io.StringIO(file.getvalue()))) == [
        ["campaign", "'=evil"], ["'@SUM(A1)", "3"], ["spring", "-1"],
    ]
