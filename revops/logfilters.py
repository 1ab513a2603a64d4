"""A logging filter that keeps API tokens out of the logs.

Typeform cannot send headers, so its webhook carries the token in the URL
(`?token=hf_…`), and every access log line (runserver's django.server, django.request's
warnings, gunicorn's access log) would write it down. settings.LOGGING puts this filter on
every handler and on gunicorn's loggers.
"""

import logging
import re

TOKEN_IN_QUERY = re.compile(r"([?&]token=)[^&\s\"']+")


def redact(text: str) -> str:
    return TOKEN_IN_QUERY.sub(r"\1[redacted]", text)


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "token=" in message:
            record.msg = redact(message)
            record.args = ()
        return True
