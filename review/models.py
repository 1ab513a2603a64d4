"""The record of each week's digest, and of the review meeting: the actions agreed for later
weeks and what was done from the page (review.acts). (The agreement the review measures lives
in the handoff app, beside the SLA clock that enforces it.)"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WeeklyDigest(models.Model):
    """One row per ISO week whose digest went out. Its unique week is the claim: of two runs
    (or two workers) only the one that inserts the row sends."""

    week_starts_on = models.DateField(_("week starting"), unique=True)
    sent_at = models.DateTimeField(_("sent"))
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        ordering = ["-week_starts_on"]
        verbose_name = _("weekly digest")
        verbose_name_plural = _("weekly digests")

    def __str__(self):
        return f"{self.week_starts_on:%G-W%V}"


class ActionItemQuerySet(models.QuerySet):
    def open_in(self, week_starts_on, *, team_id: int | None):
        """The actions not done yet that the review of the week starting `week_starts_on` shows:
        agreed in that week's review or before, of that team (all teams: every team's)."""
        actions = self.filter(done_at__isnull=True, raised_in__lte=week_starts_on)
        return actions.filter(team_id=team_id) if team_id else actions


class ActionItem(models.Model):
    """An action agreed in the weekly review: what, who, by which week. Shown on the review
    of every later week (of its team) until someone marks it done."""

    text = models.CharField(_("action"), max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="review_actions"
    )
    team = models.ForeignKey(
        "leads.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        help_text=_("Empty: the review of all teams."),
    )
    lead = models.ForeignKey(
        "leads.Lead", verbose_name=_("lead"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Mondays: the review's week it was agreed in, and the week it is due.
    raised_in = models.DateField(_("agreed in the review of the week starting"))
    due_week = models.DateField(_("due in the week starting"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agreed by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("agreed"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("marked done by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_week", "id"]
        verbose_name = _("review action")
        verbose_name_plural = _("review actions")
        indexes = [models.Index(fields=["team", "raised_in"], condition=models.Q(done_at__isnull=True), name="actionitem_open")]

    def __str__(self):
        return self.text

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class MeetingActQuerySet(models.QuerySet):
    def discussed(self, week_starts_on, lead_ids):
        return self.filter(kind=MeetingAct.Kind.DISCUSSED, week_starts_on=week_starts_on, lead_id__in=lead_ids)

    def nudged_on(self, day, lead_ids):
        return self.filter(kind=MeetingAct.Kind.NUDGED, on_day=day, lead_id__in=lead_ids)


class MeetingAct(models.Model):
    """One thing done from the weekly review, by whom and when: the meeting's log, and what
    the page reads back (a lead marked discussed in a week; a nudge sent on a day). Unique
    constraints make each of those happen once, also when two people click at once."""

    class Kind(models.TextChoices):
        DISCUSSED = "discussed", _("Marked discussed")
        NUDGED = "nudged", _("Nudged the owner")
        REASSIGNED = "reassigned", _("Reassigned")
        ACTION_RECORDED = "action_recorded", _("Action agreed")
        ACTION_DONE = "action_done", _("Action done")

    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    week_starts_on = models.DateField(_("review of the week starting"))
    team = models.ForeignKey(
        "leads.Team", verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lead = models.ForeignKey(
        "leads.Lead", verbose_name=_("lead"), null=True, blank=True, on_delete=models.CASCADE, related_name="review_acts"
    )
    action = models.ForeignKey(
        ActionItem, verbose_name=_("action"), null=True, blank=True, on_delete=models.CASCADE, related_name="acts"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"))
    # The business day `at` falls on: a lead's owner is nudged at most once a day.
    on_day = models.DateField(_("day"))

    objects = MeetingActQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("review meeting act")
        verbose_name_plural = _("review meeting acts")
        constraints = [
            models.UniqueConstraint(
                fields=["lead", "week_starts_on"], condition=models.Q(kind="discussed"), name="meetingact_discussed_once"
            ),
            models.UniqueConstraint(
                fields=["lead", "on_day"], condition=models.Q(kind="nudged"), name="meetingact_nudged_once_a_day"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.at:%Y-%m-%d %H:%M})"
