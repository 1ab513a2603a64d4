"""ISO weeks in the business time zone: what "last week" means for the weekly review."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from common.business_time import business_time_zone, start_of_day

WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True, order=True)
class IsoWeek:
    year: int
    week: int

    def __post_init__(self):
        # date.fromisocalendar refuses week 53 of a 52-week year, and week 0.
        date.fromisocalendar(self.year, self.week, 1)

    @classmethod
    def parse(cls, text: str) -> "IsoWeek":
        """"2026-W46" (what <input type="week"> sends) → IsoWeek; ValueError otherwise."""
        match = WEEK_PATTERN.match(text.strip())
        if not match:
            raise ValueError(f"{text!r} is not a week like 2026-W46")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, day: date) -> "IsoWeek":
        year, week, _ = day.isocalendar()
        return cls(year, week)

    @classmethod
    def last_complete(cls, now: datetime) -> "IsoWeek":
        """The week before the one `now` falls in, on the business's calendar."""
        today = now.astimezone(business_time_zone()).date()
        return cls.of(today - timedelta(days=7))

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def start_at(self) -> datetime:
        """Monday 00:00 in the business time zone, in UTC."""
        return start_of_day(self.monday)

    @property
    def end_at(self) -> datetime:
        """The next Monday 00:00 in the business time zone, in UTC (exclusive)."""
        return start_of_day(self.monday + timedelta(days=7))

    def shifted(self, weeks: int) -> "IsoWeek":
        return IsoWeek.of(self.monday + timedelta(days=7 * weeks))

    def is_complete(self, now: datetime) -> bool:
        return self.end_at <= now

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"
