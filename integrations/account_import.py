"""The CSV import of account events after the sale: one event a row, with the columns
lead_id or email, kind, occurred_at, value, churn_reason, note and external_id (see the
README). The file is read whole (at most MAX_BATCH rows), each row validated as the API
validates an item, then checked and stored by integrations.aftersales: all or nothing, every
bad row reported by its line number."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _
from rest_framework import serializers

from integrations.aftersales import RecordResult, check_account_events, record_account_events
from integrations.history import decoded_lines, sniff_dialect
from integrations.ingest import MAX_BATCH, BatchRejected
from integrations.serializers import AccountEventInSerializer

COLUMNS = ["lead_id", "email", "kind", "occurred_at", "value", "churn_reason", "note", "external_id"]
REQUIRED = {"kind", "occurred_at"}


class FileRefused(ValueError):
    """The file as a whole cannot be read: no header, unknown columns, too many rows."""


@dataclass(frozen=True)
class LineError:
    line: int
    field: str
    message: str

    def __str__(self):
        return _("Line %(line)d, %(field)s: %(message)s") % {"line": self.line, "field": self.field, "message": self.message}


class RowsRefused(Exception):
    def __init__(self, errors: list[LineError]):
        self.errors = errors
        super().__init__(f"{len(errors)} bad rows")


def _rows(content: bytes) -> dict[int, dict[str, str]]:
    """The non-empty rows by their line number in the file."""
    text = "".join(decoded_lines(io.BytesIO(content)))
    reader = csv.DictReader(io.StringIO(text), dialect=sniff_dialect(text[:4096]))
    header = [name.strip() for name in reader.fieldnames or []]
    if not header:
        raise FileRefused(_("The file is empty: it needs a header row (%(columns)s).") % {"columns": ", ".join(COLUMNS)})
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise FileRefused(
            _("Unknown columns: %(unknown)s. The columns are %(columns)s.")
            % {"unknown": ", ".join(unknown), "columns": ", ".join(COLUMNS)}
        )
    missing = sorted(REQUIRED - set(header))
    if missing:
        raise FileRefused(_("Missing columns: %(missing)s.") % {"missing": ", ".join(missing)})
    if "lead_id" not in header and "email" not in header:
        raise FileRefused(_("Give a lead_id or an email column to name each event's lead."))
    reader.fieldnames = header
    rows = {}
    for row in reader:
        if any((value or "").strip() for value in row.values() if isinstance(value, str)):
            rows[reader.line_num] = row
        if len(rows) > MAX_BATCH:
            raise FileRefused(_("The file has more than %(max)d events; import at most %(max)d at a time.") % {"max": MAX_BATCH})
    return rows


def _messages(detail) -> list[tuple[str, str]]:
    """(field, message) pairs of a DRF error detail or our own {field: [message]}."""
    pairs = []
    for field, messages in detail.items():
        for message in messages if isinstance(messages, list) else [messages]:
            pairs.append((field, str(message)))
    return pairs


def import_account_events(content: bytes, *, source_system: str, now: datetime) -> RecordResult:
    """Import the file's events. Raises FileRefused, or RowsRefused with every bad row's
    line (the header is line 1); nothing is stored then. Raises NotText for a file that is no
    UTF-8."""
    rows = _rows(content)
    if not rows:
        raise FileRefused(_("The file holds no events."))
    serializer = AccountEventInSerializer()
    valid, errors = {}, {}
    for line, row in rows.items():
        # A cell left empty is a field not given; a row longer than the header is refused.
        if None in row:
            errors[line] = {"non_field_errors": [_("This row has more cells than the header.")]}
            continue
        item = {key: value.strip() for key, value in row.items() if value and value.strip()}
        try:
            valid[line] = serializer.run_validation(item)
        except serializers.ValidationError as error:
            errors[line] = error.detail
    try:
        if errors:
            _events, more = check_account_events(valid, source_system=source_system, now=now)
            raise BatchRejected(errors | more)
        return record_account_events(valid, source_system=source_system, now=now)
    except BatchRejected as rejected:
        raise RowsRefused([
            LineError(line, field, message)
            for line in sorted(rejected.errors)
            for field, message in _messages(rejected.errors[line])
        ])
