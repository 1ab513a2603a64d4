"""How late a follow-up is, in a few grades instead of one red "overdue": in time, due soon
(less than a business hour left, or inside the SLA policy's warning window), overdue, and
badly overdue (a working day or more past the deadline). A queue where everything is red says
nothing; grades say where to start.

Pure (but for `scale_now`, which reads the calendar): `now` and the business calendar are passed in. For a given moment each grade is a range
of deadlines, so `LatenessScale.at()` turns the rule into two moments once, and both a row's
grade and the counts over a whole queue (computed in the database) follow from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from common.business_time import BusinessCalendar
from handoff.models import HandoffSettings, SlaClock

# Less than this much working time left: due soon, whatever the policy's window says.
DUE_SOON_WITHIN = timedelta(hours=1)


class Lateness(models.TextChoices):
    IN_TIME = "in_time", _("In time")
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")
    BADLY_OVERDUE = "badly_overdue", _("Badly overdue")


# Most urgent first: the order of the counts above a queue.
BY_URGENCY = (Lateness.BADLY_OVERDUE, Lateness.OVERDUE, Lateness.DUE_SOON, Lateness.IN_TIME)


@dataclass(frozen=True)
class LatenessScale:
    """The grades as of `now`: deadlines before `badly_before` are badly overdue, before `now`
    overdue, before `soon_until` (or past their warning window) due soon, later ones in time."""

    now: datetime
    soon_until: datetime
    badly_before: datetime

    @classmethod
    def at(
        cls, now: datetime, calendar: BusinessCalendar, *, soon_within: timedelta = DUE_SOON_WITHIN,
        badly_after: timedelta | None = None,
    ) -> LatenessScale:
        """`badly_after` defaults to the calendar's working day: late by a day or more."""
        badly_after = calendar.working_day_length() if badly_after is None else badly_after
        return cls(
            now=now,
            soon_until=calendar.add_business_time(now, soon_within),
            badly_before=calendar.subtract_business_time(now, badly_after),
        )

    def grade(self, due_by: datetime | None, *, warn_from: datetime | None = None) -> Lateness | None:
        """The grade of one deadline (None: no deadline). `warn_from` is where the policy's
        warning window opens (`SlaClock.warn_from`), when the clock has one."""
        if due_by is None:
            return None
        if due_by <= self.badly_before:
            return Lateness.BADLY_OVERDUE
        if due_by < self.now:
            return Lateness.OVERDUE
        if due_by < self.soon_until or (warn_from is not None and warn_from <= self.now):
            return Lateness.DUE_SOON
        return Lateness.IN_TIME

    def of_lead(self, lead) -> Lateness | None:
        """A lead's grade, from its deadline and its clock's warning window (select the clock
        with the lead: `select_related("sla_clock")`)."""
        clock = getattr(lead, "sla_clock", None) if lead.respond_by is not None else None
        return self.grade(lead.respond_by, warn_from=clock.warn_from if clock else None)

    def filters(self, prefix: str = "") -> dict[Lateness, Q]:
        """Each grade as a filter on leads (`prefix` for a relation to the lead), for counting
        in the database what `grade()` says row by row. The warning window is asked of the
        lead's clock after its deadline, so counting a queue of overdue leads reads no clock
        (a join would read one per lead of the queue)."""
        respond_by = f"{prefix}respond_by"
        in_warning = Exists(SlaClock.objects.filter(lead=OuterRef(f"{prefix}pk"), warn_from__lte=self.now))
        due_soon = Q(**{f"{respond_by}__gte": self.now}) & (Q(**{f"{respond_by}__lt": self.soon_until}) | in_warning)
        return {
            Lateness.BADLY_OVERDUE: Q(**{f"{respond_by}__lte": self.badly_before}),
            Lateness.OVERDUE: Q(**{f"{respond_by}__gt": self.badly_before, f"{respond_by}__lt": self.now}),
            Lateness.DUE_SOON: due_soon,
            Lateness.IN_TIME: Q(**{f"{respond_by}__gte": self.soon_until}) & ~in_warning,
        }


def count_by_lateness(leads: models.QuerySet, scale: LatenessScale) -> list[tuple[Lateness, int]]:
    """(grade, number of leads) for every grade, most urgent first, in one query."""
    filters = scale.filters()
    counts = leads.order_by().aggregate(**{grade.value: models.Count("pk", filter=filters[grade]) for grade in BY_URGENCY})
    return [(grade, counts[grade.value]) for grade in BY_URGENCY]


def scale_now(now: datetime) -> LatenessScale:
    """The scale as of `now` on the business calendar of the handoff settings (one query)."""
    return LatenessScale.at(now, HandoffSettings.load().calendar())
