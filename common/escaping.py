"""Text from data made inert for where it goes: one helper per exit.

Anyone who fills in a public form controls a lead's name, company, job title and campaign.
Each channel reads some characters as instructions, so every text that leaves is escaped
for its channel here, and nowhere else: Slack (mrkdwn), Microsoft Teams (Adaptive Card
Markdown), Plotly (labels and hovers, which draw a subset of HTML) and CSV cells (which
spreadsheets run as formulas). E-mail HTML is escaped by Django's templates.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from decimal import Decimal

# --- Slack ---------------------------------------------------------------------------------
# Slack reads only these three as control characters (mentions like <!channel>, links like
# <url|text>) and decodes only these three entities: anything more would show as "&#39;".
_SLACK = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def slack_text(text: object) -> str:
    """Text for a Slack mrkdwn field (or a message's `text`): no mentions, no links."""
    return str(text).translate(_SLACK)


def slack_link(url: str, label: object) -> str:
    """A link *we* put in a Slack message: `<url|label>`, the label escaped, and the URL's own
    control characters too, so neither can close the link early or open another."""
    return f"<{slack_text(url).replace('|', '%7C')}|{slack_text(label)}>"


# --- Microsoft Teams -----------------------------------------------------------------------
# Adaptive Cards read Markdown in TextBlock text and in FactSet titles and values: **bold**,
# _italic_, [text](url) links, lists. A backslash before a character Markdown could read makes
# it literal (CommonMark's rule, which Teams follows): the inline marks anywhere (with "[" and
# "]" escaped no link can form, so parentheses stay as they are), and list and heading marks
# where they count, at the start of a line before a space. "<" and "&" too, so no HTML or
# entity forms where a client falls back to rendering HTML.
_TEAMS_INLINE = re.compile(r"([\\`*_\[\]<>&~])")
_TEAMS_LINE_START = re.compile(r"^([ \t]*)([-+#]|\d{1,9}(?=[.)]))(?=[.)]?(?:\s|$))", re.MULTILINE)


def teams_text(text: object) -> str:
    """Text for an Adaptive Card TextBlock or Fact: no links, no emphasis, no lists."""
    escaped = _TEAMS_INLINE.sub(r"\\\1", str(text))
    return _TEAMS_LINE_START.sub(_escape_line_start, escaped)


def _escape_line_start(match: re.Match) -> str:
    indent, mark = match.groups()
    if mark[0].isdigit():  # "1. item": the dot after the number makes the list
        return f"{indent}{mark}\\"
    return f"{indent}\\{mark}"


# --- Plotly --------------------------------------------------------------------------------
# plotly.js draws a subset of HTML in labels, hovers and tick texts (<a href>, <b>, <br>, …)
# and decodes entities, so escaping the three markup characters shows the text as typed.
_PLOTLY = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def plotly_text(text: object) -> str:
    """A label, category or hover text from data, safe in a Plotly figure."""
    return str(text).translate(_PLOTLY)


# --- CSV -----------------------------------------------------------------------------------
# Excel, LibreOffice and Google Sheets run a cell that starts with one of these as a formula
# (=HYPERLINK(…), +cmd|…, @SUM(…)); a tab or carriage return in front hides it from the eye
# but not from the parser. OWASP's advice: prefix a quote, which makes the cell text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?\d+([.,]\d+)?")  # "-12.5", or "-12,5" where a comma is the decimal sign


def csv_cell(value: object) -> object:
    """A CSV cell that a spreadsheet shows as text, never runs. Numbers stay numbers (a
    negative figure like "-12.5" is not a formula)."""
    if value is None or isinstance(value, (bool, int, float, Decimal)):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def write_csv(file, header: Iterable[object], rows: Iterable[Iterable[object]]) -> None:
    """Write a header and rows to `file` (a response or an open file), every cell inert."""
    writer = csv.writer(file)
    writer.writerow([csv_cell(cell) for cell in header])
    writer.writerows([csv_cell(cell) for cell in row] for row in rows)
