"""The handoff's settings: the business calendar's working hours and holidays, the fallback
owner, who is away, and the language each person reads in."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from common import business_time
from common.people import person_name

WEEKDAY_FIELDS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def validate_active_user(user_id):
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is not None and not user.is_active:
        raise ValidationError(
            _("%(user)s is no longer active; choose someone who still works here."),
            params={"user": person_name(user)},
        )


def working_hours_of(row) -> business_time.WorkingHours:
    return business_time.WorkingHours(
        days=tuple(business_time.parse_intervals(getattr(row, f"{day}_hours")) for day in WEEKDAY_FIELDS)
    )


def calendar_of(row) -> business_time.BusinessCalendar:
    """The business calendar of a settings row (also of one a migration reads)."""
    once, every_year = business_time.parse_closed_days(row.closed_days)
    return business_time.BusinessCalendar.build(
        hours=working_hours_of(row),
        time_zone=settings.BUSINESS_TIME_ZONE,
        holiday_country=row.holiday_country.upper() or None,
        holiday_subdivision=row.holiday_subdivision or None,
        closed_days=once,
        closed_every_year=every_year,
        worked_holidays=[n.strip() for n in row.worked_holidays.splitlines() if n.strip()],
    )


class HandoffSettings(models.Model):
    """The one row of handoff settings: the business calendar's working hours and holidays,
    and the fallback owner. The calendar's time zone is the installation's one business time
    zone (BUSINESS_TIME_ZONE), never a second one set here."""

    monday_hours = models.CharField(_("Monday"), max_length=100, blank=True, default="08:30-17:00")
    tuesday_hours = models.CharField(_("Tuesday"), max_length=100, blank=True, default="08:30-17:00")
    wednesday_hours = models.CharField(_("Wednesday"), max_length=100, blank=True, default="08:30-17:00")
    thursday_hours = models.CharField(_("Thursday"), max_length=100, blank=True, default="08:30-17:00")
    friday_hours = models.CharField(_("Friday"), max_length=100, blank=True, default="08:30-17:00")
    saturday_hours = models.CharField(_("Saturday"), max_length=100, blank=True)
    sunday_hours = models.CharField(_("Sunday"), max_length=100, blank=True)
    holiday_country = models.CharField(
        _("public holidays of"),
        max_length=2,
        blank=True,
        default="NL",
        help_text=_("Country code, e.g. NL or BE. Empty: no public holidays."),
    )
    holiday_subdivision = models.CharField(
        _("province or state"), max_length=10, blank=True, help_text=_("Only where holidays differ by region.")
    )
    worked_holidays = models.TextField(
        _("public holidays we work on"),
        blank=True,
        help_text=_("One name per line, as the holiday list spells it, e.g. Goede vrijdag."),
    )
    closed_days = models.TextField(
        _("extra closed days"),
        blank=True,
        help_text=_("One per line: 2026-12-24 closes once, 05-05 closes every year."),
    )
    fallback_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("fallback owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        validators=[validate_active_user],
        help_text=_("Gets every lead no routing rule places (their deputy, while they are away)."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        db_table = "leads_handoffsettings"  # kept when the model moved here
        verbose_name = _("handoff settings")
        verbose_name_plural = _("handoff settings")

    def __str__(self):
        return str(_("Handoff settings"))

    @classmethod
    def load(cls) -> "HandoffSettings":
        """The saved settings, or the defaults when nobody has saved any yet."""
        return cls.objects.select_related("fallback_owner").filter(pk=1).first() or cls(pk=1)

    def save(self, *args, **kwargs):
        self.pk = 1  # there is only one
        super().save(*args, **kwargs)

    def working_hours(self) -> business_time.WorkingHours:
        return working_hours_of(self)

    def calendar(self) -> business_time.BusinessCalendar:
        return calendar_of(self)

    def clean(self):
        """Each mistake on its own field, in the user's language."""
        errors = {}
        any_hours = False
        for day in WEEKDAY_FIELDS:
            name = f"{day}_hours"
            try:
                intervals = sorted(business_time.parse_intervals(getattr(self, name)))
            except ValueError:
                errors[name] = _("Write the hours like 08:30-17:00, or 08:30-12:00, 12:30-17:00.")
                continue
            any_hours = any_hours or bool(intervals)
            for start, end in intervals:
                if end <= start:
                    errors[name] = _("%(start)s–%(end)s ends before it starts.") % {
                        "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"
                    }
            for (_start, end), (next_start, _end) in zip(intervals, intervals[1:]):
                if next_start < end:
                    errors[name] = _("The times overlap at %(time)s.") % {"time": f"{next_start:%H:%M}"}
        if not any_hours and not errors:
            errors["monday_hours"] = _("Give working hours on at least one day.")
        known = ()
        if self.holiday_country:
            try:
                known = business_time.public_holiday_names(self.holiday_country.upper(), self.holiday_subdivision or None)
            except NotImplementedError:
                errors["holiday_country"] = _("There is no public holiday list for %(country)s %(region)s.") % {
                    "country": self.holiday_country, "region": self.holiday_subdivision,
                }
        worked = [n.strip() for n in self.worked_holidays.splitlines() if n.strip()]
        unknown = [n for n in worked if n not in known]
        if unknown and "holiday_country" not in errors:
            errors["worked_holidays"] = _("Not a public holiday here: %(names)s. Known: %(known)s.") % {
                "names": ", ".join(unknown), "known": ", ".join(known) or "—",
            }
        try:
            business_time.parse_closed_days(self.closed_days)
        except ValueError:
            errors["closed_days"] = _("Write one date per line: 2026-12-24 (once) or 05-05 (every year).")
        if errors:
            raise ValidationError(errors)


class UserAvailability(models.Model):
    """Whether someone takes new leads: routing skips who is away (in a team's rotation, as
    account manager, as fallback owner) and gives their leads to the deputy they named."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availability", verbose_name=_("user")
    )
    is_away = models.BooleanField(_("away"), default=False)
    back_on = models.DateField(
        _("back on"), null=True, blank=True, help_text=_("Takes leads again from this day; empty: until unticked.")
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deputy"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deputy_for",
        validators=[validate_active_user],
        help_text=_("Gets the leads of your own accounts (and those you get as fallback owner) while you are away."),
    )

    class Meta:
        db_table = "leads_useravailability"  # kept when the model moved here
        verbose_name = _("availability")
        verbose_name_plural = _("availability")

    def __str__(self):
        return str(self.user)

    def is_away_on(self, day) -> bool:
        return self.is_away and (self.back_on is None or day < self.back_on)

    def clean(self):
        if self.deputy_id is not None and self.deputy_id == self.user_id:
            raise ValidationError({"deputy": _("Name someone else: your deputy takes over while you are away.")})


class UserLanguage(models.Model):
    """The language someone reads Handoff in: their pages once logged in, and every message
    sent to them (e-mail, Slack, Teams, the weekly digest). Chosen with the language switcher
    or on their notifications page; without a row, the installation's language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="language_setting", verbose_name=_("user")
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)

    class Meta:
        verbose_name = _("language")
        verbose_name_plural = _("languages")

    def __str__(self):
        return f"{self.user}: {self.get_language_display()}"


def chosen_language(user) -> str | None:
    """The language `user` chose, None while they have not."""
    return UserLanguage.objects.filter(user_id=user.pk).values_list("language", flat=True).first()


def language_of(user) -> str:
    """The language `user` reads their messages in: their choice, else the installation's."""
    return chosen_language(user) or settings.LANGUAGE_CODE


def choose_language(user, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"Unknown language {language!r}.")
    UserLanguage.objects.update_or_create(user=user, defaults={"language": language})
