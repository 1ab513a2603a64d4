"""Sessions end after SESSION_IDLE_MINUTES without a request.

The session's expiry (SESSION_COOKIE_AGE) is pushed forward when the session is saved; saving
it on every request would cost a write per page, so the last request's time is stamped at
most once a minute, and a session idle for longer than the limit is logged out.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.utils.translation import gettext as _

SEEN_AT = "handoff_seen_at"
STAMP_EVERY_SECONDS = 60


def stamp_login(sender, request, user, **kwargs):
    """user_logged_in receiver: a new session starts its idle clock now."""
    if request is not None and hasattr(request, "session"):
        request.session[SEEN_AT] = int(time.time())


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SESSION_KEY in session:
            now = int(time.time())
            seen_at = session.get(SEEN_AT, 0)
            if now - seen_at > settings.SESSION_COOKIE_AGE:
                logout(request)
                messages.info(request, _("You were logged out after a while without activity. Log in again."))
            elif now - seen_at >= STAMP_EVERY_SECONDS:
                session[SEEN_AT] = now
        return self.get_response(request)
