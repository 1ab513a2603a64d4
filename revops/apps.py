from django.apps import AppConfig


class RevopsConfig(AppConfig):
    name = "revops"
    verbose_name = "Handoff"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from revops import checks  # noqa: F401  (registers the system checks)
        from revops.language import remember_on_login
        from revops.sessions import stamp_login
        from revops.twofactor import ask_at_login

        user_logged_in.connect(stamp_login, dispatch_uid="revops.sessions.stamp_login")
        user_logged_in.connect(ask_at_login, dispatch_uid="revops.twofactor.ask_at_login")
        user_logged_in.connect(remember_on_login, dispatch_uid="revops.language.remember_on_login")
