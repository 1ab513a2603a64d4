from django.apps import AppConfig


class RevopsConfig(AppConfig):
    name = "revops"
    verbose_name = "Handoff"

    def ready(self):
        from revops import checks  # noqa: F401  (registers the system checks)
