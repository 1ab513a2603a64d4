"""What sales does with a lead: accept or reject it, log contact attempts and give feedback.

These are methods of `Lead` (mixed in, to keep models.py about data). Each runs in one
transaction, refuses to act when the lead changed since the person loaded it
(`seen_version`), bumps `Lead.version` and writes its history: stage moves through
`move_to` (StageChange), other field changes as `LeadChange` rows, plus the attempt or
feedback row itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils import translation
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from leads.models import ContactAttempt, Feedback, StageChange


class LeadChanged(Exception):
    """The lead changed after the person acting on it loaded it: acting now could contradict
    what someone else just did, so nothing is changed and they look again."""


class ActionRefused(Exception):
    """An action that does not fit the lead as it is now, e.g. accepting a lead that is no
    longer an MQL. The message is meant for the person who tried."""


class SalesActions:
    """Mixed into `Lead`."""

    def accept(self, *, by, seen_version: int | None = None, at: datetime | None = None) -> "StageChange":
        """Sales takes the MQL on: MQL → SAL."""
        at = at or timezone.now()
        with transaction.atomic():
            self._lock(seen_version)
            if self.stage != self.Stage.MQL:
                raise ActionRefused(self._refusal(_("Only an MQL can be accepted.")))
            return self.move_to(self.Stage.SAL, by=by, at=at)

    def reject(
        self, *, by, reason: str, seen_version: int | None = None, at: datetime | None = None
    ) -> "StageChange":
        """Sales sends the MQL back to marketing (→ nurture), saying why."""
        if not reason.strip():
            raise ValueError("A rejection needs a reason.")
        at = at or timezone.now()
        with transaction.atomic():
            self._lock(seen_version)
            if self.stage != self.Stage.MQL:
                raise ActionRefused(self._refusal(_("Only an MQL can be rejected.")))
            return self.move_to(self.Stage.NURTURE, by=by, reason=reason.strip(), at=at)

    def log_attempt(
        self,
        *,
        by,
        channel: str,
        outcome: str,
        note: str = "",
        seen_version: int | None = None,
        at: datetime | None = None,
    ) -> "ContactAttempt":
        """Record a call, e-mail or LinkedIn message, and keep the lead's first-attempt time
        and attempt count (the metrics read those) up to date. The one place attempts are
        logged, so whatever must happen on every attempt belongs here."""
        from leads.models import ContactAttempt  # models.py imports this module

        if channel not in ContactAttempt.Channel.values:
            raise ValueError(f"Unknown channel {channel!r}.")
        if outcome not in ContactAttempt.Outcome.values:
            raise ValueError(f"Unknown outcome {outcome!r}.")
        at = at or timezone.now()
        with transaction.atomic():
            self._lock(seen_version)
            self._refuse_unless_with_sales()
            attempt = ContactAttempt.objects.create(
                lead=self, made_by=by, made_at=at, channel=channel, outcome=outcome, note=note
            )
            first_attempt_at = min(filter(None, [self.first_attempt_at, at]))
            from leads import handoff  # handoff imports models, which import this module

            if first_attempt_at != self.first_attempt_at:
                # A figure derived from the first attempt (for the weekly review), not a change
                # anyone made: stored beside the history, not in it.
                seconds = handoff.business_seconds_to_first_contact(self, first_attempt_at)
                type(self).objects.filter(pk=self.pk).update(first_contact_business_seconds=seconds)
                self.first_contact_business_seconds = seconds
            self._change(
                by=by,
                at=at,
                attempt_count=self.attempt_count + 1,
                first_attempt_at=first_attempt_at,
            )

            # Any attempt stops the first-contact clock and starts the next one.
            handoff.contact_attempt_logged(self, attempt, now=at)
        return attempt

    def give_feedback(
        self,
        feedback: "Feedback",
        *,
        by,
        seen_version: int | None = None,
        at: datetime | None = None,
    ) -> "Feedback":
        """Store sales' verdict (an unsaved `Feedback`) and apply its disposition:
        became SQL → SQL; no fit → disqualified; no urgency → nurture; not reached → an
        attempt, and back to nurture at the attempt limit; wrong contact → stays with sales.
        """
        from leads.models import ContactAttempt, Feedback  # models.py imports this module

        at = at or timezone.now()
        feedback.lead, feedback.given_by, feedback.given_at = self, by, at
        feedback.full_clean()
        reason = feedback.summary(language=settings.LANGUAGE_CODE)
        D = Feedback.Disposition
        with transaction.atomic():
            self._lock(seen_version)
            self._refuse_unless_with_sales()
            # "Not reached" is itself an attempt, unless the rep logged the attempt that
            # failed since their last feedback: one failed call must not count twice.
            reported_attempt_logged = (
                feedback.disposition == D.NOT_REACHED
                and self.contact_attempts.filter(made_at__gt=self._last_feedback_at()).exists()
            )
            feedback.save()
            if feedback.disposition == D.BECAME_SQL:
                if self.stage != self.Stage.SQL:
                    self.move_to(self.Stage.SQL, by=by, reason=reason, at=at)
                else:
                    self._change(by=by, at=at)
            elif feedback.disposition == D.NO_FIT:
                self.move_to(self.Stage.DISQUALIFIED, by=by, reason=reason, at=at)
            elif feedback.disposition == D.NO_URGENCY:
                self.move_to(self.Stage.NURTURE, by=by, reason=reason, at=at)
            elif feedback.disposition == D.NOT_REACHED:
                if not reported_attempt_logged:
                    self.log_attempt(
                        by=by,
                        channel=ContactAttempt.Channel.CALL,
                        outcome=ContactAttempt.Outcome.NO_ANSWER,
                        at=at,
                    )
                attempts = self.contact_attempts.filter(made_at__gte=self._handed_to_sales_at())
                if attempts.count() >= self.contact_attempt_limit():
                    with translation.override(settings.LANGUAGE_CODE):
                        reason = _("Not reached after %(count)d attempts") % {
                            "count": attempts.count()
                        }
                    self.move_to(self.Stage.NURTURE, by=by, reason=reason, at=at)
            else:  # wrong contact person: stays with sales, who now know whom to ask for
                self._change(by=by, at=at)
            # A verdict ends the clock, except "not reached" while attempts are left: then
            # the next-attempt clock that the attempt started keeps running.
            if feedback.disposition != D.NOT_REACHED or self.stage not in self.SALES_STAGES:
                from leads import handoff

                handoff.feedback_given(self)
        return feedback

    def contact_attempt_limit(self) -> int:
        """How many attempts before "not reached" returns the lead to marketing: the number
        in the SLA policy that governs the lead."""
        from leads import handoff

        return handoff.attempt_limit(self)

    def _lock(self, seen_version: int | None) -> None:
        """Lock the row, refuse if it moved on since `seen_version`, and refresh what the
        actions judge on from the stored row."""
        current = (
            type(self).objects.select_for_update()
            .only("stage", "version", "attempt_count", "first_attempt_at")
            .get(pk=self.pk)
        )
        if seen_version is not None and current.version != seen_version:
            raise LeadChanged(self.pk)
        self.stage, self.version = current.stage, current.version
        self.attempt_count, self.first_attempt_at = current.attempt_count, current.first_attempt_at

    def _refuse_unless_with_sales(self) -> None:
        if self.stage not in self.SALES_STAGES:
            raise ActionRefused(self._refusal(_("Sales can only act on an MQL, SAL or SQL.")))

    def _refusal(self, rule: str) -> str:
        return _("%(rule)s This lead is %(stage)s.") % {
            "rule": rule,
            "stage": self.Stage(self.stage).label,
        }

    def _handed_to_sales_at(self) -> datetime:
        """When this round with sales began: a recycled lead starts counting attempts anew."""
        arrival = (
            self.stage_changes.filter(to_stage__in=self.SALES_STAGES)
            .exclude(from_stage__in=self.SALES_STAGES)
            .order_by("-changed_at")
            .values_list("changed_at", flat=True)
            .first()
        )
        return arrival or self.created_at

    def _last_feedback_at(self) -> datetime:
        last = self.feedback.order_by("-given_at").values_list("given_at", flat=True).first()
        return max(filter(None, [last, self._handed_to_sales_at()]))

    def _change(self, *, by, at: datetime, **fields) -> None:
        """Save `fields`, bump the version and log each field's value before and after.
        Called inside an action's transaction, after `_lock`."""
        changes = {
            name: [_loggable(getattr(self, name)), _loggable(value)]
            for name, value in fields.items()
            if getattr(self, name) != value
        }
        type(self).objects.filter(pk=self.pk).update(
            **fields, version=F("version") + 1, updated_at=timezone.now()
        )
        for name, value in fields.items():
            setattr(self, name, value)
        self.version += 1
        if changes:
            self.changes.create(changed_at=at, changed_by=by, changes=changes)


def _loggable(value):
    return value.isoformat() if isinstance(value, datetime) else value
