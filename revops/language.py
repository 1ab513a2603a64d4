"""Each person's language: once logged in, pages are in the language they chose (stored with
them, so their e-mails and messages use it too); before that, the language cookie decides.

The choice is remembered in the session, so a page costs no extra query: the middleware asks
the database once per login.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from handoff.models import choose_language, language_of

SESSION_KEY = "handoff_language"


def _remember(request, language: str) -> None:
    request.session[SESSION_KEY] = {"user": request.user.pk, "language": language}


class UserLanguageMiddleware:
    """After authentication: a logged-in person's own language replaces the cookie's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            remembered = request.session.get(SESSION_KEY) or {}
            if remembered.get("user") != user.pk:
                _remember(request, language_of(user))
                remembered = request.session[SESSION_KEY]
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
