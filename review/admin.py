from django.contrib import admin

from review.models import ActionItem, MeetingAct, WeeklyDigest


class ReadOnly(admin.ModelAdmin):
    """Written by the worker or from the review page, read here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WeeklyDigest)
class WeeklyDigestAdmin(ReadOnly):
    list_display = ["week_starts_on", "sent_at", "recipients"]


@admin.register(ActionItem)
class ActionItemAdmin(ReadOnly):
    list_display = ["text", "owner", "team", "raised_in", "due_week", "created_by", "done_at"]
    list_filter = ["team", "due_week"]
    list_select_related = ["owner", "team", "created_by"]


@admin.register(MeetingAct)
class MeetingActAdmin(ReadOnly):
    """The meeting's log: who did what, when, from the review of which week."""

    list_display = ["at", "kind", "by", "lead", "week_starts_on", "team"]
    list_filter = ["kind", "team"]
    list_select_related = ["by", "lead", "team"]
    raw_id_fields = ["lead", "action"]
