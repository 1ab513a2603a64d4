"""Green, amber or red: each figure of the weekly review against the agreement's target.

Amber is a near miss: the figure misses its target by at most the agreement's margin
(default 10 %) of the target. MQL→SQL at 30 % is amber from 27 %, feedback at 100 % from 90 %,
a 24-hour response time up to 26.4 hours. Where the target is zero (never contacted, open
breaches, leads written off too early) the figure is a share of the week's MQLs, and amber up
to the margin itself (10 % of the MQLs). No value (nothing to divide by) is judged at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    GOOD = "good", _("On target")
    AMBER = "amber", _("Near miss")
    BAD = "bad", _("Off target")


def judge(value: float | None, target: float | None, *, higher_is_better: bool, margin: float) -> Status | None:
    """`margin` is a fraction (0.10 for 10 %)."""
    if value is None or target is None:
        return None
    if higher_is_better:
        if value >= target:
            return Status.GOOD
        return Status.AMBER if value >= target * (1 - margin) else Status.BAD
    if value <= target:
        return Status.GOOD
    allowed = target * (1 + margin) if target else margin
    return Status.AMBER if value <= allowed else Status.BAD


@dataclass(frozen=True)
class Judged:
    """A figure, its target and the verdict; `value`/`target` are in the figure's own unit
    (a share 0–1, seconds or a count)."""

    value: float | None
    target: float | None
    status: Status | None

    @classmethod
    def of(cls, value, target, *, higher_is_better: bool, margin: float) -> "Judged":
        return cls(value, target, judge(value, target, higher_is_better=higher_is_better, margin=margin))
