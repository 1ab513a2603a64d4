"""The qualification policy: the shared, versioned definition of a good lead.

A policy is a draft while marketing and sales work on it, becomes active once one marketing
user and one sales manager signed it, and is retired when the next version is activated.
Exactly one policy is active at a time; only drafts can be edited.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.messages import choice, message, render
from common.roles import Role as HandoffRole
from common.roles import has_role
from leads.models import Activity, ConversionAction, IntentTier, Sector
from qualification import scoring
from qualification.vocabulary import (
    BOOL_OPERATORS,
    Attribute,
    DisqualifierKind,
    Operator,
    rule_value_errors,
    split_list,
)

# A version is looked at again this long after it takes effect, unless someone chose a date.
REVIEW_AFTER_MONTHS = 3


def months_later(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def three_months_from_today() -> date:
    return months_later(timezone.localdate(), REVIEW_AFTER_MONTHS)


def default_intent_tiers() -> dict[str, str]:
    return {str(action): str(tier) for action, tier in scoring.DEFAULT_INTENT_TIERS.items()}


class PolicyQuerySet(models.QuerySet):
    def active(self) -> "QualificationPolicy | None":
        return self.filter(status=QualificationPolicy.Status.ACTIVE).first()

    def with_rules(self):
        return self.prefetch_related("fit_rules", "engagement_rules", "disqualifiers")


class QualificationPolicy(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        RETIRED = "retired", _("Retired")

    version = models.PositiveIntegerField(_("version"), unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    notes = models.TextField(_("notes"), blank=True, help_text=_("What changed and why."))
    review_by = models.DateField(
        _("next review"),
        default=three_months_from_today,
        help_text=_("When marketing and sales look at the definition again."),
    )
    # False while the review date is the automatic one: activation then moves it to three
    # months after the version takes effect, however long the draft took.
    review_by_chosen = models.BooleanField(_("review date chosen"), default=False, editable=False)
    fit_threshold = models.IntegerField(
        _("fit threshold"), default=40, help_text=_("An MQL needs at least this fit score.")
    )
    engagement_threshold = models.IntegerField(
        _("engagement threshold"),
        default=30,
        help_text=_("An MQL needs at least this engagement score."),
    )
    customer_engagement_threshold = models.IntegerField(
        _("engagement threshold for existing customers"),
        default=10,
        help_text=_("Lower: one touchpoint of a customer can be enough."),
    )
    decay_points = models.IntegerField(
        _("decay points"),
        default=0,
        validators=[MaxValueValidator(0)],
        help_text=_("Added to engagement after a quiet period, e.g. −15."),
    )
    decay_after_days = models.PositiveIntegerField(
        _("decay after days without activity"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
    )
    intent_tiers = models.JSONField(
        _("intent tier per conversion action"), default=default_intent_tiers
    )
    hot_within_days = models.PositiveIntegerField(
        _("hot: active within days"),
        default=7,
        validators=[MinValueValidator(1)],
        help_text=_("Hot = MQL-ready and active within this many days."),
    )
    warm_within_days = models.PositiveIntegerField(
        _("warm: active within days"),
        default=30,
        validators=[MinValueValidator(1)],
        help_text=_("Warm = some fit or engagement and active within this many days; cold otherwise."),
    )
    # The review date whose signers were told it arrived: the worker's claim, so each review
    # date is announced once.
    review_announced_for = models.DateField(null=True, blank=True, editable=False)

    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    effective_at = models.DateTimeField(_("effective since"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    objects = PolicyQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        verbose_name = _("qualification policy")
        verbose_name_plural = _("qualification policies")
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="active"), name="policy_one_active"
            )
        ]

    def __str__(self):
        return _("Policy v%(version)s (%(status)s)") % {
            "version": self.version,
            "status": self.get_status_display(),
        }

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    def signers(self) -> list:
        """The people who signed this version (marketing, sales manager)."""
        return [signoff.signed_by for signoff in self.signoffs.all()]

    def review_due(self, *, today: date) -> bool:
        """The active version's review date has come: marketing and sales look at it again."""
        return self.status == self.Status.ACTIVE and self.review_by <= today

    def clean(self):
        errors = {}
        if self.decay_points and not self.decay_after_days:
            errors["decay_after_days"] = _("Say after how many quiet days the decay applies.")
        if self.hot_within_days and self.warm_within_days and self.warm_within_days < self.hot_within_days:
            errors["warm_within_days"] = _("Warm reaches at least as far back as hot.")
        tiers = self.intent_tiers if isinstance(self.intent_tiers, dict) else None
        if tiers is None or any(
            action not in ConversionAction.values or tier not in IntentTier.values
            for action, tier in tiers.items()
        ):
            errors["intent_tiers"] = _("Map each conversion action to high, mid or low intent.")
        if errors:
            raise ValidationError(errors)

    def snapshot(self) -> scoring.PolicySnapshot:
        """The policy as plain data for the scoring functions (rules read once)."""
        return scoring.PolicySnapshot(
            version=self.version,
            fit_threshold=self.fit_threshold,
            engagement_threshold=self.engagement_threshold,
            customer_engagement_threshold=self.customer_engagement_threshold,
            fit_rules=tuple(rule.spec() for rule in self.fit_rules.all()),
            engagement_rules=tuple(rule.spec() for rule in self.engagement_rules.all()),
            disqualifiers=tuple(rule.spec() for rule in self.disqualifiers.all()),
            decay_points=self.decay_points,
            decay_after_days=self.decay_after_days,
            intent_tiers={**default_intent_tiers(), **(self.intent_tiers or {})},
            hot_within_days=self.hot_within_days,
            warm_within_days=self.warm_within_days,
        )

    def rule_count(self) -> int:
        return self.fit_rules.count() + self.engagement_rules.count()

    def signoff_for(self, role: str) -> "SignOff | None":
        return next((s for s in self.signoffs.all() if s.role == role), None)

    def activation_problems(self) -> list[str]:
        """Why this policy cannot be activated yet; empty when it can."""
        problems = []
        if not self.is_draft:
            problems.append(_("Only a draft can be activated."))
        if not self.rule_count():
            problems.append(_("The policy has no fit or engagement rules."))
        signed = {signoff.role for signoff in self.signoffs.all()}
        if SignOff.Role.MARKETING not in signed:
            problems.append(_("Marketing has not signed yet."))
        if SignOff.Role.SALES_MANAGER not in signed:
            problems.append(_("A sales manager has not signed yet."))
        return problems

    def activate(self, *, now: datetime) -> "QualificationPolicy | None":
        """Make this draft the active policy and retire the previous one, which is returned.
        Re-scoring the leads is the caller's next step (`qualification.bulk.activate`)."""
        problems = self.activation_problems()
        if problems:
            raise ValidationError(problems)
        with transaction.atomic():
            previous = (
                QualificationPolicy.objects.select_for_update()
                .filter(status=self.Status.ACTIVE)
                .first()
            )
            if previous:
                previous.status = self.Status.RETIRED
                previous.retired_at = now
                previous.save(update_fields=["status", "retired_at"])
            self.status = self.Status.ACTIVE
            self.effective_at = now
            if not self.review_by_chosen:
                self.review_by = months_later(timezone.localdate(now), REVIEW_AFTER_MONTHS)
            self.save(update_fields=["status", "effective_at", "review_by"])
        return previous

    def draft_changed(self) -> None:
        """A changed draft is a different agreement: earlier signatures no longer count."""
        self.signoffs.all().delete()

    def sign(self, user, *, role: str, now: datetime) -> "SignOff":
        if not self.is_draft:
            raise ValidationError(_("Only a draft can be signed."))
        if not has_role(user, role):
            raise ValidationError(_("You do not hold the role you sign for."))
        other = self.signoffs.exclude(role=role).filter(signed_by=user).exists()
        if other:
            raise ValidationError(_("Marketing and sales sign with two different people."))
        signoff, _created = SignOff.objects.update_or_create(
            policy=self, role=role, defaults={"signed_by": user, "signed_at": now}
        )
        return signoff

    @transaction.atomic
    def copy_as_draft(self, *, by) -> "QualificationPolicy":
        """A new draft with the next version number and the same rules, to edit. Its review
        date is not the old version's: three months on, until someone chooses one."""
        draft = QualificationPolicy.objects.create(
            version=next_version(),
            notes="",
            review_by=three_months_from_today(),
            fit_threshold=self.fit_threshold,
            engagement_threshold=self.engagement_threshold,
            customer_engagement_threshold=self.customer_engagement_threshold,
            decay_points=self.decay_points,
            decay_after_days=self.decay_after_days,
            intent_tiers=dict(self.intent_tiers),
            hot_within_days=self.hot_within_days,
            warm_within_days=self.warm_within_days,
            created_by=by,
        )
        for related in ("fit_rules", "engagement_rules", "disqualifiers"):
            for rule in getattr(self, related).all():
                rule.pk = None
                rule.policy = draft
                rule.save()
        return draft


def next_version() -> int:
    highest = QualificationPolicy.objects.aggregate(highest=models.Max("version"))["highest"]
    return (highest or 0) + 1


class FitRule(models.Model):
    """Points for who the lead is: `attribute operator value` → points (negative allowed)."""

    policy = models.ForeignKey(
        QualificationPolicy, on_delete=models.CASCADE, related_name="fit_rules"
    )
    attribute = models.CharField(_("attribute"), max_length=30, choices=Attribute.choices)
    operator = models.CharField(_("operator"), max_length=20, choices=Operator.choices)
    value = models.CharField(
        _("value"),
        max_length=500,
        blank=True,
        help_text=_("A number, a word, or several separated by commas."),
    )
    points = models.IntegerField(_("points"))
    label = models.CharField(_("label"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("fit rule")
        verbose_name_plural = _("fit rules")

    def __str__(self):
        return self.label or self.describe()

    def describe(self) -> str:
        value = "" if self.operator in BOOL_OPERATORS else f" {self.value}"
        return f"{Attribute(self.attribute).label} {Operator(self.operator).label}{value}"

    def clean(self):
        if self.attribute not in Attribute.values or self.operator not in Operator.values:
            return  # the field's own choice validation names the problem
        errors = rule_value_errors(self.attribute, self.operator, self.value)
        if errors:
            raise ValidationError(errors)

    def spec(self) -> scoring.FitRuleSpec:
        return scoring.FitRuleSpec(
            self.attribute, self.operator, self.value.strip(), self.points, str(self)
        )


class EngagementRule(models.Model):
    """Points for what the lead did: per matching activity within the window, up to a cap."""

    policy = models.ForeignKey(
        QualificationPolicy, on_delete=models.CASCADE, related_name="engagement_rules"
    )
    activity_kind = models.CharField(_("activity"), max_length=20, choices=Activity.Kind.choices)
    url_contains = models.CharField(
        _("URL contains"), max_length=300, blank=True, help_text=_("For example /prijzen")
    )
    title_contains = models.CharField(
        _("content contains"),
        max_length=200,
        blank=True,
        help_text=_("Part of the title of a download, webinar or case."),
    )
    points = models.IntegerField(_("points per activity"))
    cap = models.PositiveIntegerField(
        _("at most"), null=True, blank=True, help_text=_("Most points this rule can give.")
    )
    min_count = models.PositiveIntegerField(
        _("from the n-th time"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("3 = only when it happened at least three times (repeated visits)."),
    )
    window_days = models.PositiveIntegerField(
        _("within days"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Only activities of the last n days count; empty = all."),
    )
    min_minutes = models.PositiveIntegerField(
        _("minutes on the website"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("15 = the points once, when the matching visits add up to 15 minutes or more; empty = per activity."),
    )
    label = models.CharField(_("label"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("engagement rule")
        verbose_name_plural = _("engagement rules")

    def __str__(self):
        if self.min_minutes:
            return render(self.explanation_label())
        return self.label or Activity.Kind(self.activity_kind).label

    def explanation_label(self) -> str | dict:
        """What the score's explanation says for this rule: a minutes rule describes itself
        as a message (in the reader's language when read), another rule by its label."""
        if self.min_minutes:
            return scoring.minutes_label(self.activity_kind, self.min_minutes, self.window_days, self.label)
        return str(self)

    def clean(self):
        if not self.min_minutes:
            return
        errors = {}
        if self.activity_kind and self.activity_kind not in scoring.WEBSITE_KINDS:
            errors["min_minutes"] = _("Only visits to the website say how long they lasted: choose a page visit, pricing page or case study.")
        if self.cap is not None:
            errors["cap"] = _("A minutes rule gives its points once: leave “at most” empty.")
        if errors:
            raise ValidationError(errors)

    def spec(self) -> scoring.EngagementRuleSpec:
        return scoring.EngagementRuleSpec(
            activity_kind=self.activity_kind,
            points=self.points,
            label=self.explanation_label(),
            url_contains=self.url_contains.strip(),
            title_contains=self.title_contains.strip(),
            cap=self.cap,
            window_days=self.window_days,
            min_count=self.min_count,
            min_minutes=self.min_minutes,
        )


class Disqualifier(models.Model):
    """A fact that ends the decision at once: the lead is disqualified with this reason."""

    policy = models.ForeignKey(
        QualificationPolicy, on_delete=models.CASCADE, related_name="disqualifiers"
    )
    kind = models.CharField(_("disqualifier"), max_length=20, choices=DisqualifierKind.choices)
    value = models.CharField(
        _("value"),
        max_length=1000,
        blank=True,
        help_text=_(
            "Domains or company names, allowed sectors, or the minimum number of employees; "
            "separated by commas."
        ),
    )
    reason = models.CharField(
        _("reason"), max_length=200, blank=True, help_text=_("Recorded on the lead.")
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("disqualifier")
        verbose_name_plural = _("disqualifiers")

    def __str__(self):
        return self.reason or self.describe()

    def describe(self) -> str:
        if self.kind == DisqualifierKind.TOO_SMALL:
            return f"{DisqualifierKind(self.kind).label} {self.value}"
        return str(DisqualifierKind(self.kind).label)

    def clean(self):
        listed = split_list(self.value)
        if self.kind == DisqualifierKind.TOO_SMALL:
            try:
                if int(self.value.strip()) < 1:
                    raise ValueError
            except ValueError:
                raise ValidationError(
                    {"value": _("Give the minimum number of employees as a whole number.")}
                )
        if self.kind == DisqualifierKind.SECTOR_OUTSIDE:
            unknown = [item for item in listed if item not in Sector.values]
            if not listed or unknown:
                raise ValidationError(
                    {
                        "value": _("List the allowed sectors, choose from: %(choices)s.")
                        % {"choices": ", ".join(Sector.values)}
                    }
                )

    def spec(self) -> scoring.DisqualifierSpec:
        """The reason marketing typed, or else a message naming the disqualifier: the lead's
        history shows it in each reader's language."""
        if self.reason:
            reason = self.reason
        elif self.kind == DisqualifierKind.TOO_SMALL:
            reason = message("score.too_small", kind=choice("disqualifier", self.kind), value=self.value.strip())
        else:
            reason = choice("disqualifier", self.kind)
        return scoring.DisqualifierSpec(self.kind, self.value.strip(), reason)


class SignOff(models.Model):
    """One of the two signatures a draft needs before it can be activated."""

    class Role(models.TextChoices):
        MARKETING = HandoffRole.MARKETING.value, _("Marketing")
        SALES_MANAGER = HandoffRole.SALES_MANAGER.value, _("Sales manager")

    policy = models.ForeignKey(
        QualificationPolicy, on_delete=models.CASCADE, related_name="signoffs"
    )
    role = models.CharField(_("signed as"), max_length=20, choices=Role.choices)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("signed by"), on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(_("signed"), default=timezone.now)

    class Meta:
        ordering = ["signed_at"]
        verbose_name = _("sign-off")
        verbose_name_plural = _("sign-offs")
        constraints = [
            models.UniqueConstraint(fields=["policy", "role"], name="signoff_one_per_role")
        ]

    def __str__(self):
        return f"{self.get_role_display()}: {self.signed_by}"


class Activation(models.Model):
    """An activation asked for on the policy page and carried out by the worker
    (`qualification.activation`), with its progress and what it did."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for the worker")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    policy = models.OneToOneField(QualificationPolicy, on_delete=models.CASCADE, related_name="activation")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("asked"))
    spread_hours = models.PositiveSmallIntegerField(
        _("spread hand-overs over hours"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(72)],
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    total = models.PositiveIntegerField(_("open leads"), default=0)
    scored = models.PositiveIntegerField(_("re-scored"), default=0)
    qualified = models.PositiveIntegerField(_("became MQL"), default=0)
    scheduled = models.PositiveIntegerField(_("MQL, handed over later"), default=0)
    disqualified = models.PositiveIntegerField(_("disqualified"), default=0)
    nurtured = models.PositiveIntegerField(_("to nurture"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("activation")
        verbose_name_plural = _("activations")

    def __str__(self):
        return f"{self.policy}: {self.get_status_display()}"

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        return min(100, self.scored * 100 // self.total) if self.total else (100 if self.status == self.Status.DONE else 0)


class WhatConvertsReport(models.Model):
    """One computation of the "what converts" report, stored (`qualification.stored_reports`):
    asked for on the page, or by the worker when the newest is a day old, and computed by the
    worker. The page reads the newest done one; nothing is computed in a request. The row is
    both the request (queued, running) and the result (done: the report's data)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting for the worker")
        RUNNING = "running", _("Being computed")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("asked"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed"), null=True, blank=True)
    until = models.DateTimeField(_("history up to"), null=True, blank=True)
    leads = models.PositiveIntegerField(_("leads in the history"), default=0)
    won = models.PositiveIntegerField(_("won"), default=0)
    duration = models.DurationField(_("computing time"), null=True, blank=True)
    data = models.JSONField(_("report"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("what-converts report")
        verbose_name_plural = _("what-converts reports")
        constraints = [
            # At most one request waits and one is computed at a time, however many workers run.
            models.UniqueConstraint(
                fields=["status"], condition=Q(status__in=["queued", "running"]), name="what_converts_one_queued_one_running"
            )
        ]
        indexes = [models.Index(fields=["status", "computed_at"], name="what_converts_status_at")]

    def __str__(self):
        return f"{self._meta.verbose_name} {self.requested_at:%Y-%m-%d %H:%M}: {self.get_status_display()}"
