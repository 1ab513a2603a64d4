"""The lead and what happens to it: companies, people, their activities and their way
through the funnel.

A lead's stage only changes through `Lead.move_to()`, which validates the transition, writes
the `StageChange` history row and stamps the first time the lead reached the stage, all in one
transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.functions import Least
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from leads.sales import SalesActions
from leads import sla


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


def person_name(user) -> str:
    return user.get_full_name() or user.get_username()


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

    def with_sales(self):
        """Leads waiting for sales to act: handed over, not yet an opportunity."""
        return self.filter(stage__in=Lead.SALES_STAGES)

    def overdue(self, now: datetime):
        return self.filter(respond_by__lt=now)

    def by_urgency(self):
        """Most urgent first: the earliest follow-up deadline, then the longest waiting."""
        return self.order_by(F("respond_by").asc(nulls_last=True), "created_at", "id")

    def owned_by(self, user):
        return self.filter(owner=user)

    def with_company(self):
        return self.select_related("company", "owner", "team")

    def received_from(self, source_system: str, external_ids: Iterable[str]):
        """The leads `source_system` sent under these ids. The empty id is ruled out in so
        many words: only then can PostgreSQL use the partial unique index on (source_system,
        external_id) for a list of ids; without it, it scans every lead."""
        return self.filter(source_system=source_system, external_id__in=external_ids).exclude(external_id="")

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


class Lead(SalesActions, models.Model):
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
    # Stages in which sales contacts the lead and gives feedback on it.
    SALES_STAGES = [Stage.MQL, Stage.SAL, Stage.SQL]
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
    # For the weekly review, stored when they happen: business time cannot be computed in SQL
    # from a calendar with holidays. Both belong to the lead's first handoff (its first MQL).
    first_contact_by = models.DateTimeField(_("first contact due by"), null=True, blank=True)
    first_contact_business_seconds = models.PositiveIntegerField(
        _("business time to first contact (seconds)"), null=True, blank=True
    )

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
            # The funnel dashboard. Cohort mode reads the leads that arrived in a period: this
            # index holds every column it needs, so PostgreSQL never visits the table itself.
            # It also stores when each lead reached MQL, SAL, SQL and opportunity (the earliest
            # of that stage's stamp and the later ones, written exactly as
            # dashboard.metrics.reached() writes it): PostgreSQL then reads these moments
            # instead of computing LEAST(...) for every lead in every figure (the funnel, the
            # lead-time distributions and the weekly figure: 25-45 % faster on a million leads).
            models.Index(
                F("created_at"),
                Least("mql_at", "sal_at", "sql_at", "opportunity_at", "won_at"),
                Least("sal_at", "sql_at", "opportunity_at", "won_at"),
                Least("sql_at", "opportunity_at", "won_at"),
                Least("opportunity_at", "won_at"),
                include=[
                    "id", "channel", "campaign", "company", "team", "owner", "mql_at", "sal_at",
                    "sql_at", "opportunity_at", "won_at", "first_attempt_at", "attempt_count",
                    "deal_value",
                ],
                name="lead_funnel_reached",
            ),
            # Activity mode reads the leads that reached a stage in a period.
            *[
                models.Index(
                    fields=[f"{stage}_at"],
                    condition=Q(**{f"{stage}_at__isnull": False}),
                    name=f"lead_reached_{stage}",
                )
                for stage in ["mql", "sal", "sql", "opportunity", "won"]
            ],
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
    def is_with_sales(self) -> bool:
        return self.stage in self.SALES_STAGES

    @property
    def is_existing_customer(self) -> bool:
        return bool(self.company and self.company.is_customer)

    @property
    def handed_over_at(self) -> datetime | None:
        """When the lead first reached MQL, or a later funnel stage it skipped to."""
        return min(filter(None, [getattr(self, f"{stage}_at") for stage in self.FUNNEL]), default=None)

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


class RecordedChange(models.Model):
    """When a lead was changed, and by whom (no one: a rule or the system)."""

    changed_at = models.DateTimeField(_("at"), default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True

    @property
    def actor(self) -> str:
        return person_name(self.changed_by) if self.changed_by else str(_("system"))


class StageChange(RecordedChange):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(_("from"), max_length=20, choices=Lead.Stage.choices)
    to_stage = models.CharField(_("to"), max_length=20, choices=Lead.Stage.choices)
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
            # The weekly review asks of every MQL "did sales send it back?": a small index of
            # only those moves answers each question without touching the table.
            models.Index(
                fields=["lead"],
                include=["from_stage", "to_stage", "changed_by"],
                condition=Q(from_stage__in=["mql", "sal", "sql"], to_stage__in=["nurture", "disqualified"]),
                name="stagechange_left_sales",
            ),
        ]

    def __str__(self):
        return f"{self.lead}: {self.get_from_stage_display()} → {self.get_to_stage_display()}"

    @property
    def actor(self) -> str:
        return person_name(self.changed_by) if self.changed_by else self.rule or str(_("system"))


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

    # The agreement between sales and marketing: an SQL has at least two confirmed facts.
    MIN_FACTS_FOR_SQL = 2
    FACT_FIELDS = [
        "confirmed_need",
        "confirmed_timing",
        "confirmed_budget",
        "confirmed_decision_maker",
        "confirmed_scope",
    ]

    @property
    def confirmed_facts(self) -> list[str]:
        """The labels of the qualification facts sales confirmed."""
        return [
            str(self._meta.get_field(name).verbose_name)
            for name in self.FACT_FIELDS
            if getattr(self, name)
        ]

    def clean(self):
        # Details that belong to another disposition (left over after the rep changed their
        # mind) are dropped rather than stored as if they applied.
        if self.disposition != self.Disposition.NO_FIT:
            self.no_fit_reason = self.reason_text = ""
        if self.disposition != self.Disposition.WRONG_CONTACT:
            self.right_contact_name = ""
        if self.disposition == self.Disposition.NO_FIT and not self.no_fit_reason:
            raise ValidationError({"no_fit_reason": _("Say why the lead is no fit.")})
        if self.no_fit_reason == self.NoFitReason.OTHER and not self.reason_text.strip():
            raise ValidationError({"reason_text": _("Explain the other reason.")})
        if (
            self.disposition == self.Disposition.BECAME_SQL
            and len(self.confirmed_facts) < self.MIN_FACTS_FOR_SQL
        ):
            raise ValidationError(
                _("An SQL needs at least %(count)d confirmed facts (need, timing, budget, decision maker, scope).")
                % {"count": self.MIN_FACTS_FOR_SQL}
            )

    def summary(self, *, language: str) -> str:
        """One line for the stage history: the disposition and what sales said about it.
        Stored text, so written in one language (the installation's) whoever gave it."""
        with translation.override(language):
            return self._summary()

    def _summary(self) -> str:
        parts = [str(self.get_disposition_display())]
        if self.no_fit_reason:
            parts.append(str(self.get_no_fit_reason_display()))
        if self.reason_text.strip():
            parts.append(self.reason_text.strip())
        if self.confirmed_facts:
            parts.append(", ".join(self.confirmed_facts))
        return ": ".join(parts[:2]) + "".join(f" — {part}" for part in parts[2:])


class LeadChange(RecordedChange):
    """A change to a lead's own fields other than its stage (the stage has `StageChange`):
    who, when, and each field's value before and after."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="changes")
    # {field name: [before, after]}; datetimes as ISO 8601 strings.
    changes = models.JSONField(_("changes"), default=dict)

    class Meta:
        ordering = ["changed_at", "id"]
        verbose_name = _("lead change")
        verbose_name_plural = _("lead changes")
        indexes = [models.Index(fields=["lead", "changed_at"], name="leadchange_lead_at")]

    def __str__(self):
        return f"{self.lead}: {', '.join(self.changes)}"

    def described(self) -> list[tuple[str, object, object]]:
        """(field label, before, after) for each change, datetimes as aware datetimes."""
        rows = []
        for name, (before, after) in self.changes.items():
            field = Lead._meta.get_field(name)
            if isinstance(field, models.DateTimeField):
                before, after = (
                    datetime.fromisoformat(value) if value else None for value in (before, after)
                )
            rows.append((str(field.verbose_name), before, after))
        return rows


# --- The handoff: routing, the business calendar, SLA clocks and notifications -------------
# Who gets a lead (RoutingRule → Assignment), by when they must act (HandoffSettings'
# calendar + SlaPolicy → SlaClock, mirrored in Lead.respond_by), and how they hear about it
# (NotificationChannel → Notification, sent by `manage.py runworker`).

WEEKDAY_FIELDS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def default_time_zone() -> str:
    return settings.BUSINESS_TIME_ZONE


def validate_active_user(user_id):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id).first()
    if user is not None and not user.is_active:
        raise ValidationError(
            _("%(user)s is no longer active; choose someone who still works here."),
            params={"user": user.get_full_name() or user.get_username()},
        )


class HandoffSettings(models.Model):
    """The one row of handoff settings: the business calendar and the fallback owner."""

    time_zone = models.CharField(_("time zone"), max_length=64, default=default_time_zone)
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
        help_text=_("Gets every lead no routing rule places, so no lead is ever without an owner."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
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

    def working_hours(self) -> sla.WorkingHours:
        return sla.WorkingHours(
            days=tuple(sla.parse_intervals(getattr(self, f"{day}_hours")) for day in WEEKDAY_FIELDS)
        )

    def calendar(self) -> sla.BusinessCalendar:
        once, every_year = sla.parse_closed_days(self.closed_days)
        return sla.BusinessCalendar.build(
            hours=self.working_hours(),
            time_zone=self.time_zone,
            holiday_country=self.holiday_country.upper() or None,
            holiday_subdivision=self.holiday_subdivision or None,
            closed_days=once,
            closed_every_year=every_year,
            worked_holidays=[n.strip() for n in self.worked_holidays.splitlines() if n.strip()],
        )

    def clean(self):
        """Each mistake on its own field, in the user's language."""
        errors = {}
        any_hours = False
        for day in WEEKDAY_FIELDS:
            name = f"{day}_hours"
            try:
                intervals = sorted(sla.parse_intervals(getattr(self, name)))
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
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            errors["time_zone"] = _("%(zone)s is not a known time zone; use a name like Europe/Amsterdam.") % {
                "zone": self.time_zone
            }
        known = ()
        if self.holiday_country:
            try:
                known = sla.public_holiday_names(self.holiday_country.upper(), self.holiday_subdivision or None)
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
            sla.parse_closed_days(self.closed_days)
        except ValueError:
            errors["closed_days"] = _("Write one date per line: 2026-12-24 (once) or 05-05 (every year).")
        if errors:
            raise ValidationError(errors)


class UserAvailability(models.Model):
    """Whether a rep takes new leads: round robin skips someone who is away."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availability", verbose_name=_("user")
    )
    is_away = models.BooleanField(_("away"), default=False)
    back_on = models.DateField(
        _("back on"), null=True, blank=True, help_text=_("Takes leads again from this day; empty: until unticked.")
    )

    class Meta:
        verbose_name = _("availability")
        verbose_name_plural = _("availability")

    def __str__(self):
        return str(self.user)

    def is_away_on(self, day) -> bool:
        return self.is_away and (self.back_on is None or day < self.back_on)


class RoutingRule(models.Model):
    """One line of the routing table. Rules are tried in order; the first that matches wins.
    Every criterion left empty matches everything."""

    class Target(models.TextChoices):
        TEAM = "team", _("Team (round robin)")
        USER = "user", _("Named person")
        ACCOUNT_MANAGER = "account_manager", _("The company's account manager")

    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveIntegerField(_("order"), default=0, db_index=True)
    is_active = models.BooleanField(_("active"), default=True)

    countries = models.JSONField(_("countries"), default=list, blank=True)
    regions = models.JSONField(_("regions"), default=list, blank=True)
    postcode_prefixes = models.JSONField(_("postcode starts with"), default=list, blank=True)
    sectors = models.JSONField(_("sectors"), default=list, blank=True)
    min_employees = models.PositiveIntegerField(_("at least employees"), null=True, blank=True)
    max_employees = models.PositiveIntegerField(_("at most employees"), null=True, blank=True)
    product_interests = models.JSONField(_("product interest contains"), default=list, blank=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    intent_tiers = models.JSONField(_("intent tiers"), default=list, blank=True)
    existing_customer = models.BooleanField(
        _("existing customer"), null=True, blank=True, help_text=_("Empty: customers and non-customers.")
    )

    target = models.CharField(_("assign to"), max_length=20, choices=Target.choices, default=Target.TEAM)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.PROTECT, related_name="routing_rules"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="routing_rules",
    )
    max_open_leads = models.PositiveIntegerField(
        _("cap on open leads per member"),
        null=True,
        blank=True,
        help_text=_("Members at the cap are skipped. Empty: no cap."),
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(target="team", team__isnull=False, user__isnull=True)
                    | Q(target="user", user__isnull=False, team__isnull=True)
                    | Q(target="account_manager", user__isnull=True)
                ),
                name="routingrule_target_complete",
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.target == self.Target.TEAM:
            if not self.team_id:
                errors["team"] = _("Choose the team whose members take turns.")
            self.user = None
        elif self.target == self.Target.USER:
            if not self.user_id:
                errors["user"] = _("Choose the person who gets these leads.")
            else:
                try:
                    validate_active_user(self.user_id)
                except ValidationError as error:
                    errors["user"] = error.messages
            self.team = None
        else:
            self.user = None
        if (
            self.min_employees is not None
            and self.max_employees is not None
            and self.min_employees > self.max_employees
        ):
            errors["max_employees"] = _("The maximum is below the minimum.")
        if errors:
            raise ValidationError(errors)


class Assignment(models.Model):
    """Who got the lead, by which rule and why: the routing history, newest last."""

    class Kind(models.TextChoices):
        RULE = "rule", _("Routing rule")
        FALLBACK = "fallback", _("Fallback owner")
        REASSIGNED = "reassigned", _("Reassigned by a manager")

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="assignments")
    kind = models.CharField(_("how"), max_length=20, choices=Kind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule = models.ForeignKey(
        RoutingRule, verbose_name=_("rule"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule_name = models.CharField(_("rule"), max_length=120, blank=True)
    reason = models.TextField(_("why"))
    assigned_at = models.DateTimeField(_("at"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["assigned_at", "id"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        indexes = [
            models.Index(fields=["lead", "assigned_at"], name="assignment_lead_at"),
            # Round robin asks "when did each member last get a lead from this team?"
            models.Index(fields=["team", "owner", "assigned_at"], name="assignment_team_owner_at"),
        ]

    def __str__(self):
        return f"{self.lead} → {self.owner}"


class SlaPolicy(models.Model):
    """How fast sales must act, per intent tier, existing customer or routing rule. The first
    active policy that matches the lead applies."""

    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    intent_tier = models.CharField(
        _("intent tier"), max_length=10, choices=IntentTier.choices, blank=True, help_text=_("Empty: any tier.")
    )
    existing_customer = models.BooleanField(
        _("existing customer"), null=True, blank=True, help_text=_("Empty: customers and non-customers.")
    )
    routing_rule = models.ForeignKey(
        RoutingRule,
        verbose_name=_("routing rule"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_policies",
        help_text=_("Only for leads this rule assigned. Empty: any route."),
    )
    first_contact_within = models.DurationField(
        _("first contact within (business time)"), default=timedelta(hours=24)
    )
    next_attempt_within = models.DurationField(
        _("next attempt within"), default=timedelta(hours=24), help_text=_("After an attempt that did not reach them.")
    )
    next_attempt_in_business_time = models.BooleanField(_("count the next attempt in business time"), default=False)
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts before 'not reached'"),
        default=3,
        validators=[MinValueValidator(1)],
        help_text=_("After this many attempts without contact the lead returns to nurture."),
    )
    feedback_within_working_days = models.PositiveSmallIntegerField(
        _("feedback within (working days)"), default=2, validators=[MinValueValidator(1)]
    )
    at_risk_percent = models.PositiveSmallIntegerField(
        _("remind the owner at (percentage of the time)"),
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self):
        return self.name

    def clean(self):
        if self.first_contact_within is not None and self.first_contact_within <= timedelta(0):
            raise ValidationError({"first_contact_within": _("Give a time longer than zero.")})
        if self.next_attempt_within is not None and self.next_attempt_within <= timedelta(0):
            raise ValidationError({"next_attempt_within": _("Give a time longer than zero.")})


class SlaClockQuerySet(models.QuerySet):
    def reminder_due(self, now: datetime):
        return self.filter(remind_at__lte=now)

    def run_out(self, now: datetime):
        return self.filter(runs_out_at__lte=now)


class SlaClock(models.Model):
    """The one running clock of a lead in sales' hands. The worker finds what needs doing
    through two indexed moments, each cleared once handled, so a sweep over a million
    leads reads only the few that are due."""

    class Kind(models.TextChoices):
        FIRST_CONTACT = "first_contact", _("First contact")
        NEXT_ATTEMPT = "next_attempt", _("Next attempt")
        FEEDBACK = "feedback", _("Feedback")
        NOT_REACHED = "not_reached", _("Not reached: back to nurture")

    lead = models.OneToOneField(Lead, primary_key=True, on_delete=models.CASCADE, related_name="sla_clock")
    kind = models.CharField(_("clock"), max_length=20, choices=Kind.choices)
    policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("SLA policy"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    policy_name = models.CharField(_("SLA policy"), max_length=120)
    handed_over_at = models.DateTimeField(_("handed over"))
    started_at = models.DateTimeField(_("started"))
    due_by = models.DateTimeField(_("due by"))
    # When the owner gets the "at risk" reminder; cleared once claimed.
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True)
    # When the worker must act (record the breach, or return the lead to nurture); cleared
    # once claimed.
    runs_out_at = models.DateTimeField(_("runs out at"), null=True, blank=True)

    objects = SlaClockQuerySet.as_manager()

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        indexes = [
            models.Index(fields=["remind_at"], condition=Q(remind_at__isnull=False), name="slaclock_remind_due"),
            models.Index(fields=["runs_out_at"], condition=Q(runs_out_at__isnull=False), name="slaclock_runs_out_due"),
        ]

    def __str__(self):
        return f"{self.lead_id}: {self.get_kind_display()} {self.due_by:%Y-%m-%d %H:%M}"


class SlaBreach(models.Model):
    """A deadline that passed without action: recorded once, escalated once."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="sla_breaches")
    clock = models.CharField(_("clock"), max_length=20, choices=SlaClock.Kind.choices)
    policy_name = models.CharField(_("SLA policy"), max_length=120)
    due_by = models.DateTimeField(_("was due by"))
    recorded_at = models.DateTimeField(_("recorded"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("escalated to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("SLA breach")
        verbose_name_plural = _("SLA breaches")
        constraints = [
            models.UniqueConstraint(fields=["lead", "clock", "due_by"], name="slabreach_once_per_deadline")
        ]
        indexes = [models.Index(fields=["recorded_at"], name="slabreach_recorded_at")]

    def __str__(self):
        return f"{self.lead}: {self.get_clock_display()}"


class NotificationChannel(models.Model):
    """Where one person wants to hear from Handoff, and about what. Someone without an
    active channel gets e-mail at their account's address."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SLACK = "slack", _("Slack incoming webhook")
        TEAMS = "teams", _("Microsoft Teams incoming webhook")
        WEBHOOK = "webhook", _("JSON webhook (signed)")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="notification_channels"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    email = models.EmailField(_("e-mail address"), blank=True)
    url = models.URLField(_("webhook URL"), max_length=500, blank=True)
    secret = models.CharField(
        _("signing secret"), max_length=200, blank=True, help_text=_("JSON webhook only: signs each request (HMAC-SHA256).")
    )
    is_active = models.BooleanField(_("active"), default=True)
    for_assignments = models.BooleanField(_("new leads"), default=True)
    for_reminders = models.BooleanField(_("at-risk reminders"), default=True)
    for_escalations = models.BooleanField(_("escalations"), default=True)
    disabled_reason = models.TextField(_("switched off because"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["user", "kind", "id"]
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")

    def __str__(self):
        return f"{self.get_kind_display()}: {self.email or self.url.split('?')[0][:60]}"

    def clean(self):
        if self.kind == self.Kind.EMAIL:
            if not self.email:
                raise ValidationError({"email": _("Give the e-mail address.")})
            return
        if not self.url:
            raise ValidationError({"url": _("Give the webhook URL.")})
        if not settings.DEBUG and not self.url.lower().startswith("https://"):
            raise ValidationError({"url": _("The webhook URL must start with https://, so messages travel encrypted.")})
        if self.kind == self.Kind.WEBHOOK and len(self.secret) < 16:
            raise ValidationError({"secret": _("Give a signing secret of at least 16 characters.")})

    def wants(self, kind: str) -> bool:
        K = Notification.Kind
        return {
            K.ASSIGNED: self.for_assignments,
            K.REASSIGNED: self.for_assignments,
            K.AT_RISK: self.for_reminders,
            K.ESCALATION: self.for_escalations,
            K.TEST: True,
            K.WEEKLY_REVIEW: True,
        }[kind]


class NotificationQuerySet(models.QuerySet):
    def ready(self, now: datetime):
        return self.filter(status=Notification.Status.PENDING, next_attempt_at__lte=now)


class Notification(models.Model):
    """One message to one person on one channel: the outbox the worker sends from, and the
    record of what was sent. Written in the transaction that caused it."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("New lead")
        REASSIGNED = "reassigned", _("Lead reassigned to you")
        AT_RISK = "at_risk", _("Deadline at risk")
        ESCALATION = "escalation", _("Deadline missed")
        TEST = "test", _("Test message")
        WEEKLY_REVIEW = "weekly_review", _("Weekly review")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("to"), on_delete=models.CASCADE, related_name="notifications"
    )
    channel = models.ForeignKey(
        NotificationChannel,
        verbose_name=_("channel"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        help_text=_("Empty: e-mail to the recipient's own address."),
    )
    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    context = models.JSONField(_("details"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=Q(status="pending"), name="notification_pending_due"
            ),
            models.Index(fields=["status", "claimed_at"], name="notification_status_claimed"),
            models.Index(fields=["lead", "created_at"], name="notification_lead_at"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient}"
