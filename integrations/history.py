"""The history import's CSV format: which columns exist, how a CRM export's own column names
and values map onto them, and how one row becomes a lead with its stage path. Pure functions:
nothing here touches the database (integrations.importer does).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from leads.models import Channel, ConversionAction, Lead, LostReason

S = Lead.Stage
# The stage dates a row may carry, in the order a lead reaches them.
STAGE_COLUMNS = {
    "mql_at": S.MQL,
    "sal_at": S.SAL,
    "sql_at": S.SQL,
    "opportunity_at": S.OPPORTUNITY,
    "won_at": S.WON,
    "lost_at": S.LOST,
}
TEXT_COLUMNS = {
    "first_name": 100,
    "last_name": 100,
    "phone": 40,
    "job_title": 150,
    "company": 200,
    "company_domain": 200,
    "campaign": 200,
    "product_interest": 100,
    "source": 200,
}
CHOICE_COLUMNS = {"channel": Channel, "conversion_action": ConversionAction, "lost_reason": LostReason}
COLUMNS = [
    "external_id", "first_name", "last_name", "email", "phone", "job_title", "company",
    "company_domain", "channel", "campaign", "source", "conversion_action", "product_interest",
    "owner", "created_at", *STAGE_COLUMNS, "deal_value", "lost_reason",
]


class MappingError(ValueError):
    """A --map or --map-value option that cannot be understood."""


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str


@dataclass
class ParsedRow:
    line: int
    external_id: str
    fields: dict = field(default_factory=dict)  # lead fields given in the row
    company: dict = field(default_factory=dict)  # {"name", "domain"} when given
    owner: str = ""
    created_at: datetime | None = None
    stages: list[tuple[str, datetime, str]] = field(default_factory=list)  # (stage, at, column)


def parse_column_map(entries: list[str]) -> dict[str, str]:
    """["Lead ID=external_id", …] → {field: CSV column}. One CSV column may feed several
    fields (a first-contact date can be both the arrival and the MQL date)."""
    mapping: dict[str, str] = {}
    for entry in entries:
        column, sep, target = entry.rpartition("=")
        column, target = column.strip(), target.strip()
        if not sep or not column or not target:
            raise MappingError(_('"%(entry)s": write a mapping as "CSV column=field".') % {"entry": entry})
        if target not in COLUMNS:
            raise MappingError(
                _('"%(field)s" is not a field Handoff imports; choose one of: %(fields)s.')
                % {"field": target, "fields": ", ".join(COLUMNS)}
            )
        mapping[target] = column
    return mapping


def parse_value_map(entries: list[str]) -> dict[str, dict[str, str]]:
    """["channel: paid_search=google_ads, social=meta", …] → {field: {their value: ours}}."""
    mapping: dict[str, dict[str, str]] = {}
    for entry in entries:
        target, sep, pairs = entry.partition(":")
        target = target.strip()
        if not sep or target not in CHOICE_COLUMNS:
            raise MappingError(
                _('"%(entry)s": write a value mapping as "channel: their value=our value, …" '
                  '(for channel, conversion_action or lost_reason).') % {"entry": entry}
            )
        choices = CHOICE_COLUMNS[target]
        for pair in pairs.split(","):
            theirs, eq, ours = pair.partition("=")
            if not eq or ours.strip() not in choices.values:
                raise MappingError(
                    _('"%(pair)s": the value after "=" must be one of: %(values)s.')
                    % {"pair": pair.strip(), "values": ", ".join(choices.values)}
                )
            mapping.setdefault(target, {})[theirs.strip().lower()] = ours.strip()
    return mapping


def resolve_columns(header: list[str], column_map: dict[str, str]) -> tuple[dict[str, int], list[str]]:
    """Which position in the row feeds each field; and the header's columns nobody uses.
    Raises MappingError when a mapped column is missing or external_id has no column."""
    positions = {name.strip(): index for index, name in enumerate(header)}
    lowered = {name.lower(): index for name, index in positions.items()}
    resolved: dict[str, int] = {}
    for target in COLUMNS:
        if target in column_map:
            source = column_map[target]
            if source not in positions:
                raise MappingError(
                    _('The file has no column "%(column)s" (mapped to %(field)s).')
                    % {"column": source, "field": target}
                )
            resolved[target] = positions[source]
        elif target in lowered:
            resolved[target] = lowered[target]
    if "external_id" not in resolved:
        raise MappingError(
            _('The file needs an "external_id" column, or a mapping such as --map "Lead ID=external_id".')
        )
    used = set(resolved.values())
    return resolved, [name for name, index in positions.items() if index not in used]


def sniff_dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    """Comma, semicolon (Dutch Excel) or tab."""
    try:
        return csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        return csv.excel


class RowParser:
    def __init__(self, columns: dict[str, int], *, value_map: dict[str, dict[str, str]], users: dict[str, int], time_zone: ZoneInfo):
        self.columns = columns
        self.value_map = value_map
        self.users = users  # username and e-mail (lower case) → user id
        self.time_zone = time_zone

    def parse(self, line: int, cells: list[str]) -> tuple[ParsedRow | None, list[RowError]]:
        errors: list[RowError] = []

        def cell(name: str) -> str:
            index = self.columns.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        def fail(name: str, message: str) -> None:
            errors.append(RowError(line, name, message))

        row = ParsedRow(line=line, external_id=cell("external_id"))
        if not row.external_id:
            fail("external_id", _("Every row needs an external id."))
        elif len(row.external_id) > 200:
            fail("external_id", _("At most 200 characters."))
        for name, limit in TEXT_COLUMNS.items():
            value = cell(name)
            if len(value) > limit:
                fail(name, _("At most %(limit)d characters.") % {"limit": limit})
            elif value and name == "company":
                row.company["name"] = value
            elif value and name == "company_domain":
                row.company["domain"] = value
            elif value:
                row.fields[name] = value
        email = cell("email").lower()
        if len(email) > 254:
            fail("email", _("At most %(limit)d characters.") % {"limit": 254})
        elif email:
            try:
                validate_email(email)
                row.fields["email"] = email
            except ValidationError:
                fail("email", _('"%(value)s" is not an e-mail address.') % {"value": email})
        for name, choices in CHOICE_COLUMNS.items():
            value = cell(name)
            if value:
                chosen = self.choice(name, choices, value)
                if chosen:
                    row.fields[name] = chosen
                else:
                    fail(name, _('"%(value)s" is not one of: %(values)s. Map it with --map-value.')
                         % {"value": value, "values": ", ".join(choices.values)})
        owner = cell("owner")
        if owner:
            if owner.lower() in self.users:
                row.fields["owner_id"] = self.users[owner.lower()]
            else:
                fail("owner", _('No user with username or e-mail "%(value)s".') % {"value": owner})
        deal_value = cell("deal_value")
        if deal_value:
            amount = parse_amount(deal_value)
            if amount is None:
                fail("deal_value", _('"%(value)s" is not an amount (write 1234.50 or 1234,50).') % {"value": deal_value})
            else:
                row.fields["deal_value"] = amount
        dates = {}
        for name in ["created_at", *STAGE_COLUMNS]:
            value = cell(name)
            if value:
                parsed = self.moment(value)
                if parsed is None:
                    fail(name, _('"%(value)s" is not a date; write 2026-03-02 or 2026-03-02 14:30.') % {"value": value})
                else:
                    dates[name] = parsed
        row.created_at = dates.pop("created_at", None)
        if "won_at" in dates and "lost_at" in dates:
            fail("lost_at", _("A lead cannot be both won and lost."))
        previous_name, previous_at = ("created_at", row.created_at) if row.created_at else (None, None)
        for name, stage in STAGE_COLUMNS.items():
            if name not in dates:
                continue
            if previous_at is not None and dates[name] < previous_at:
                fail(name, _("%(column)s (%(at)s) is before %(previous)s (%(previous_at)s): the dates go backwards.")
                     % {"column": name, "at": local_date(dates[name]), "previous": previous_name, "previous_at": local_date(previous_at)})
            previous_name, previous_at = name, dates[name]
            row.stages.append((stage, dates[name], name))
        return (None if errors else row), errors

    def choice(self, name: str, choices, value: str) -> str:
        lowered = value.lower()
        if lowered in self.value_map.get(name, {}):
            return self.value_map[name][lowered]
        for option, label in choices.choices:
            if lowered in (option, str(label).lower()):
                return option
        return ""

    def moment(self, value: str) -> datetime | None:
        """ISO 8601 date (the start of that day) or date and time; without an offset it is
        business time."""
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=self.time_zone)
        return parsed


def local_date(moment: datetime):
    """The day in business time, for messages."""
    return timezone.localtime(moment).date()


def parse_amount(value: str) -> Decimal | None:
    text = value.replace(" ", "").replace("€", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
        return None
    return amount.quantize(Decimal("0.01"))


def stage_path(current_stage: str, stamps: dict[str, datetime | None], since: datetime | None, stages: list[tuple[str, datetime, str]]) -> tuple[list[tuple[str, datetime]], list[tuple[str, str]]]:
    """The moves a lead in `current_stage` makes to reach the row's stages, as Lead.move_to()
    would allow them: stages it already reached are skipped (first arrival is kept), the
    others must be allowed from where it stands and not be dated before its last move.
    Returns (moves, errors as (column, message))."""
    moves: list[tuple[str, datetime]] = []
    errors: list[tuple[str, str]] = []
    stage = current_stage
    for target, at, column in stages:
        if stamps.get(f"{target}_at") is not None:
            continue
        if target not in Lead.allowed_next_stages(stage):
            errors.append((column, _("A lead cannot move from %(from)s to %(to)s.")
                           % {"from": Lead.Stage(stage).label, "to": Lead.Stage(target).label}))
            break
        if since is not None and at < since:
            errors.append((column, _("%(column)s (%(at)s) is before the lead's last stage change or arrival (%(since)s).")
                           % {"column": column, "at": local_date(at), "since": local_date(since)}))
            break
        moves.append((target, at))
        stage, since = target, at
    return moves, errors
