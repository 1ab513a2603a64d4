"""The review as one CSV table: a row per figure and line (everyone, each team, each rep),
with its target and verdict. Numbers written plainly, as in the dashboard's CSV files."""

from __future__ import annotations

from django.utils.translation import gettext as _

from dashboard.formatting import csv_hours, csv_number, csv_percent
from review.metrics import Line, Review, judge_line
from review.targets import Judged


def _value(kind: str, value) -> str:
    if value is None:
        return ""
    return {"share": csv_percent, "hours": csv_hours, "count": lambda v: csv_number(v, 0), "ratio": lambda v: csv_number(v, 1)}[kind](value)


def line_figures(line: Line, judged: dict[str, Judged]) -> list[tuple[str, str, float | None, str]]:
    """(figure, unit kind, value, judged key or "") for one line, in the page's order."""
    return [
        (_("MQLs received"), "count", line.mqls, "delivered"),
        (_("Contacted within the SLA (%)"), "share", line.within_sla_share, "within_sla"),
        (_("Median time to first contact (business hours)"), "hours", line.median_seconds, "median"),
        (_("90th percentile time to first contact (business hours)"), "hours", line.p90_seconds, "p90"),
        (_("Never contacted, past the deadline"), "count", line.never_contacted, "never_contacted"),
        (_("Attempts per lead"), "ratio", line.attempts_per_lead, ""),
        (_("Written off with too few attempts"), "count", line.written_off_early, "written_off_early"),
        (_("Returned to nurture"), "count", line.returned, ""),
        (_("Feedback given (%)"), "share", line.feedback_share, "feedback"),
        (_("Open breaches"), "count", line.open_breaches, "open_breaches"),
        (_("First contact after the deadline, or not at all"), "count", line.missed_first_contact, ""),
        (_("Missed a deadline"), "count", line.missed_deadlines, ""),
        (_("Accepted by sales (%)"), "share", line.accepted_share, "accepted"),
        (_("Complete data (%)"), "share", line.complete_share, "complete"),
        (_("MQL → SQL (%)"), "share", line.mql_to_sql, "mql_to_sql"),
    ]


def target_text(kind: str, key: str, judged: dict[str, Judged]) -> tuple[str, str]:
    verdict = judged.get(key)
    if verdict is None or verdict.target is None:
        return "", ""
    # Zero targets are judged as a share of the MQLs; the count's target is simply 0.
    target = "0" if verdict.target == 0 else _value("count" if kind == "count" else kind, verdict.target)
    return target, str(verdict.status.label) if verdict.status else ""


def review_table(review: Review, *, scope: str) -> tuple[list[str], list[list]]:
    header = [
        _("Week"), _("Scope"), _("Team"), _("Rep"), _("Figure"), _("Value"), _("Target"), _("Status"),
    ]
    lines = [("", "", review.total, review.judged)]
    for block in review.teams:
        lines.append((block.team.label, "", block.team, judge_line(block.team, review.agreement, whole_company=False)))
        for rep in block.reps:
            lines.append((block.team.label, rep.label, rep, judge_line(rep, review.agreement, whole_company=False)))
    rows = []
    for team, rep, line, judged in lines:
        for label, kind, value, key in line_figures(line, judged):
            target, status = target_text(kind, key, judged)
            rows.append([str(review.week), scope, team, rep, label, _value(kind, value), target, status])
    for reason in review.reasons:
        rows.append([str(review.week), scope, "", "", _("Rejected: %(reason)s") % {"reason": reason.label}, reason.leads, "", ""])
    return header, rows
