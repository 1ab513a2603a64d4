"""The routing table (who gets which lead) and the record of every assignment."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.messages import render
from handoff.models.settings import validate_active_user
from leads.models import Lead, Team


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
        db_table = "leads_routingrule"  # kept when the model moved here
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
        UNASSIGNED = "unassigned", _("Unassigned: nobody present")

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="assignments")
    kind = models.CharField(_("how"), max_length=20, choices=Kind.choices)
    # Empty when nobody who could take the lead was present: it waits in the unassigned queue.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule = models.ForeignKey(
        RoutingRule, verbose_name=_("rule"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule_name = models.CharField(_("rule"), max_length=120, blank=True)
    # Why, as a manager typed it; or, when routing decided, a code and its parameters.
    reason = models.TextField(_("why"), blank=True)
    reason_message = models.JSONField(_("why (code)"), null=True, blank=True, editable=False)
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
        db_table = "leads_assignment"  # kept when the model moved here
        ordering = ["assigned_at", "id"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        indexes = [
            models.Index(fields=["lead", "assigned_at"], name="assignment_lead_at"),
            # Round robin asks "when did each member last get a lead from this team?"
            models.Index(fields=["team", "owner", "assigned_at"], name="assignment_team_owner_at"),
        ]

    def __str__(self):
        return f"{self.lead} → {self.owner or '—'}"

    def get_reason_display(self) -> str:
        """Why, in the reader's language."""
        return render(self.reason_message) if self.reason_message else self.reason
