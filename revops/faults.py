"""With the database down, answer 503 rather than 500: the JSON API with a JSON error and
Retry-After, pages with a plain page that needs no database. Nothing is kept: the next request
tries the database again, so both recover by themselves."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults

RETRY_AFTER_SECONDS = 30
UNAVAILABLE = (OperationalError, InterfaceError)


def database_unavailable(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": _("The database is unavailable. Try again in a moment.")}, status=503)
    else:
        # Rendered without the request: the context processors would ask the database who
        # is logged in.
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    """Catches a lost database in views (and the templates they render)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, UNAVAILABLE):
            return database_unavailable(request)
        return None


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the same 503 when the database failed inside another middleware (loading
    the session, say), where process_exception does not reach."""
    if isinstance(sys.exc_info()[1], UNAVAILABLE):
        return database_unavailable(request)
    return defaults.server_error(request)
