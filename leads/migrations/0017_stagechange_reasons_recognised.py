"""Stage-change reasons stored as sentences before codes existed, turned into codes where their
wording is recognised (the policy's thresholds, "not reached after 3 attempts"), in English or
in Dutch; every other row keeps its text and is shown as it is."""

import re

from django.db import migrations

THRESHOLDS = (
    r"fit (?P<fit>-?\d+) (?P<fit_sign>[≥<]) (?P<fit_threshold>-?\d+)"
    r"(?:, engagement (?P<engagement>-?\d+) (?P<sign>[≥<]) (?P<threshold>-?\d+))?"
)
# (pattern, code of the message; the thresholds' message goes in as "thresholds").
RECOGNISED = [
    (re.compile(rf"(?:Not \(yet\) an MQL|\(Nog\) geen MQL): {THRESHOLDS}"), "decision.nurture"),
    (re.compile(rf"(?:No longer disqualified: the facts changed|Niet langer gediskwalificeerd: de gegevens zijn veranderd) \({THRESHOLDS}\)"),
     "decision.no_longer_disqualified"),
    (re.compile(rf"{THRESHOLDS} — (?:existing customer: for account management|bestaande klant: voor accountmanagement)"),
     "decision.for_account_management"),
    (re.compile(THRESHOLDS), None),  # an MQL's reason without a trigger: the thresholds alone
]
NOT_REACHED = [
    (re.compile(r"(?:not reached after|niet bereikt na) (?P<n>\d+) (?:attempts|pogingen)"), "sla.not_reached", "n"),
    (re.compile(r"(?:Not reached after|Niet bereikt na) (?P<n>\d+) (?:attempts|pogingen)"), "sales.not_reached", "count"),
]


def thresholds(match: re.Match) -> dict:
    n = {name: int(value) for name, value in match.groupdict().items() if value and value.lstrip("-").isdigit()}
    if match.group("engagement") is None:
        return {"code": "score.fit_vs", "params": {"fit": n["fit"], "sign": match.group("fit_sign"), "threshold": n["fit_threshold"]}}
    return {
        "code": "score.fit_and_engagement_vs",
        "params": {
            "fit": n["fit"], "fit_sign": match.group("fit_sign"), "fit_threshold": n["fit_threshold"],
            "engagement": n["engagement"], "sign": match.group("sign"), "threshold": n["threshold"],
        },
    }


def recognised(reason: str) -> dict | None:
    """The message `reason` was written from, or None when its wording is not known."""
    for pattern, code, name in NOT_REACHED:
        if match := pattern.fullmatch(reason):
            return {"code": code, "params": {name: int(match.group("n"))}}
    for pattern, code in RECOGNISED:
        if match := pattern.fullmatch(reason):
            said = thresholds(match)
            return said if code is None else {"code": code, "params": {"thresholds": said}}
    return None


def forwards(apps, schema_editor):
    StageChange = apps.get_model("leads", "StageChange")
    rows = StageChange.objects.filter(reason_message__isnull=True).exclude(reason="").only("reason")
    for change in rows.iterator(chunk_size=2000):
        said = recognised(change.reason)
        if said is not None:
            StageChange.objects.filter(pk=change.pk).update(reason="", reason_message=said)


class Migration(migrations.Migration):
    dependencies = [("leads", "0016_stagechange_reason_message")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
