from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HandoffConfig(AppConfig):
    name = "handoff"
    verbose_name = _("Handoff: routing, SLA and notifications")

    def ready(self):
        from handoff import texts  # noqa: F401 — registers the handoff's message codes
