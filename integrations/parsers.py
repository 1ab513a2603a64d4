"""JSON bodies with a size limit: Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not cover bodies
that DRF reads as a stream, so the API checks its own limit before reading."""

import json

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers, status


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


class LimitedJSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_REQUEST_BYTES
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise RequestTooLarge(
                _("The request body is larger than %(limit)d bytes; send fewer items per request.")
                % {"limit": limit}
            )
        try:
            return json.loads(body, parse_constant=reject_constant)
        except RecursionError:
            raise exceptions.ParseError(_("JSON parse error: nested too deeply."))
        except ValueError as error:
            raise exceptions.ParseError(_("JSON parse error: %(error)s") % {"error": error})


def reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")
