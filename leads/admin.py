"""Admin for leads, companies and teams. What the history holds (stage changes, changes to a
lead's fields, contact attempts, feedback) is read here, never written: a lead edited here is
saved through `Lead.save_logged`, so the change log says who changed what, from what to what."""

from datetime import datetime

from django.contrib import admin
from django.contrib.admin.options import ActionLocation
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from leads.models import (
    AccountEvent,
    Activity,
    Campaign,
    ChannelSourceOwner,
    Company,
    ContactAttempt,
    Feedback,
    Lead,
    LeadChange,
    StageChange,
    Team,
)
from leads.models.campaign import default_source_owner
from leads.rollups import refresh as refresh_rollups


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "manager"]
    list_filter = ["kind"]
    filter_horizontal = ["members"]
    search_fields = ["name"]


class LeadRollupsFollowDeletes:
    """For the admin of what leads point at (`lead_field`), a dimension of the funnel's rollups:
    deleting it deletes or unlinks its leads, and their rollup rows move along."""

    lead_field: str

    def delete_model(self, request, obj):
        with transaction.atomic():
            ids = list(Lead.objects.filter(**{self.lead_field: obj}).values_list("pk", flat=True))
            super().delete_model(request, obj)
            refresh_rollups(Lead.objects, ids)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            ids = list(Lead.objects.filter(**{f"{self.lead_field}__in": queryset}).values_list("pk", flat=True))
            super().delete_queryset(request, queryset)
            refresh_rollups(Lead.objects, ids)


@admin.register(Company)
class CompanyAdmin(LeadRollupsFollowDeletes, admin.ModelAdmin):
    lead_field = "company"
    list_display = ["name", "domain", "sector", "employees", "region", "is_customer"]
    list_filter = ["sector", "is_customer", "is_competitor", "country"]
    search_fields = ["name", "domain"]
    raw_id_fields = ["account_manager"]

    # Sector and customer are dimensions of the funnel's rollups: its leads' rows move along.
    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            refresh_rollups(Lead.objects, obj.leads.values_list("pk", flat=True))


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
    fields = ["changed_at", "from_stage", "to_stage", "changed_by", "rule", "why"]
    readonly_fields = ["why"]

    @admin.display(description=_("reason"))
    def why(self, change: StageChange) -> str:
        return change.get_reason_display()  # a stored message, in the reader's language


@admin.display(description=_("changes"))
def described_changes(change: LeadChange) -> str:
    """"owner: Thijs van den Berg → Lotte Bakker; deal value: — → 18500" rather than ids."""

    def shown(value) -> str:
        if value is None:
            return "—"
        return date_format(timezone.localtime(value), "DATETIME_FORMAT") if isinstance(value, datetime) else str(value)

    return "; ".join(f"{label}: {shown(before)} → {shown(after)}" for label, before, after in change.described())


class LeadChangeInline(ReadOnlyInline):
    model = LeadChange
    fields = ["changed_at", "changed_by", described_changes]
    readonly_fields = [described_changes]


class ReadOnlyAdmin(admin.ModelAdmin):
    """History: written by the app's actions, read here. A record goes only with its lead
    (deleting a lead takes its history along), never on its own."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        raise PermissionDenied

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "show_delete": False})


class ActivityInline(ReadOnlyInline):
    model = Activity
    fields = ["occurred_at", "kind", "title", "url"]


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ["__str__", "company", "stage", "channel", "owner", "created_at"]
    list_filter = ["stage", "channel", "source_owner", "conversion_action", "intent_tier", "team"]
    search_fields = ["first_name", "last_name", "email", "company__name", "external_id"]
    raw_id_fields = ["company", "owner", "linked_campaign"]
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
    inlines = [StageChangeInline, LeadChangeInline, ActivityInline]
    fieldsets = [
        (None, {"fields": ["first_name", "last_name", "email", "phone", "job_title", "company"]}),
        (
            _("Source"),
            {
                "fields": [
                    "channel",
                    "source_owner",
                    "campaign",
                    "linked_campaign",
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

    def save_model(self, request, obj, form, change):
        if not change:
            if "source_owner" not in getattr(form, "changed_data", ()):  # as every other way in: the channel's default
                obj.source_owner = default_source_owner(obj.channel)
            with transaction.atomic():
                super().save_model(request, obj, form, change)
                refresh_rollups(Lead.objects, [obj.pk])
            return
        # Only the fields this form changed, each logged before → after with who and when.
        obj.save_logged(form.changed_data, by=request.user, at=timezone.now())

    def delete_model(self, request, obj):
        with transaction.atomic():
            pk = obj.pk
            super().delete_model(request, obj)
            refresh_rollups(Lead.objects, [pk])

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            ids = list(queryset.values_list("pk", flat=True))
            super().delete_queryset(request, queryset)
            refresh_rollups(Lead.objects, ids)


@admin.register(Campaign)
class CampaignAdmin(LeadRollupsFollowDeletes, admin.ModelAdmin):
    lead_field = "linked_campaign"
    list_display = ["name", "channel", "starts_on", "ends_on", "expected_responses", "budget"]
    list_filter = ["channel"]
    search_fields = ["name", "goal", "audience"]
    date_hierarchy = "starts_on"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        obj.link_leads()


@admin.register(ChannelSourceOwner)
class ChannelSourceOwnerAdmin(admin.ModelAdmin):
    """RevOps sets who sources a new lead of each channel unless the way in says otherwise."""

    list_display = ["channel", "source_owner"]
    list_editable = ["source_owner"]


@admin.register(StageChange)
class StageChangeAdmin(ReadOnlyAdmin):
    list_display = ["lead", "from_stage", "to_stage", "changed_at", "changed_by", "rule"]
    list_filter = ["to_stage"]
    raw_id_fields = ["lead", "changed_by"]
    date_hierarchy = "changed_at"


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["lead", "kind", "title", "occurred_at", "source_system"]
    list_filter = ["kind"]
    search_fields = ["external_id", "title", "url"]
    raw_id_fields = ["lead"]
    date_hierarchy = "occurred_at"


@admin.register(LeadChange)
class LeadChangeAdmin(ReadOnlyAdmin):
    list_display = ["lead", "changed_at", "changed_by", described_changes]
    fields = ["lead", "changed_at", "changed_by", described_changes]
    readonly_fields = [described_changes]
    raw_id_fields = ["lead", "changed_by"]
    date_hierarchy = "changed_at"


@admin.register(ContactAttempt)
class ContactAttemptAdmin(ReadOnlyAdmin):
    list_display = ["lead", "made_by", "made_at", "channel", "outcome"]
    list_filter = ["channel", "outcome"]
    raw_id_fields = ["lead", "made_by"]


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdmin):
    list_display = ["lead", "disposition", "no_fit_reason", "quality", "given_by", "given_at"]
    list_filter = ["disposition", "no_fit_reason", "quality"]
    raw_id_fields = ["lead", "given_by"]




@admin.register(AccountEvent)
class AccountEventAdmin(admin.ModelAdmin):
    """Read only: events come in through the API or the import, which check them (a won lead,
    after its win, first value and churn once)."""

    list_display = ["lead", "kind", "occurred_at", "value", "churn_reason", "source_system"]
    list_filter = ["kind", "churn_reason", "source_system"]
    search_fields = ["lead__email", "lead__last_name", "external_id"]
    list_select_related = ["lead"]
    date_hierarchy = "occurred_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    # The after-sale figures sum the events per lead in the rollups: a deletion moves them along.
    def delete_model(self, request, obj):
        with transaction.atomic():
            super().delete_model(request, obj)
            refresh_rollups(Lead.objects, [obj.lead_id])

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            ids = list(queryset.values_list("lead_id", flat=True))
            super().delete_queryset(request, queryset)
            refresh_rollups(Lead.objects, ids)
