"""Tokens in URLs (?token=hf_…) never reach the logs."""

import io
import logging

import pytest

from revops.logfilters import RedactTokens

PLAIN = "hf_1a2b3c4d_S3cr3t-value_with-dashes"


def record(msg, *args) -> logging.LogRecord:
    return logging.LogRecord("django.server", logging.INFO, __file__, 1, msg, args, None)


def filtered(rec: logging.LogRecord) -> str:
    assert RedactTokens().filter(rec) is True
    return rec.getMessage()


def test_runserver_lines_lose_the_token():
    line = filtered(record('"%s" %s %s', f"POST /api/webhooks/typeform/?token={PLAIN} HTTP/1.1", "201", "54"))
    assert PLAIN not in line
    assert "/api/webhooks/typeform/?token=[redacted] HTTP/1.1" in line


def test_other_query_values_stay():
    line = filtered(record("%s", f"/api/webhooks/typeform/?a=1&token={PLAIN}&b=2"))
    assert line.endswith("?a=1&token=[redacted]&b=2")


def test_lines_without_a_token_are_left_alone():
    rec = record("Unauthorized: %s", "/api/leads/")
    assert filtered(rec) == "Unauthorized: /api/leads/"
    assert rec.args == ("/api/leads/",)


def test_gunicorn_access_lines_lose_the_token():
    # gunicorn passes its atoms as one dict argument.
    rec = record('%(h)s "%(r)s" %(s)s', {"h": "10.0.0.1", "r": f"POST /api/webhooks/typeform/?token={PLAIN} HTTP/1.1", "s": "201"})
    assert PLAIN not in filtered(rec)


def test_every_configured_handler_redacts(settings):
    handlers = settings.LOGGING["handlers"]
    assert handlers and all("redact_tokens" in handler.get("filters", []) for handler in handlers.values())


@pytest.mark.parametrize("logger_name", ["django.server", "gunicorn.access"])
def test_access_logs_as_configured_write_no_token(logger_name):
    logger = logging.getLogger(logger_name)
    (handler,) = [h for h in logger.handlers if any(isinstance(f, RedactTokens) for f in h.filters)]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        logger.info('"%s" %s %s', f"POST /api/webhooks/typeform/?token={PLAIN} HTTP/1.1", "201", "54")
    finally:
        handler.setStream(previous)
    assert "POST /api/webhooks/typeform/?token=[redacted] HTTP/1.1" in stream.getvalue()
    assert PLAIN not in stream.getvalue()
