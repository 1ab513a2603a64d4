"""JSON bodies for the integration API. The body's size is limited by Django's
DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB unless set); IntegrationViewSet turns a larger body into
413 with a message."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers, status


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"

    def __init__(self):
        super().__init__(
            _("The request body is larger than %(limit)d bytes; send fewer items per request.")
            % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}
        )


class SafeJSONParser(parsers.JSONParser):
    """DRF's strict JSON parser, which also answers 400 to JSON nested too deeply for Python."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(_("JSON parse error: nested too deeply."))
