"""Each person's language: once logged in, pages are in the language they chose (stored with
them, so their e-mails and messages use it too); before that, and for someone who never
chose, Django's LocaleMiddleware decides (the language cookie, the browser, the default).

The choice is remembered in the session when someone logs in, so a page costs no extra query;
a session from before (or a login that bypassed the signal) is looked up once.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from handoff.models import choose_language, chosen_language

SESSION_KEY = "handoff_language"


def _remember(request, language: str | None) -> None:
    _remember_for(request, request.user, language)


def remember_on_login(sender, request, user, **kwargs) -> None:
    """Connected to `user_logged_in` (revops/apps.py)."""
    if hasattr(request, "session"):
        _remember_for(request, user, chosen_language(user))


def _remember_for(request, user, language: str | None) -> None:
    request.session[SESSION_KEY] = {"user": user.pk, "language": language}


class UserLanguageMiddleware:
    """After authentication: a logged-in person's own language replaces the cookie's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            remembered = request.session.get(SESSION_KEY) or {}
            if remembered.get("user") != user.pk:
                _remember(request, chosen_language(user))
                remembered = request.session[SESSION_KEY]
            if remembered["language"]:
                translation.activate(remembered["language"])
                request.LANGUAGE_CODE = remembered["language"]
        return self.get_response(request)


@login_not_required  # the language can be chosen on the login page already
@require_POST
def language_set(request):
    """Django's language switch (the cookie, back to the page), and for someone logged in
    also their stored setting."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and translation.check_for_language(language):
        try:
            choose_language(request.user, language)
        except ValueError:  # a language Django knows but this installation does not offer
            return response
        _remember(request, language)
    return response
