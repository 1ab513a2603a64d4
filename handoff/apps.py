from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HandoffConfig(AppConfig):
    name = "handoff"
    verbose_name = _("Handoff: routing, SLA and notifications")

    def ready(self):
        from handoff import texts  # noqa: F401 — registers the handoff's message codes
        from handoff.first_assignment import fact_expressions
        from handoff.outbox import owner_told_at
        from leads import rollup_facts

        # The rollups keep the two clocks: they learn here when an owner was told.
        rollup_facts.COMPUTED_FACTS["owner_told_at"] = owner_told_at
        # And routing quality: each lead's first assignment.
        for name in fact_expressions():
            rollup_facts.COMPUTED_FACTS[name] = lambda name=name: fact_expressions()[name]
