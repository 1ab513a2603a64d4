from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from leads.models import Activity, Company, ContactAttempt, Feedback, Lead, StageChange, Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "manager"]
    list_filter = ["kind"]
    filter_horizontal = ["members"]
    search_fields = ["name"]


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "domain", "sector", "employees", "region", "is_customer"]
    list_filter = ["sector", "is_customer", "is_competitor", "country"]
    search_fields = ["name", "domain"]
    raw_id_fields = ["account_manager"]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class StageChangeInline(ReadOnlyInline):
    model = StageChange
    fields = ["changed_at", "from_stage", "to_stage", "changed_by", "rule", "reason"]


class ActivityInline(ReadOnlyInline):
    model = Activity
    fields = ["occurred_at", "kind", "title", "url"]


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ["__str__", "company", "stage", "channel", "owner", "created_at"]
    list_filter = ["stage", "channel", "conversion_action", "intent_tier", "team"]
    search_fields = ["first_name", "last_name", "email", "company__name", "external_id"]
    raw_id_fields = ["company", "owner"]
    date_hierarchy = "created_at"
    # The stage and its timestamps change only through Lead.move_to(), which keeps the history.
    readonly_fields = [
        "stage",
        "stage_changed_at",
        "version",
        *[f"{stage}_at" for stage in Lead.STAMPED_STAGES],
        "fit_score",
        "engagement_score",
        "intent_tier",
        "score_explanation",
        "scored_at",
        "first_attempt_at",
        "attempt_count",
    ]
    inlines = [StageChangeInline, ActivityInline]
    fieldsets = [
        (None, {"fields": ["first_name", "last_name", "email", "phone", "job_title", "company"]}),
        (
            _("Source"),
            {
                "fields": [
                    "channel",
                    "campaign",
                    "conversion_action",
                    "product_interest",
                    "source_system",
                    "external_id",
                    "created_at",
                ]
            },
        ),
        (_("Ownership"), {"fields": ["owner", "team", "respond_by", "deal_value"]}),
        (
            _("Funnel"),
            {"fields": ["stage", "stage_changed_at", "version", *[f"{s}_at" for s in Lead.STAMPED_STAGES]]},
        ),
        (
            _("Score"),
            {"fields": ["fit_score", "engagement_score", "intent_tier", "score_explanation", "scored_at"]},
        ),
        (_("Follow-up"), {"fields": ["first_attempt_at", "attempt_count"]}),
    ]


@admin.register(StageChange)
class StageChangeAdmin(admin.ModelAdmin):
    list_display = ["lead", "from_stage", "to_stage", "changed_at", "changed_by", "rule"]
    list_filter = ["to_stage"]
    raw_id_fields = ["lead", "changed_by"]
    date_hierarchy = "changed_at"

    def has_change_permission(self, request, obj=None):
        return False  # history is written, never edited


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["lead", "kind", "title", "occurred_at", "source_system"]
    list_filter = ["kind"]
    search_fields = ["external_id", "title", "url"]
    raw_id_fields = ["lead"]
    date_hierarchy = "occurred_at"


@admin.register(ContactAttempt)
class ContactAttemptAdmin(admin.ModelAdmin):
    list_display = ["lead", "made_by", "made_at", "channel", "outcome"]
    list_filter = ["channel", "outcome"]
    raw_id_fields = ["lead", "made_by"]


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["lead", "disposition", "no_fit_reason", "quality", "given_by", "given_at"]
    list_filter = ["disposition", "no_fit_reason", "quality"]
    raw_id_fields = ["lead", "given_by"]


