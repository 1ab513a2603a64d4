"""The handoff: who gets a lead (RoutingRule → Assignment), by when they must act (the
Agreement's terms and SlaPolicy → SlaClock, mirrored in Lead.respond_by, on the business
calendar of HandoffSettings), and how they hear about it (NotificationChannel → Notification,
sent by `manage.py runworker`). One module per part; import from here."""

from handoff.models.agreement import Agreement, current_agreement, next_version
from handoff.models.notifications import Notification, NotificationChannel
from handoff.models.rotation import RotationSeat, TeamRotation
from handoff.models.routing import Assignment, RoutingRule
from handoff.models.settings import (
    WEEKDAY_FIELDS,
    HandoffSettings,
    UserAvailability,
    UserLanguage,
    choose_language,
    chosen_language,
    language_of,
    validate_active_user,
)
from handoff.models.sla import SlaBreach, SlaClock, SlaPolicy
from handoff.models.worker import WorkerHeartbeat

__all__ = [
    "WEEKDAY_FIELDS", "Agreement", "Assignment", "HandoffSettings", "Notification",
    "NotificationChannel", "RotationSeat", "RoutingRule", "SlaBreach", "SlaClock", "SlaPolicy", "TeamRotation",
    "UserAvailability", "UserLanguage", "WorkerHeartbeat",
    "choose_language", "chosen_language", "current_agreement", "language_of", "next_version", "validate_active_user",
]
