from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualificationConfig(AppConfig):
    name = "qualification"
    verbose_name = _("Lead qualification")

    def ready(self):
        from qualification import texts  # noqa: F401 — registers the qualification's message codes
