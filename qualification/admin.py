from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leads.admin import ActivityAdmin, LeadAdmin
from leads.models import Activity, Lead
from qualification import decisions, disqualified
from qualification.models import (
    Activation,
    Disqualifier,
    EngagementRule,
    FitRule,
    QualificationPolicy,
    SignOff,
    WhatConvertsReport,
)


class DraftOnlyInline(admin.TabularInline):
    extra = 0

    def has_change_permission(self, request, obj=None):
        return obj is None or obj.is_draft

    has_add_permission = has_change_permission
    has_delete_permission = has_change_permission


class FitRuleInline(DraftOnlyInline):
    model = FitRule


class EngagementRuleInline(DraftOnlyInline):
    model = EngagementRule


class DisqualifierInline(DraftOnlyInline):
    model = Disqualifier


class SignOffInline(admin.TabularInline):
    model = SignOff
    extra = 0
    fields = ["role", "signed_by", "signed_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # signing happens on the policy page, with the role check


@admin.register(QualificationPolicy)
class QualificationPolicyAdmin(admin.ModelAdmin):
    list_display = ["version", "status", "effective_at", "review_by", "retired_at"]
    list_filter = ["status"]
    # Activation needs both sign-offs and re-scores the leads: it happens on the policy page.
    readonly_fields = ["status", "effective_at", "retired_at", "created_at", "created_by"]
    inlines = [FitRuleInline, EngagementRuleInline, DisqualifierInline, SignOffInline]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.is_draft)

    def save_model(self, request, obj, form, change):
        if "review_by" in form.changed_data:
            obj.review_by_chosen = True
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and (form.has_changed() or any(f.has_changed() for f in formsets)):
            form.instance.draft_changed()


@admin.register(Activation)
class ActivationAdmin(admin.ModelAdmin):
    """The worker's activations, read-only but for the status: a run whose worker died stays
    "running" and blocks the next activation until an admin marks it failed."""

    list_display = ["policy", "status", "requested_at", "requested_by", "scored", "total", "finished_at"]
    list_filter = ["status"]
    readonly_fields = [
        "policy", "requested_by", "requested_at", "spread_hours", "started_at", "finished_at", "total",
        "scored", "qualified", "scheduled", "disqualified", "nurtured", "error",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(WhatConvertsReport)
class WhatConvertsReportAdmin(admin.ModelAdmin):
    """The stored "what converts" reports, read-only: when each was asked for and computed, by
    which worker, how long it took, and a failure's error."""

    list_display = ["requested_at", "requested_by", "status", "computed_at", "leads", "won", "duration", "worker"]
    list_filter = ["status"]
    exclude = ["data"]  # the report itself is read on its page
    readonly_fields = [
        "requested_by", "requested_at", "status", "worker", "started_at", "computed_at", "until", "leads", "won",
        "duration", "error",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


admin.site.unregister(Lead)


@admin.register(Lead)
class ScoredLeadAdmin(LeadAdmin):
    """The lead admin, re-scoring the lead after every save."""

    actions = ["rescore_selected"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        now = timezone.now()
        decisions.rescore(obj, now=now)
        if change and {"job_title", "email", "company"} & set(form.changed_data):
            disqualified.redecide(obj, now=now)  # only a lead the policy disqualified

    @admin.action(description=_("Re-score under the active policy"))
    def rescore_selected(self, request, queryset):
        now = timezone.now()
        policy = decisions.active_policy()
        if policy is None:
            self.message_user(request, _("No qualification policy is active."), messages.ERROR)
            return
        for lead in queryset.select_related("company"):
            decisions.rescore(lead, now=now, policy=policy)
        self.message_user(request, _("%(count)d leads re-scored.") % {"count": queryset.count()})


admin.site.unregister(Activity)


@admin.register(Activity)
class ScoringActivityAdmin(ActivityAdmin):
    """An activity added by hand counts like one that arrived: the lead is re-scored."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        decisions.rescore(obj.lead, now=timezone.now(), trigger=obj)
