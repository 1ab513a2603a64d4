from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from review.models import Agreement, WeeklyDigest, next_version


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    """Drafts are edited here; an active or retired version is the record of what was agreed
    and stays as it was. Change the agreement by copying the active one to a draft."""

    list_display = ["version", "status", "mqls_per_month", "accepted_percent", "first_contact_within",
                    "min_attempts", "feedback_percent", "mql_to_sql_percent", "effective_at"]
    list_filter = ["status"]
    readonly_fields = ["version", "status", "created_at", "created_by", "effective_at", "retired_at"]
    fieldsets = [
        (None, {"fields": ["version", "status", "notes"]}),
        (_("Marketing promises"), {"fields": ["mqls_per_month", "accepted_percent", "complete_percent"]}),
        (_("Sales promises"), {"fields": ["first_contact_within", "within_sla_percent", "min_attempts", "feedback_percent"]}),
        (_("Targets"), {"fields": ["mql_to_sql_percent", "amber_margin_percent"]}),
        (_("History"), {"fields": ["created_at", "created_by", "effective_at", "retired_at"]}),
    ]
    actions = ["activate", "copy_as_draft"]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.is_draft)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.is_draft)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.version, obj.created_by = next_version(), request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Activate the selected draft (retires the active version)"))
    def activate(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one draft."), messages.ERROR)
            return
        try:
            queryset.get().activate(now=timezone.now())
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(request, _("The agreement is active."), messages.SUCCESS)

    @admin.action(description=_("Copy as a new draft"))
    def copy_as_draft(self, request, queryset):
        for agreement in queryset:
            agreement.copy_as_draft(by=request.user)
        self.message_user(request, _("Draft created."), messages.SUCCESS)


@admin.register(WeeklyDigest)
class WeeklyDigestAdmin(admin.ModelAdmin):
    list_display = ["week_starts_on", "sent_at", "recipients"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
