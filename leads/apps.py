from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = _("Leads")

    def ready(self):
        from leads import review_facts, rollups, texts  # noqa: F401 — texts registers the vocabularies messages name

        rollups.COMPUTED_FACTS.update(review_facts.FACTS)
