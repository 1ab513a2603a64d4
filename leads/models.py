"""The lead and what happens to it: companies, people, their activities and their way
through the funnel.

A lead's stage only changes through `Lead.move_to()`, which validates the transition, writes
the `StageChange` history row and stamps the first time the lead reached the stage, all in one
transaction.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


# Free mail providers: an address here says nothing about the company the person works for.
PERSONAL_EMAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "hotmail.com", "hotmail.nl", "outlook.com", "outlook.nl",
        "live.com", "live.nl", "msn.com", "yahoo.com", "yahoo.nl", "icloud.com", "me.com",
        "ziggo.nl", "kpnmail.nl", "kpnplanet.nl", "planet.nl", "home.nl", "xs4all.nl",
        "telfort.nl", "hetnet.nl", "chello.nl", "upcmail.nl", "online.nl", "gmx.de", "web.de",
        "proton.me", "protonmail.com",
    }
)


class Sector(models.TextChoices):
    FOOD = "food", _("Food & beverages")
    PHARMA = "pharma", _("Pharma & life sciences")
    AUTOMOTIVE = "automotive", _("Automotive")
    ELECTRONICS = "electronics", _("Electronics & high tech")
    MACHINERY = "machinery", _("Machinery & equipment")
    METAL = "metal", _("Metal & metalworking")
    CHEMICALS = "chemicals", _("Chemicals")
    PLASTICS = "plastics", _("Plastics & rubber")
    PACKAGING = "packaging", _("Packaging")
    LOGISTICS = "logistics", _("Logistics")
    EDUCATION = "education", _("Education & research")
    CONSULTING = "consulting", _("Consulting")
    OTHER = "other", _("Other")


class Channel(models.TextChoices):
    GOOGLE_ADS = "google_ads", _("Google Ads")
    META = "meta", _("Meta")
    LINKEDIN = "linkedin", _("LinkedIn")
    ORGANIC = "organic", _("Organic search")
    DIRECT = "direct", _("Direct")
    REFERRAL = "referral", _("Referral")
    EMAIL = "email", _("E-mail")
    EVENT = "event", _("Event / trade fair")
    OTHER = "other", _("Other")


class ConversionAction(models.TextChoices):
    QUOTE_REQUEST = "quote_request", _("Quote request")
    DEMO_REQUEST = "demo_request", _("Demo request")
    CONTACT_FORM = "contact_form", _("Contact form")
    CALLBACK = "callback", _("Callback request")
    CALCULATOR = "calculator", _("Calculator")
    DOWNLOAD = "download", _("Download")
    WEBINAR = "webinar", _("Webinar")
    NEWSLETTER = "newsletter", _("Newsletter sign-up")
    SOCIAL = "social", _("Social media")
    OTHER = "other", _("Other")


class IntentTier(models.TextChoices):
    HIGH = "high", _("High intent")
    MID = "mid", _("Mid intent")
    LOW = "low", _("Low intent")


class Team(models.Model):
    class Kind(models.TextChoices):
        NEW_BUSINESS = "new_business", _("New business")
        ACCOUNT_MANAGEMENT = "account_management", _("Account management")
        INSIDE_SALES = "inside_sales", _("Inside sales")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_teams",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), blank=True, related_name="teams"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self):
        return self.name


class Company(models.Model):
    name = models.CharField(_("name"), max_length=200)
    domain = models.CharField(
        _("web domain"), max_length=200, blank=True, help_text=_("For example acme.nl")
    )
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    sector = models.CharField(_("sector"), max_length=30, choices=Sector.choices, blank=True)
    country = models.CharField(_("country"), max_length=2, default="NL")
    region = models.CharField(_("region"), max_length=100, blank=True)
    postcode = models.CharField(_("postcode"), max_length=12, blank=True)
    is_customer = models.BooleanField(
        _("existing customer"), default=False, help_text=_("Part of the installed base.")
    )
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="accounts",
    )
    is_competitor = models.BooleanField(_("competitor"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        constraints = [
            models.UniqueConstraint(
                fields=["domain"], condition=~Q(domain=""), name="company_unique_domain"
            )
        ]

    def __str__(self):
        return self.name


class IllegalTransition(Exception):
    """A stage change that the lead's life cycle does not allow."""

    def __init__(self, lead: "Lead", to_stage: str):
        self.from_stage = lead.stage
        self.to_stage = to_stage
        super().__init__(
            f"Lead {lead.pk} cannot move from {Lead.Stage(lead.stage).label} "
            f"to {Lead.Stage(to_stage).label}."
        )


class LeadQuerySet(models.QuerySet):
    def open(self):
        return self.filter(stage__in=Lead.OPEN_STAGES)

    def owned_by(self, user):
        return self.filter(owner=user)

    def with_company(self):
        return self.select_related("company", "owner", "team")

    def upsert(
        self, *, source_system: str, external_id: str, create_only: dict | None = None, **fields
    ) -> tuple["Lead", bool]:
        """Create the lead, or update the one already received from the same source system
        under the same id. Returns (lead, created). `create_only` fields (first touch, arrival
        time) are set on a new lead and never overwritten. Safe when two requests race: the
        unique constraint decides, and the loser updates the winner's row."""
        if not source_system or not external_id:
            raise ValueError("An upsert needs both source_system and external_id.")
        return self.update_or_create(
            source_system=source_system,
            external_id=external_id,
            defaults=fields,
            create_defaults={**(create_only or {}), **fields},
        )


class Lead(models.Model):
    class Stage(models.TextChoices):
        NEW = "new", _("New")
        NURTURE = "nurture", _("Nurture")
        MQL = "mql", _("MQL")
        SAL = "sal", _("SAL (accepted by sales)")
        SQL = "sql", _("SQL")
        OPPORTUNITY = "opportunity", _("Opportunity")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")
        DISQUALIFIED = "disqualified", _("Disqualified")

    # The main road through the funnel, in order. A lead may skip ahead on it (a quote
    # request can go straight to SQL) but never goes back, except to nurture.
    FUNNEL = [Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY, Stage.WON]
    OPEN_STAGES = [Stage.NEW, Stage.NURTURE, Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY]
    CLOSED_STAGES = [Stage.WON, Stage.LOST, Stage.DISQUALIFIED]
    # Stages whose first arrival is stamped on the lead as `<stage>_at`.
    STAMPED_STAGES = [
        Stage.NURTURE,
        Stage.MQL,
        Stage.SAL,
        Stage.SQL,
        Stage.OPPORTUNITY,
        Stage.WON,
        Stage.LOST,
        Stage.DISQUALIFIED,
    ]

    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    company = models.ForeignKey(
        Company,
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )

    channel = models.CharField(
        _("source channel"), max_length=20, choices=Channel.choices, default=Channel.OTHER
    )
    campaign = models.CharField(_("campaign"), max_length=200, blank=True)
    conversion_action = models.CharField(
        _("first conversion action"),
        max_length=20,
        choices=ConversionAction.choices,
        default=ConversionAction.OTHER,
    )
    product_interest = models.CharField(_("product interest"), max_length=100, blank=True)

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_leads",
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )

    # Where the lead came from; re-sending the same (system, id) updates the lead.
    source_system = models.CharField(_("source system"), max_length=50, blank=True)
    external_id = models.CharField(_("external id"), max_length=200, blank=True)

    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.NEW, db_index=True
    )
    stage_changed_at = models.DateTimeField(_("in this stage since"), null=True, blank=True)
    # Every save through Handoff's own actions bumps this, so a form can tell that the
    # lead changed while someone was looking at it.
    version = models.PositiveIntegerField(_("version"), default=1)

    created_at = models.DateTimeField(_("arrived"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    nurture_at = models.DateTimeField(_("first nurtured"), null=True, blank=True)
    mql_at = models.DateTimeField(_("became MQL"), null=True, blank=True)
    sal_at = models.DateTimeField(_("accepted by sales"), null=True, blank=True)
    sql_at = models.DateTimeField(_("became SQL"), null=True, blank=True)
    opportunity_at = models.DateTimeField(_("became opportunity"), null=True, blank=True)
    won_at = models.DateTimeField(_("won"), null=True, blank=True)
    lost_at = models.DateTimeField(_("lost"), null=True, blank=True)
    disqualified_at = models.DateTimeField(_("disqualified"), null=True, blank=True)

    # The qualification policy's verdict. score_explanation lists the rules that fired, each
    # {"kind": "fit" | "engagement" | "decay" | "disqualifier" | "tier", "label": str,
    #  "points": int}, so every score explains itself.
    fit_score = models.IntegerField(_("fit score"), null=True, blank=True)
    engagement_score = models.IntegerField(_("engagement score"), null=True, blank=True)
    intent_tier = models.CharField(
        _("intent tier"), max_length=10, choices=IntentTier.choices, blank=True
    )
    score_explanation = models.JSONField(_("score explanation"), default=list, blank=True)
    scored_at = models.DateTimeField(_("scored"), null=True, blank=True)

    # Follow-up by sales.
    respond_by = models.DateTimeField(_("respond by"), null=True, blank=True)
    first_attempt_at = models.DateTimeField(_("first contact attempt"), null=True, blank=True)
    attempt_count = models.PositiveIntegerField(_("contact attempts"), default=0)

    deal_value = models.DecimalField(
        _("deal value"), max_digits=12, decimal_places=2, null=True, blank=True
    )

    objects = LeadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        constraints = [
            models.UniqueConstraint(
                fields=["source_system", "external_id"],
                condition=~Q(external_id=""),
                name="lead_unique_external_id",
            ),
            models.CheckConstraint(
                condition=Q(deal_value__isnull=True) | Q(deal_value__gte=0),
                name="lead_deal_value_not_negative",
            ),
        ]
        indexes = [
            models.Index(
                fields=["respond_by"],
                condition=Q(respond_by__isnull=False),
                name="lead_respond_by_due",
            ),
            models.Index(fields=["owner", "stage"], name="lead_owner_stage"),
        ]

    def __str__(self):
        return self.full_name or self.email or f"Lead {self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def email_domain(self) -> str:
        return self.email.rpartition("@")[2].lower()

    @property
    def email_is_personal(self) -> bool:
        return self.email_domain in PERSONAL_EMAIL_DOMAINS

    @property
    def is_open(self) -> bool:
        return self.stage in self.OPEN_STAGES

    @property
    def is_existing_customer(self) -> bool:
        return bool(self.company and self.company.is_customer)

    @classmethod
    def allowed_next_stages(cls, stage: str) -> list[str]:
        """The stages a lead in `stage` may move to."""
        S = cls.Stage
        if stage in (S.WON,):
            return []
        if stage in (S.LOST, S.DISQUALIFIED):
            return [S.NURTURE]  # recycled: marketing tries again later
        allowed = []
        if stage in (S.NEW, S.NURTURE):
            ahead = cls.FUNNEL
        else:
            ahead = cls.FUNNEL[cls.FUNNEL.index(stage) + 1 :]
        allowed.extend(ahead)
        if stage != S.NURTURE:
            allowed.append(S.NURTURE)
        if stage in (S.SQL, S.OPPORTUNITY):
            allowed.append(S.LOST)
        allowed.append(S.DISQUALIFIED)
        return allowed

    def can_move_to(self, stage: str) -> bool:
        return stage in self.allowed_next_stages(self.stage)

    def move_to(
        self,
        stage: str,
        *,
        by=None,
        rule: str = "",
        reason: str = "",
        at: datetime | None = None,
    ) -> "StageChange":
        """Move the lead to `stage`, record why, and stamp when it first got there.

        `by` is the user who made the change, `rule` names the automatic rule that made it
        (one of the two is usually given). Raises `IllegalTransition` and changes nothing
        when the life cycle does not allow the move.
        """
        if stage not in self.Stage.values:
            raise ValueError(f"Unknown stage {stage!r}.")
        at = at or timezone.now()
        with transaction.atomic():
            # Lock the row and judge the move against the stored stage, not against what this
            # (possibly stale) instance believes: two people acting at once cannot both win.
            current = Lead.objects.select_for_update().only("stage", "version").get(pk=self.pk)
            self.stage = current.stage
            self.version = current.version
            if not self.can_move_to(stage):
                raise IllegalTransition(self, stage)
            change = StageChange.objects.create(
                lead=self,
                from_stage=self.stage,
                to_stage=stage,
                changed_at=at,
                changed_by=by,
                rule=rule,
                reason=reason,
            )
            fields = {"stage": stage, "stage_changed_at": at, "version": F("version") + 1}
            stamp = f"{stage}_at"
            if stage in self.STAMPED_STAGES and getattr(self, stamp) is None:
                fields[stamp] = at
            Lead.objects.filter(pk=self.pk).update(**fields, updated_at=timezone.now())
            for name, value in fields.items():
                if name != "version":
                    setattr(self, name, value)
            self.version = current.version + 1
        return change

    def record_activity(
        self,
        *,
        kind: str,
        occurred_at: datetime,
        source_system: str = "",
        external_id: str = "",
        url: str = "",
        title: str = "",
        data: dict | None = None,
    ) -> tuple["Activity", bool]:
        """Store what the lead did. Returns (activity, created); an event that was already
        received (same source system and external id) is returned as it was, unchanged."""
        fields = dict(kind=kind, occurred_at=occurred_at, url=url, title=title, data=data or {})
        if not external_id:
            return Activity.objects.create(lead=self, **fields), True
        activity, created = Activity.objects.get_or_create(
            source_system=source_system,
            external_id=external_id,
            defaults={"lead": self, **fields},
        )
        return activity, created


class StageChange(models.Model):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(_("from"), max_length=20, choices=Lead.Stage.choices)
    to_stage = models.CharField(_("to"), max_length=20, choices=Lead.Stage.choices)
    changed_at = models.DateTimeField(_("at"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rule = models.CharField(
        _("rule"), max_length=200, blank=True, help_text=_("The automatic rule that moved it.")
    )
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["changed_at", "id"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        indexes = [
            models.Index(fields=["lead", "changed_at"], name="stagechange_lead_at"),
            models.Index(fields=["to_stage", "changed_at"], name="stagechange_to_at"),
        ]

    def __str__(self):
        return f"{self.lead}: {self.get_from_stage_display()} → {self.get_to_stage_display()}"

    @property
    def actor(self) -> str:
        if self.changed_by:
            return self.changed_by.get_full_name() or self.changed_by.get_username()
        return self.rule or str(_("system"))


class Activity(models.Model):
    class Kind(models.TextChoices):
        PAGE_VISIT = "page_visit", _("Page visit")
        PRICING_PAGE = "pricing_page", _("Pricing page")
        CASE_STUDY = "case_study", _("Case study")
        DOWNLOAD = "download", _("Download")
        FORM_SUBMISSION = "form_submission", _("Form submission")
        WEBINAR = "webinar", _("Webinar")
        EVENT_VISIT = "event_visit", _("Event visit")
        EMAIL_OPEN = "email_open", _("E-mail opened")
        EMAIL_CLICK = "email_click", _("E-mail link clicked")
        DEMO_REQUEST = "demo_request", _("Demo request")

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("when"))
    url = models.URLField(_("URL"), max_length=500, blank=True)
    title = models.CharField(
        _("content"), max_length=200, blank=True, help_text=_("Webinar, download or event name.")
    )
    data = models.JSONField(
        _("details"), default=dict, blank=True, help_text=_("For a form: its answers.")
    )
    source_system = models.CharField(_("source system"), max_length=50, blank=True)
    external_id = models.CharField(_("external event id"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        constraints = [
            models.UniqueConstraint(
                fields=["source_system", "external_id"],
                condition=~Q(external_id=""),
                name="activity_unique_external_id",
            )
        ]
        indexes = [models.Index(fields=["lead", "occurred_at"], name="activity_lead_at")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.title or self.url}".strip()


class ContactAttempt(models.Model):
    class Channel(models.TextChoices):
        CALL = "call", _("Call")
        EMAIL = "email", _("E-mail")
        LINKEDIN = "linkedin", _("LinkedIn")

    class Outcome(models.TextChoices):
        SPOKE = "spoke", _("Spoke")
        VOICEMAIL = "voicemail", _("Voicemail")
        NO_ANSWER = "no_answer", _("No answer")
        WRONG_NUMBER = "wrong_number", _("Wrong number")
        EMAIL_SENT = "email_sent", _("E-mail sent")

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="contact_attempts")
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    made_at = models.DateTimeField(_("at"), default=timezone.now)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["made_at", "id"]
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")
        indexes = [models.Index(fields=["lead", "made_at"], name="attempt_lead_at")]

    def __str__(self):
        return f"{self.get_channel_display()}: {self.get_outcome_display()}"


class Feedback(models.Model):
    """Sales' verdict on a lead: the disposition marketing learns from."""

    class Disposition(models.TextChoices):
        BECAME_SQL = "became_sql", _("Became SQL")
        NOT_REACHED = "not_reached", _("Not reached")
        NO_FIT = "no_fit", _("No fit")
        NO_URGENCY = "no_urgency", _("No urgency")
        WRONG_CONTACT = "wrong_contact", _("Wrong contact person")

    class NoFitReason(models.TextChoices):
        TOO_SMALL = "too_small", _("Too small")
        WRONG_SECTOR = "wrong_sector", _("Wrong sector")
        NO_BUDGET = "no_budget", _("No budget")
        STUDENT_OR_PRIVATE = "student_or_private", _("Student or private person")
        COMPETITOR = "competitor", _("Competitor")
        OTHER = "other", _("Other")

    class Quality(models.TextChoices):
        GOOD = "good", _("Good")
        BAD = "bad", _("Bad")

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="feedback")
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    given_at = models.DateTimeField(_("at"), default=timezone.now)
    disposition = models.CharField(_("disposition"), max_length=20, choices=Disposition.choices)
    no_fit_reason = models.CharField(
        _("reason"), max_length=30, choices=NoFitReason.choices, blank=True
    )
    reason_text = models.TextField(_("explanation"), blank=True)
    quality = models.CharField(
        _("lead quality"), max_length=10, choices=Quality.choices, blank=True
    )
    quality_comment = models.TextField(_("comment on quality"), blank=True)
    # The qualification facts sales confirmed in the conversation.
    confirmed_need = models.BooleanField(_("need"), default=False)
    confirmed_timing = models.BooleanField(_("timing"), default=False)
    confirmed_budget = models.BooleanField(_("budget"), default=False)
    confirmed_decision_maker = models.BooleanField(_("decision maker"), default=False)
    confirmed_scope = models.BooleanField(_("scope"), default=False)
    right_contact_name = models.CharField(_("right contact person"), max_length=200, blank=True)

    class Meta:
        ordering = ["given_at", "id"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        indexes = [models.Index(fields=["lead", "given_at"], name="feedback_lead_at")]

    def __str__(self):
        return self.get_disposition_display()

    def clean(self):
        if self.disposition == self.Disposition.NO_FIT and not self.no_fit_reason:
            raise ValidationError({"no_fit_reason": _("Say why the lead is no fit.")})
        if self.no_fit_reason == self.NoFitReason.OTHER and not self.reason_text.strip():
            raise ValidationError({"reason_text": _("Explain the other reason.")})
