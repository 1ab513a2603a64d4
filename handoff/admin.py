"""Admin for the handoff: routing rules, each team's rotation (who takes leads, with which
weight), the business calendar, availability and deputies, the agreement and SLA policies,
notification channels (with a "send test" button) and the records the worker keeps."""

from datetime import timedelta

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.business_time import business_time_zone, public_holiday_names
from handoff import clocks, notify
from handoff.forms import RoutingRuleForm
from handoff.models import (
    Agreement,
    Assignment,
    HandoffSettings,
    Notification,
    NotificationChannel,
    RotationSeat,
    RoutingRule,
    SlaBreach,
    SlaClock,
    SlaPolicy,
    UserAvailability,
    WorkerHeartbeat,
    current_agreement,
    next_version,
)
from handoff.models.worker import silent_after
from leads.admin import TeamAdmin
from leads.models import Team


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the system writes: to read and filter, never to edit by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    form = RoutingRuleForm
    list_display = ["name", "position", "is_active", "target", "team", "user", "max_open_leads", "problem", "trial"]
    list_editable = ["position", "is_active"]
    list_select_related = ["team", "user"]
    list_filter = ["is_active", "target"]
    search_fields = ["name"]
    raw_id_fields = ["user"]
    fieldsets = [
        (None, {"fields": ["name", "position", "is_active"]}),
        (
            _("Matches leads with (empty: any)"),
            {
                "fields": [
                    "countries", "regions", "postcode_prefixes", "sectors", ("min_employees", "max_employees"),
                    "product_interests", "channels", "intent_tiers", "existing_customer",
                ]
            },
        ),
        (_("Assign to"), {"fields": ["target", "team", "user", "max_open_leads"]}),
    ]

    @admin.display(description=_("dry run"))
    def trial(self, rule):
        """Try the rule (or a change to it) on the last MQLs before saving or activating it."""
        url = reverse("handoff:dry_run") + f"?try={rule.pk}#trial-title"
        return format_html('<a href="{}">{}</a>', url, _("Try on the last 50 MQLs"))

    @admin.display(description=_("problem"))
    def problem(self, rule):
        """A person can leave after the rule was written: routing then passes the rule over."""
        if rule.target == RoutingRule.Target.USER and rule.user and not rule.user.is_active:
            return _("%(user)s is no longer active") % {"user": rule.user}
        return ""


@admin.register(HandoffSettings)
class HandoffSettingsAdmin(admin.ModelAdmin):
    """One row: the list page opens it directly."""

    raw_id_fields = ["fallback_owner"]
    readonly_fields = ["time_zone", "known_holidays"]
    fieldsets = [
        (_("Business calendar"), {"fields": ["time_zone"]}),
        (
            _("Working hours"),
            {
                "fields": [
                    "monday_hours", "tuesday_hours", "wednesday_hours", "thursday_hours",
                    "friday_hours", "saturday_hours", "sunday_hours",
                ],
                "description": _("Per day, for example 08:30-17:00, or 08:30-12:00, 12:30-17:00 with a lunch break. Empty: closed."),
            },
        ),
        (
            _("Days off"),
            {"fields": ["holiday_country", "holiday_subdivision", "known_holidays", "worked_holidays", "closed_days"]},
        ),
        (_("Routing"), {"fields": ["fallback_owner"]}),
    ]

    @admin.display(description=_("time zone"))
    def time_zone(self, obj):
        return _("%(zone)s (BUSINESS_TIME_ZONE: the one zone for deadlines, reviews and the dashboard)") % {
            "zone": settings.BUSINESS_TIME_ZONE
        }

    @admin.display(description=_("public holidays in the list"))
    def known_holidays(self, obj):
        try:
            names = public_holiday_names(obj.holiday_country.upper(), obj.holiday_subdivision or None)
        except NotImplementedError:
            return "—"
        return ", ".join(names)

    def has_add_permission(self, request):
        return not HandoffSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        settings_row = HandoffSettings.objects.first()
        if settings_row is None:
            return redirect("admin:handoff_handoffsettings_add")
        return redirect("admin:handoff_handoffsettings_change", settings_row.pk)


def _moment(at) -> str:
    # The weekday is the point of these examples (a call on Friday is due on Monday).
    local = at.astimezone(business_time_zone())
    return f"{date_format(local, 'l')} {date_format(local, 'DATETIME_FORMAT')}"


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "name", "position", "is_active", "intent_tier", "existing_customer", "routing_rule",
        "next_attempt", "feedback_within_working_days", "at_risk_percent", "after_breach",
    ]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active", "intent_tier", "after_breach"]
    readonly_fields = ["in_plain_words"]
    fieldsets = [
        (None, {"fields": ["name", "position", "is_active"]}),
        (_("Applies to leads with (empty: any)"), {"fields": ["intent_tier", "existing_customer", "routing_rule"]}),
        (
            _("Deadlines"),
            {
                "fields": [
                    "next_attempt_by", "next_attempt_within", "feedback_within_working_days", "at_risk_percent",
                    "in_plain_words",
                ],
                "description": _(
                    "Every deadline counts business time on the calendar of the handoff settings: nights, "
                    "weekends and days off do not count, and a deadline that ends at closing time is "
                    "escalated at the next opening."
                ),
            },
        ),
        (_("After a missed deadline"), {"fields": ["after_breach"]}),
    ]

    @admin.display(description=_("next attempt"))
    def next_attempt(self, policy):
        if policy.next_attempt_by == SlaPolicy.NextAttemptBy.NEXT_WORKING_DAY:
            return policy.get_next_attempt_by_display()
        return clocks.in_plain_words(policy.next_attempt_within, HandoffSettings.load().calendar())

    @admin.display(description=_("in plain words"))
    def in_plain_words(self, policy):
        """The policy's deadlines as people count them, with an example that crosses a weekend."""
        calendar = HandoffSettings.load().calendar()
        agreement = current_agreement()
        now = timezone.now()
        lines = []
        for label, within in (
            (_("First contact with high intent (the agreement's)"), agreement.first_contact_high_intent),
            (_("First contact with existing customers (the agreement's)"), agreement.first_contact_customer),
            (_("First contact with other MQLs (the agreement's)"), agreement.first_contact_within),
        ):
            lines.append(_("%(label)s: %(words)s.") % {"label": label, "words": clocks.in_plain_words(within, calendar)})
        if policy.next_attempt_by == SlaPolicy.NextAttemptBy.NEXT_WORKING_DAY:
            start = clocks.example_deadline(timedelta(0), calendar, now=now)[0]
            due = calendar.end_of_working_day_after(start, 1)
            words = str(policy.get_next_attempt_by_display()).lower()
        elif policy.next_attempt_within:
            start, due = clocks.example_deadline(policy.next_attempt_within, calendar, now=now)
            words = clocks.in_plain_words(policy.next_attempt_within, calendar)
        else:
            return format_html_join("", "<p>{}</p>", [(line,) for line in lines])
        lines.append(
            _("Next attempt after one that did not reach them: %(words)s. A failed call on %(start)s is due %(due)s.")
            % {"words": words, "start": _moment(start), "due": _moment(due)}
        )
        if policy.feedback_within_working_days:
            lines.append(
                ngettext(
                    "Feedback after a conversation: by closing time of the next working day.",
                    "Feedback after a conversation: by closing time, %(n)s working days after it.",
                    policy.feedback_within_working_days,
                )
                % {"n": policy.feedback_within_working_days}
            )
        return format_html_join("", "<p>{}</p>", [(line,) for line in lines])


@admin.register(UserAvailability)
class UserAvailabilityAdmin(admin.ModelAdmin):
    list_display = ["user", "is_away", "back_on", "deputy"]
    list_editable = ["is_away", "back_on"]
    raw_id_fields = ["user", "deputy"]


class RotationSeatInline(admin.TabularInline):
    """Who of the team's members takes its leads, and how many: a member without a line
    takes them with weight 1."""

    model = RotationSeat
    extra = 0
    fields = ["user", "takes_leads", "weight"]
    verbose_name = _("member's place in the rotation")
    verbose_name_plural = _("rotation: who takes the team's leads (members without a line take them, weight 1)")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            team_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = get_user_model().objects.filter(teams__pk=team_id) if team_id else get_user_model().objects.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# The team's page in the admin is where its rotation is set, beside its members.
admin.site.unregister(Team)


@admin.register(Team)
class TeamWithRotationAdmin(TeamAdmin):
    inlines = [RotationSeatInline]


def send_test(channel: NotificationChannel) -> Notification:
    """Send a test message right away, so whoever set the channel up sees the result."""
    now = timezone.now()
    notification = Notification.objects.create(
        kind=Notification.Kind.TEST, recipient=channel.user, channel=channel, status=Notification.Status.SENDING,
        attempts=1, claimed_at=now, created_at=now,
    )
    try:
        notify.deliver(notification)
    except notify.TransportError as error:
        notification.status, notification.last_error = Notification.Status.FAILED, error.message
    else:
        notification.status, notification.sent_at = Notification.Status.SENT, timezone.now()
    notification.save(update_fields=["status", "last_error", "sent_at"])
    return notification


@admin.register(NotificationChannel)
class NotificationChannelAdmin(admin.ModelAdmin):
    list_display = [
        "__str__", "user", "kind", "is_active", "disabled_at", "disabled_reason",
        "for_assignments", "for_reminders", "for_escalations",
    ]
    list_filter = ["is_active", "kind"]
    search_fields = ["user__username", "email", "url"]
    raw_id_fields = ["user"]
    readonly_fields = ["disabled_at", "disabled_reason", "created_at"]
    actions = ["send_test_messages", "switch_on_and_test"]
    change_form_template = "admin/handoff/notificationchannel/change_form.html"

    def get_urls(self):
        return [
            path(
                "<int:pk>/send-test/",
                self.admin_site.admin_view(self.send_test_view),
                name="handoff_notificationchannel_send_test",
            ),
            *super().get_urls(),
        ]

    def report(self, request, notification: Notification):
        if notification.status == Notification.Status.SENT:
            messages.success(request, _("Test message sent over %(channel)s.") % {"channel": notification.channel})
        else:
            messages.error(
                request,
                _("Test message over %(channel)s failed: %(error)s")
                % {"channel": notification.channel, "error": notification.last_error},
            )

    def send_test_view(self, request, pk: int):
        channel = get_object_or_404(NotificationChannel, pk=pk)
        if request.method != "POST" or not self.has_change_permission(request, channel):
            return redirect("admin:handoff_notificationchannel_change", pk)
        self.report(request, send_test(channel))
        return redirect("admin:handoff_notificationchannel_change", pk)

    @admin.action(description=_("Send a test message"))
    def send_test_messages(self, request, queryset):
        for channel in queryset:
            self.report(request, send_test(channel))

    @admin.action(description=_("Test and switch on again"))
    def switch_on_and_test(self, request, queryset):
        """On again only when the test gets through; a failing channel stays off."""
        for channel in queryset:
            notification = send_test(channel)
            if notification.status == Notification.Status.SENT:
                channel.switch_on()
            self.report(request, notification)


class FailedFilter(admin.SimpleListFilter):
    """The failed messages an admin must look at: those no copy reached the person by."""

    title = _("failed")
    parameter_name = "failed"

    def lookups(self, request, model_admin):
        return [
            ("lost", _("Failed, not delivered another way")),
            ("rerouted", _("Failed, sent another way")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "lost":
            return queryset.undelivered()
        if self.value() == "rerouted":
            return queryset.delivered_another_way()
        return queryset


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = [
        "kind", "recipient", "channel", "lead", "status", "attempts", "created_at", "sent_at", "last_error",
        "rerouted_from",
    ]
    list_filter = [FailedFilter, "status", "kind"]
    list_select_related = ["recipient", "channel", "lead", "rerouted_from"]
    search_fields = ["recipient__username", "last_error"]
    raw_id_fields = ["lead"]
    date_hierarchy = "created_at"
    actions = ["send_again"]

    @admin.action(description=_("Try failed notifications again"))
    def send_again(self, request, queryset):
        count = queryset.filter(status=Notification.Status.FAILED).update(
            status=Notification.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        messages.success(request, _("%(n)s notification(s) will be sent again.") % {"n": count})


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["lead", "owner", "team", "kind", "rule_name", "assigned_at", "assigned_by"]
    list_filter = ["kind", "team"]
    raw_id_fields = ["lead"]
    date_hierarchy = "assigned_at"
    exclude = ["reason"]
    readonly_fields = ["why"]

    @admin.display(description=_("why"))
    def why(self, assignment: Assignment) -> str:
        return assignment.get_reason_display()  # routing's message, or the manager's words


@admin.register(SlaClock)
class SlaClockAdmin(ReadOnlyAdmin):
    list_display = ["lead", "kind", "policy_name", "started_at", "due_by", "remind_at", "runs_out_at"]
    list_filter = ["kind"]
    raw_id_fields = ["lead"]


@admin.register(SlaBreach)
class SlaBreachAdmin(ReadOnlyAdmin):
    list_display = ["lead", "clock", "policy_name", "due_by", "recorded_at", "owner", "escalated_to", "outcome", "passed_to"]
    list_filter = ["clock", "outcome"]
    raw_id_fields = ["lead"]
    date_hierarchy = "recorded_at"


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
        (
            _("Sales promises"),
            {
                "fields": [
                    "first_contact_high_intent", "first_contact_customer", "first_contact_within",
                    "within_sla_percent", "min_attempts", "feedback_percent",
                ]
            },
        ),
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


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    """Which workers run, and when each last did a pass: a silent one has stopped."""

    list_display = ["worker", "started_at", "beat_at", "state"]

    @admin.display(description=_("state"))
    def state(self, heartbeat: WorkerHeartbeat) -> str:
        now = timezone.now()
        if not heartbeat.is_silent(now=now):
            return _("running")
        return _("silent for %(minutes)d min") % {"minutes": (now - heartbeat.beat_at).total_seconds() // 60}

    def changelist_view(self, request, extra_context=None):
        newest = WorkerHeartbeat.newest()
        if newest is None or newest.is_silent(now=timezone.now()):
            self.message_user(
                request,
                _(
                    "No worker has given a sign of life in the last %(minutes)d minutes: notifications, "
                    "reminders and escalations are not going out. Start one with “manage.py runworker”."
                ) % {"minutes": silent_after().total_seconds() // 60},
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)
