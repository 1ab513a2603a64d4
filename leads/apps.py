from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = _("Leads")

    def ready(self):
        from leads import review_facts, rollup_facts, texts  # noqa: F401 — texts registers the vocabularies messages name
        from leads.account_facts import fact_expressions

        rollup_facts.COMPUTED_FACTS.update(review_facts.FACTS)
        # The rollups keep what became of the won leads: each lead's account events, summed.
        for name in fact_expressions():
            rollup_facts.COMPUTED_FACTS[name] = lambda name=name: fact_expressions()[name]
