"""Business-hours arithmetic for SLA deadlines.

A lead that arrives on Friday at 16:50 with a 4-hour SLA is not due on Friday
at 20:50 but on Monday at 12:20: the clock only runs while the business is
open. This module answers that kind of question for one business calendar
(time zone + weekly working hours + public holidays + extra closed days).

Public holidays come from the `holidays` package, which has its own idea of
a day off: for the Netherlands it counts Good Friday, and Liberation Day
(5 May) only every fifth year. A business decides for itself, so a calendar
can name public holidays it works on (`worked_holidays`) and close on dates of
its own, once (`closed_days`) or every year (`closed_every_year`).

Pure Python on purpose (no database; only the business's zone comes from the settings) so it
can be tested in isolation and used in bulk sweeps over many leads.

Conventions:
- Every datetime going in must be timezone-aware; every datetime coming out
  is in UTC. Naive datetimes are rejected because guessing their zone is how
  deadlines end up an hour off.
- Working hours are wall-clock times in the calendar's time zone. A working
  interval is half-open: open at its start, closed at its end.
"""

from __future__ import annotations

from calendar import isleap
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from django.conf import settings

Interval = tuple[time, time]

# A deadline further away than this is a broken calendar (or a broken SLA),
# not a real commitment; stop looking instead of looping forever.
MAX_LOOKAHEAD_DAYS = 366 * 3

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class NoWorkingTimeError(ValueError):
    """The calendar has no (or not enough) working time in the search window."""


@dataclass(frozen=True)
class WorkingHours:
    """Weekly opening hours: for each weekday (Monday=0 .. Sunday=6) a tuple
    of (start, end) wall-clock intervals. Several intervals per day allow a
    lunch break; an empty tuple means closed all day.

    Intervals cannot run past midnight: a night shift is two intervals on two
    days.
    """

    days: tuple[tuple[Interval, ...], ...]

    def __post_init__(self) -> None:
        if len(self.days) != 7:
            raise ValueError(f"WorkingHours needs 7 days (Monday..Sunday), got {len(self.days)}")
        # Store sorted tuples so the dataclass is truly immutable and hashable,
        # whatever sequences the caller passed in.
        days = tuple(tuple(sorted(_as_interval(i) for i in day)) for day in self.days)
        for name, intervals in zip(WEEKDAY_NAMES, days):
            for start, end in intervals:
                if end <= start:
                    raise ValueError(
                        f"{name}: interval {start:%H:%M}-{end:%H:%M} must end after it starts"
                    )
            for (_, end), (next_start, _) in zip(intervals, intervals[1:]):
                if next_start < end:
                    raise ValueError(f"{name}: overlapping intervals at {next_start:%H:%M}")
        if not any(days):
            raise ValueError("WorkingHours has no working time at all in the week")
        object.__setattr__(self, "days", days)

    @classmethod
    def weekdays(cls, start: time, end: time) -> WorkingHours:
        """The common case: the same hours Monday to Friday, weekend closed."""
        working_day = ((start, end),)
        return cls(days=(working_day,) * 5 + ((), ()))

    def on(self, weekday: int) -> tuple[Interval, ...]:
        return self.days[weekday]


def _as_interval(value) -> Interval:
    # Nested tuples are easy to get one level wrong; say so plainly.
    if not (isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(t, time) for t in value)):
        raise TypeError(f"Each interval must be a (start, end) pair of datetime.time, got {value!r}")
    return (value[0], value[1])


@lru_cache(maxsize=None)
def _public_holidays(country: str, subdivision: str | None, year: int) -> dict[date, frozenset[str]]:
    # Building a holidays table is far slower than a set lookup, and a sweep
    # over a million leads only ever touches a handful of (country, year)s.
    table = holidays.country_holidays(country, subdiv=subdivision, years=year)
    return {day: frozenset(table.get_list(day)) for day in table}


@lru_cache(maxsize=None)
def public_holiday_names(country: str, subdivision: str | None = None) -> tuple[str, ...]:
    """Every holiday name the package knows for the country, in its own language, over a
    span of years wide enough to include the ones that come only every fifth year."""
    names: set[str] = set()
    for year in range(2020, 2036):
        for day_names in _public_holidays(country, subdivision, year).values():
            names |= day_names
    return tuple(sorted(names))


@dataclass(frozen=True)
class BusinessCalendar:
    time_zone: ZoneInfo
    hours: WorkingHours
    holiday_country: str | None = "NL"  # None: no public holidays, only closed_days
    holiday_subdivision: str | None = None
    closed_days: frozenset[date] = field(default_factory=frozenset)
    # (month, day) pairs closed every year, e.g. (5, 5) for Liberation Day.
    closed_every_year: frozenset[tuple[int, int]] = field(default_factory=frozenset)
    # Names of public holidays (as the holidays package spells them) that are working days.
    worked_holidays: frozenset[str] = field(default_factory=frozenset)
    # Closed dates per year, filled on first use; not part of the calendar's identity.
    _closed_by_year: dict[int, frozenset[date]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        if not isinstance(self.time_zone, ZoneInfo):
            raise ValueError("time_zone must be a ZoneInfo; use BusinessCalendar.build() to pass a name")
        object.__setattr__(self, "closed_days", frozenset(self.closed_days))
        object.__setattr__(self, "closed_every_year", frozenset(self.closed_every_year))
        object.__setattr__(self, "worked_holidays", frozenset(self.worked_holidays))
        for month, day in self.closed_every_year:
            try:
                date(2000, month, day)  # a leap year, so 29 February is allowed
            except (TypeError, ValueError):
                raise ValueError(f"Closed every year: {month:02}-{day:02} is not a date") from None
        if self.holiday_country is None:
            if self.worked_holidays:
                raise ValueError("Worked holidays need a holiday country")
            return
        # Fail at configuration time, not in the middle of a sweep.
        try:
            known = public_holiday_names(self.holiday_country, self.holiday_subdivision)
        except NotImplementedError as error:
            raise ValueError(f"Unknown holiday calendar: {error}") from None
        unknown = sorted(self.worked_holidays - set(known))
        if unknown:
            raise ValueError(
                f"Unknown public holiday {', '.join(unknown)!s} for {self.holiday_country}; "
                f"known: {', '.join(known)}"
            )

    @classmethod
    def build(
        cls,
        *,
        hours: WorkingHours,
        time_zone: str = "Europe/Amsterdam",
        holiday_country: str | None = "NL",
        holiday_subdivision: str | None = None,
        closed_days: Iterable[date] = (),
        closed_every_year: Iterable[tuple[int, int]] = (),
        worked_holidays: Iterable[str] = (),
    ) -> BusinessCalendar:
        try:
            zone = ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"Unknown time zone: {time_zone!r} (expected e.g. 'Europe/Amsterdam')") from None
        return cls(
            time_zone=zone,
            hours=hours,
            holiday_country=holiday_country,
            holiday_subdivision=holiday_subdivision,
            closed_days=frozenset(closed_days),
            closed_every_year=frozenset(closed_every_year),
            worked_holidays=frozenset(worked_holidays),
        )

    # -- Public API ---------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        return bool(self.hours.on(day.weekday())) and day not in self._closed_dates(day.year)

    def is_open(self, at: datetime) -> bool:
        at = _to_utc(at, "at")
        day = at.astimezone(self.time_zone).date()
        return any(start <= at < end for start, end in self._periods_on(day))

    def next_opening(self, at: datetime) -> datetime:
        """`at` itself if the business is open then, else the next opening."""
        at = _to_utc(at, "at")
        for start, _ in self._periods_from(at, self._search_limit(at)):
            return start
        raise NoWorkingTimeError(f"No working time within {MAX_LOOKAHEAD_DAYS} days after {at}")

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        """The deadline: `duration` of working time after `start`.

        Outside hours the clock starts at the next opening. A duration that
        exactly uses up an interval ends at its closing time, not at the next
        opening: "due by 17:00 today" is the honest deadline.
        """
        start = _to_utc(start, "start")
        if duration < timedelta(0):
            raise ValueError(f"duration must not be negative, got {duration}")
        remaining = duration
        for period_start, period_end in self._periods_from(start, self._search_limit(start)):
            if remaining <= period_end - period_start:
                return period_start + remaining
            remaining -= period_end - period_start
        raise NoWorkingTimeError(
            f"Not enough working time within {MAX_LOOKAHEAD_DAYS} days after {start} "
            f"to fit {duration}"
        )

    def subtract_business_time(self, end: datetime, duration: timedelta) -> datetime:
        """The latest moment from which `duration` of working time had passed by `end`: the
        mirror of `add_business_time`, "one working day before now". Every moment up to and
        including the answer lies at least `duration` of working time before `end`."""
        end = _to_utc(end, "end")
        if duration < timedelta(0):
            raise ValueError(f"duration must not be negative, got {duration}")
        if duration == timedelta(0):
            return end
        remaining = duration
        for period_start, period_end in self._periods_back_from(end, self._search_limit_back(end)):
            if remaining <= period_end - period_start:
                return period_end - remaining
            remaining -= period_end - period_start
        raise NoWorkingTimeError(
            f"Not enough working time within {MAX_LOOKAHEAD_DAYS} days before {end} to fit {duration}"
        )

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Working time elapsed from `start` to `end` (zero if end <= start)."""
        start = _to_utc(start, "start")
        end = _to_utc(end, "end")
        total = timedelta(0)
        if end <= start:
            return total
        last_day = end.astimezone(self.time_zone).date()
        for period_start, period_end in self._periods_from(start, last_day):
            if period_start >= end:
                break
            total += min(period_end, end) - period_start
        return total

    def end_of_working_day_after(self, start: datetime, working_days: int) -> datetime:
        """Closing time of the `working_days`-th working day after the day of `start`:
        "feedback within 2 business days" of a call on Monday is due Wednesday at closing."""
        start = _to_utc(start, "start")
        if working_days < 1:
            raise ValueError(f"working_days must be at least 1, got {working_days}")
        day = start.astimezone(self.time_zone).date()
        limit = self._search_limit(start)
        while day < limit:
            day += timedelta(days=1)
            periods = self._periods_on(day)
            if periods:
                working_days -= 1
                if working_days == 0:
                    return periods[-1][1]
        raise NoWorkingTimeError(f"No working day within {MAX_LOOKAHEAD_DAYS} days after {start}")

    def working_day_length(self) -> timedelta:
        """The usual length of a working day in the week's hours (the most common one), for
        saying "24 business hours" as working days."""
        lengths = [
            sum((datetime.combine(date.min, end) - datetime.combine(date.min, start) for start, end in day), timedelta())
            for day in self.hours.days
            if day
        ]
        return max(sorted(set(lengths)), key=lengths.count)

    # -- Internals ----------------------------------------------------------

    def _closed_dates(self, year: int) -> frozenset[date]:
        closed = self._closed_by_year.get(year)
        if closed is None:
            days_off = set()
            if self.holiday_country is not None:
                public = _public_holidays(self.holiday_country, self.holiday_subdivision, year)
                days_off = {day for day, names in public.items() if not names <= self.worked_holidays}
            for month, day in self.closed_every_year:
                if (month, day) != (2, 29) or isleap(year):
                    days_off.add(date(year, month, day))
            days_off |= {day for day in self.closed_days if day.year == year}
            closed = self._closed_by_year[year] = frozenset(days_off)
        return closed

    def _search_limit(self, at: datetime) -> date:
        return at.astimezone(self.time_zone).date() + timedelta(days=MAX_LOOKAHEAD_DAYS)

    def _search_limit_back(self, at: datetime) -> date:
        return at.astimezone(self.time_zone).date() - timedelta(days=MAX_LOOKAHEAD_DAYS)

    def _periods_back_from(self, at: datetime, first_day: date) -> Iterator[tuple[datetime, datetime]]:
        """Working periods as UTC (start, end), newest first, from the one open at `at`
        (trimmed to end at `at`) back to and including `first_day`."""
        day = at.astimezone(self.time_zone).date()
        while day >= first_day:
            for start, end in reversed(self._periods_on(day)):
                if start < at:
                    yield start, min(end, at)
            day -= timedelta(days=1)

    def _periods_from(self, at: datetime, last_day: date) -> Iterator[tuple[datetime, datetime]]:
        """Working periods as UTC (start, end), in order, from the one open at
        `at` (trimmed to start at `at`) up to and including `last_day`."""
        day = at.astimezone(self.time_zone).date()
        while day <= last_day:
            for start, end in self._periods_on(day):
                if end > at:
                    yield max(start, at), end
            day += timedelta(days=1)

    def _periods_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's working intervals as UTC instants.

        Each boundary is localised from (date, wall-clock time) rather than
        computed by adding hours, so DST changes land where the wall clock
        says. On a DST-change day a wall-clock time may not exist (spring) or
        exist twice (autumn); zoneinfo with fold=0 then picks the pre-change
        offset. That can push an interval edge past the next one, so the
        edges are clamped to stay ordered and never overlap or run backwards.
        """
        if not self.is_working_day(day):
            return []
        periods = []
        previous_end = None
        for start_time, end_time in self.hours.on(day.weekday()):
            start = self._instant(day, start_time)
            end = self._instant(day, end_time)
            if previous_end is not None:
                start = max(start, previous_end)
            end = max(end, start)
            if end > start:
                periods.append((start, end))
                previous_end = end
        return periods

    def _instant(self, day: date, wall_clock: time) -> datetime:
        return datetime.combine(day, wall_clock, tzinfo=self.time_zone).astimezone(UTC)


def _to_utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {value!r}")
    return value.astimezone(UTC)


# -- Reading a calendar from text, as an administrator types it -----------------------------


def parse_intervals(text: str) -> tuple[Interval, ...]:
    """"08:30-12:00, 12:30-17:00" → ((08:30, 12:00), (12:30, 17:00)); "" → closed."""
    intervals = []
    for part in filter(None, (p.strip() for p in text.replace(";", ",").split(","))):
        start, dash, end = part.partition("-")
        if not dash:
            raise ValueError(f"{part!r} is not a time range like 08:30-17:00")
        try:
            intervals.append((time.fromisoformat(start.strip()), time.fromisoformat(end.strip())))
        except ValueError:
            raise ValueError(f"{part!r} is not a time range like 08:30-17:00") from None
    return tuple(intervals)


def parse_closed_days(text: str) -> tuple[frozenset[date], frozenset[tuple[int, int]]]:
    """One date per line: 2026-12-24 closes once, 05-05 closes every year."""
    once, every_year = set(), set()
    for line in filter(None, (line.strip() for line in text.splitlines())):
        parts = line.split("-")
        try:
            if len(parts) == 3:
                once.add(date.fromisoformat(line))
                continue
            if len(parts) == 2 and all(p.isdigit() for p in parts):
                month, day = int(parts[0]), int(parts[1])
                date(2000, month, day)
                every_year.add((month, day))
                continue
        except ValueError:
            pass
        raise ValueError(f"{line!r} is not a date like 2026-12-24 (once) or 05-05 (every year)")
    return frozenset(once), frozenset(every_year)


# --- the business's one time zone -----------------------------------------------------------
# Working hours, deadlines, review weeks, the dashboard's periods, e-mails and imports are all
# counted in settings.BUSINESS_TIME_ZONE (Django's TIME_ZONE is set to the same zone, so
# timezone.localdate() agrees). The working hours and holidays that go with it are the
# handoff settings' (handoff.models.HandoffSettings.calendar()).


def business_time_zone() -> ZoneInfo:
    return ZoneInfo(settings.BUSINESS_TIME_ZONE)


def start_of_day(day: date) -> datetime:
    """Midnight at the start of `day` in the business time zone, in UTC (DST-proof)."""
    local = datetime.combine(day, time()).replace(tzinfo=business_time_zone())
    return local.astimezone(UTC)
