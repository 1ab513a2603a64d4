"""A lead and its way through the funnel (stage changes); what it did is in activity.py.

A lead's stage only changes through `Lead.move_to()`, which validates the transition, writes
the `StageChange` history row and stamps the first time the lead reached the stage, all in one
transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.email_domains import email_domain, is_personal_domain
from common.lookups import AnyOf
from common.messages import render, rule_name, split
from common.people import person_name
from leads.models.activity import Activity, ConversionAction
from leads.models.choices import Channel, IntentTier, LostReason, SourceOwner, Temperature
from leads.models.company import Company, Team
from leads.rollups import refresh as refresh_rollups


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

    def unassigned(self):
        """Handed to sales while nobody who could take them was present: the unassigned queue,
        until a manager gives each one an owner."""
        return self.with_sales().filter(owner__isnull=True)

    def overdue(self, now: datetime):
        return self.filter(respond_by__lt=now)

    def by_urgency(self):
        """Most urgent first: the earliest follow-up deadline, then the longest waiting."""
        return self.order_by(F("respond_by").asc(nulls_last=True), "created_at", "id")

    def owned_by(self, user):
        return self.filter(owner=user)

    def with_company(self):
        return self.select_related("company", "owner", "team", "linked_campaign")

    def received_from(self, source_system: str, external_ids: Iterable[str]):
        """The leads `source_system` sent under these ids. The empty id is ruled out in so
        many words: only then can PostgreSQL use the partial unique index on (source_system,
        external_id) for a list of ids; without it, it scans every lead."""
        return self.filter(AnyOf("external_id", external_ids), source_system=source_system).exclude(external_id="")

    def upsert(
        self, *, source_system: str, external_id: str, create_only: dict | None = None, **fields
    ) -> tuple["Lead", bool]:
        """Create the lead, or update the one already received from the same source system
        under the same id. Returns (lead, created). `create_only` fields (first touch, arrival
        time) are set on a new lead and never overwritten. Safe when two requests race: the
        unique constraint decides, and the loser updates the winner's row."""
        if not source_system or not external_id:
            raise ValueError("An upsert needs both source_system and external_id.")
        with transaction.atomic():
            lead, created = self.update_or_create(
                source_system=source_system,
                external_id=external_id,
                defaults=fields,
                create_defaults={**(create_only or {}), **fields},
            )
            refresh_rollups(Lead.objects, [lead.pk])
        return lead, created


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
    # Stages in which sales contacts the lead and gives feedback on it.
    SALES_STAGES = [Stage.MQL, Stage.SAL, Stage.SQL]
    # Stages whose first arrival is stamped on the lead as `<stage>_at`.
    STAMPED_STAGES = [
        Stage.NURTURE, Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY, Stage.WON, Stage.LOST, Stage.DISQUALIFIED,
    ]

    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)  # indexed in Meta: lead_email
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
    # The campaign as the sending system named it (utm_campaign, a CRM's field), kept as
    # given; linked_campaign is the campaign of that name (or id), when marketing has one.
    campaign = models.CharField(_("campaign"), max_length=200, blank=True)
    linked_campaign = models.ForeignKey(
        "leads.Campaign",
        verbose_name=_("linked campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    source_owner = models.CharField(
        _("source owner"), max_length=20, choices=SourceOwner.choices, default=SourceOwner.MARKETING
    )
    conversion_action = models.CharField(
        _("first conversion action"),
        max_length=20,
        choices=ConversionAction.choices,
        default=ConversionAction.OTHER,
    )
    product_interest = models.CharField(_("product interest"), max_length=100, blank=True)
    # The sending system's own words for where the lead came from ("google / cpc", a CRM's
    # "Lead Source"), kept as given: the channel above is our reading of it.
    source = models.CharField(_("original source"), max_length=200, blank=True, default="")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_leads",
        db_index=False,  # lead_owner_stage starts with the owner
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

    stage = models.CharField(  # indexed in Meta: lead_stage
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.NEW
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
    temperature = models.CharField(
        _("temperature"), max_length=4, choices=Temperature.choices, blank=True, default=""
    )
    # When time alone next changes the score or the temperature (a decay, a rule's window, a
    # band running out): the worker re-scores the lead then. Empty: time changes nothing.
    rescore_at = models.DateTimeField(_("re-score at"), null=True, blank=True, editable=False)
    # A disqualified lead that asked for contact since (a demo or contact request): marketing
    # and the manager find it on the "disqualified but asking" list.
    asking_at = models.DateTimeField(_("asked while disqualified"), null=True, blank=True, editable=False)

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
    lost_reason = models.CharField(
        _("lost reason"), max_length=20, choices=LostReason.choices, blank=True, default=""
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
        # Every index is written again when a score rewrites a lead row (twenty of them), so
        # none is kept twice: not the owner's alone (lead_owner_stage starts with it), nor the
        # LIKE twins Django adds to an indexed text field (nothing searches stage or e-mail by
        # prefix).
        indexes = [
            models.Index(fields=["stage"], name="lead_stage"),
            models.Index(fields=["email"], name="lead_email"),
            models.Index(
                fields=["respond_by"],
                condition=Q(respond_by__isnull=False),
                name="lead_respond_by_due",
            ),
            models.Index(fields=["owner", "stage"], name="lead_owner_stage"),
            # The queue's default view: the leads waiting for sales in its order (LeadQuerySet.
            # by_urgency()), so a page reads 25 entries instead of sorting every such lead.
            models.Index(
                fields=["respond_by", "created_at", "id"],
                condition=Q(stage__in=["mql", "sal", "sql"]),
                name="lead_sales_by_urgency",
            ),
            models.Index(fields=["rescore_at"], condition=Q(rescore_at__isnull=False), name="lead_rescore_due"),
            models.Index(fields=["asking_at"], condition=Q(asking_at__isnull=False), name="lead_disqualified_asking"),
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
            # The weekly review counts and lists the missed deadlines (never contacted, contacted
            # late, open breaches) on the few handed-over leads without a first attempt, with
            # a running deadline or contacted late: this finds a week's of them by their
            # handoff, written as reached() does, and holds what the counts read, so PostgreSQL
            # never visits the table for them.
            models.Index(
                Least("mql_at", "sal_at", "sql_at", "opportunity_at", "won_at"),
                condition=(
                    Q(first_attempt_at__isnull=True) | Q(respond_by__isnull=False)
                    | Q(first_attempt_at__gt=F("first_contact_by"))
                ),
                include=[
                    "id", "mql_at", "sal_at", "sql_at", "opportunity_at", "won_at", "first_attempt_at",
                    "first_contact_by", "respond_by", "stage", "team", "owner",
                ],
                name="lead_review_waiting",
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
        return email_domain(self.email)

    @property
    def email_is_personal(self) -> bool:
        return is_personal_domain(self.email_domain)

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

    def save_logged(self, fields: Iterable[str], *, by, at: datetime):
        """Save `fields` as they are on this instance, with a new version and the change-log
        row (who, when, each field before → after) in one transaction: how an edit by hand in
        the admin is recorded like the sales actions' changes. Returns the LeadChange, or
        None when nothing differed from the stored lead."""
        with transaction.atomic():
            stored = Lead.objects.select_for_update().get(pk=self.pk)
            changes = {}
            for name in fields:
                attname = self._meta.get_field(name).attname
                before, after = loggable(getattr(stored, attname)), loggable(getattr(self, attname))
                if before != after:
                    changes[name] = [before, after]
            if not changes:
                return None
            self.version = stored.version + 1
            self.save(update_fields=[*changes, "version", "updated_at"])
            refresh_rollups(Lead.objects, [self.pk])
            return self.changes.create(changed_at=at, changed_by=by, changes=changes)

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
        reason: str | dict = "",
        at: datetime | None = None,
    ) -> "StageChange":
        """Move the lead to `stage`, record why, and stamp when it first got there.

        `by` is the user who made the change, `rule` names the automatic rule that made it
        (one of the two is usually given). `reason` is the words a person typed, or a message
        (common/messages.py) put into words when read. Raises `IllegalTransition` and changes
        nothing when the life cycle does not allow the move.
        """
        if stage not in self.Stage.values:
            raise ValueError(f"Unknown stage {stage!r}.")
        at = at or timezone.now()
        with transaction.atomic():
            # Lock the row and judge the move against the stored stage, not against what this
            # (possibly stale) instance believes: two people acting at once cannot both win.
            current = Lead.objects.select_for_update().only("stage", "version", "temperature").get(pk=self.pk)
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
                reason=split(reason)[0],
                reason_message=split(reason)[1],
            )
            fields = {"stage": stage, "stage_changed_at": at, "version": F("version") + 1}
            stamp = f"{stage}_at"
            if stage in self.STAMPED_STAGES and getattr(self, stamp) is None:
                fields[stamp] = at
            if stage in self.CLOSED_STAGES and current.temperature:
                fields["temperature"] = Temperature.COLD  # won, lost or sent away: nobody calls it
            Lead.objects.filter(pk=self.pk).update(**fields, updated_at=timezone.now())
            refresh_rollups(Lead.objects, [self.pk])
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


def loggable(value):
    """A field's value as the change log stores it (JSON): datetimes as ISO 8601, amounts as
    text, related rows by id."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


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
    reason = models.TextField(_("reason"), blank=True)  # as a person typed it
    reason_message = models.JSONField(_("reason (code)"), null=True, blank=True, editable=False)  # as Handoff wrote it

    class Meta:
        ordering = ["changed_at", "id"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        indexes = [
            models.Index(fields=["lead", "changed_at"], name="stagechange_lead_at"),
            models.Index(fields=["to_stage", "changed_at"], name="stagechange_to_at"),
            # The latest changes first (the home page): read from the end of this index.
            models.Index(fields=["changed_at", "id"], name="stagechange_latest"),
            # The weekly review asks of every MQL "did sales send it back?": a small index of
            # only those moves answers each question without touching the table.
            models.Index(
                fields=["lead"],
                include=["from_stage", "to_stage", "changed_by"],
                condition=Q(from_stage__in=["mql", "sal", "sql"], to_stage__in=["nurture", "disqualified"]),
                name="stagechange_left_sales",
            ),
            # The feedback per source counts the MQLs a person sent back to nurture
            # (leads.rollup_facts.rejections_at_accept): those moves alone, with the
            # moment and id the count reads, so the count never touches the table.
            models.Index(
                fields=["lead", "changed_at"],
                include=["id"],
                condition=Q(from_stage="mql", to_stage="nurture", changed_by__isnull=False),
                name="stagechange_sent_back",
            ),
        ]

    def __str__(self):
        return f"{self.lead}: {self.get_from_stage_display()} → {self.get_to_stage_display()}"

    @property
    def actor(self) -> str:
        return person_name(self.changed_by) if self.changed_by else rule_name(self.rule) or str(_("system"))

    def get_reason_display(self) -> str:
        return render(self.reason_message) if self.reason_message else self.reason
