"""The history import's CSV format: which columns exist, how a CRM export's own column names
and values map onto them, and how one row becomes a lead with its stage path. Pure functions:
nothing here touches the database (integrations.importer does).
"""

from __future__ import annotations

import csv
import difflib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from leads.models import Channel, ConversionAction, Lead, LostReason, SourceOwner

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
CHOICE_COLUMNS = {
    "channel": Channel, "conversion_action": ConversionAction, "lost_reason": LostReason, "source_owner": SourceOwner,
}
COLUMNS = [
    "external_id", "first_name", "last_name", "email", "phone", "job_title", "company",
    "company_domain", "country", "channel", "campaign", "campaign_id", "source_owner", "source", "conversion_action",
    "product_interest",
    "owner", "team", "created_at", *STAGE_COLUMNS, "deal_value", "lost_reason",
]
# The columns whose unknown values the report lists, with how often each occurs.
SUMMARISED_COLUMNS = ["channel", "conversion_action", "lost_reason", "source_owner", "owner", "team"]
DECIMAL_SEPARATORS = (",", ".")


class AmountError(ValueError):
    """An amount that cannot be read, or whose meaning the file does not settle."""


class NotText(ValueError):
    """A line of the file is not UTF-8 text."""

    def __init__(self, line: int, reason: str):
        self.line = line
        self.reason = reason
        super().__init__(
            _("Line %(line)d is not UTF-8 text (%(reason)s). Save the file as “CSV UTF-8” and try again.")
            % {"line": line, "reason": reason}
        )


def decoded_lines(binary):
    """The lines of a binary file as text: UTF-8, a byte order mark at the start skipped.
    Raises NotText naming the first line that is not UTF-8."""
    for number, raw in enumerate(binary, start=1):
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as error:
            raise NotText(number, error.reason) from None
        yield text


# Control characters (Unicode category Cc) but tab and line breaks, which a quoted cell may hold.
CONTROL_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def control_character(value: str) -> str | None:
    """The first control character in a cell, as U+XXXX: PostgreSQL cannot store NUL, and
    the others are never meant as text."""
    found = CONTROL_CHARACTER.search(value)
    return f"U+{ord(found.group()):04X}" if found else None


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
                  '(for channel, conversion_action, lost_reason or source_owner).') % {"entry": entry}
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
    def __init__(
        self,
        columns: dict[str, int],
        *,
        value_map: dict[str, dict[str, str]],
        users: dict[str, int | None],
        time_zone: ZoneInfo,
        teams: dict[str, int] | None = None,
        campaigns: dict[int, str] | None = None,
        decimal_separator: str = "",
    ):
        self.columns = columns
        self.value_map = value_map
        self.users = users  # username, e-mail and full name (lower case) → user id; None: several
        self.teams = teams or {}  # team name (lower case) → team id
        self.campaigns = campaigns or {}  # campaign id → name
        self.campaign_ids = {name.lower(): pk for pk, name in self.campaigns.items()}
        self.time_zone = time_zone
        self.decimal_separator = decimal_separator
        self.choices = {name: choice_lookup(choices) for name, choices in CHOICE_COLUMNS.items()}
        self.unknown: dict[str, Counter] = {name: Counter() for name in SUMMARISED_COLUMNS}

    def parse(self, line: int, cells: list[str]) -> tuple[ParsedRow | None, list[RowError]]:
        errors: list[RowError] = []

        def cell(name: str) -> str:
            index = self.columns.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        def fail(name: str, message: str) -> None:
            errors.append(RowError(line, name, message))

        for name, index in self.columns.items():
            found = control_character(cells[index]) if index < len(cells) else None
            if found:
                fail(name, _("The cell contains a control character (%(char)s); remove it.") % {"char": found})
        if errors:
            return None, errors
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
        country = cell("country").upper()
        if country:
            if re.fullmatch(r"[A-Z]{2}", country):
                row.company["country"] = country
            else:
                fail("country", _('"%(value)s" is not a country code; write two letters, e.g. NL or BE.') % {"value": cell("country")})
        for name, choices in CHOICE_COLUMNS.items():
            value = cell(name)
            if value:
                chosen = self.choice(name, value)
                if chosen:
                    row.fields[name] = chosen
                else:
                    self.unknown[name][value] += 1
                    fail(name, _('"%(value)s" is not one of: %(values)s. Map it with a value mapping (the report suggests one).')
                         % {"value": value, "values": ", ".join(choices.values)})
        channel_text = cell("channel")
        if channel_text.lower() in self.value_map.get("channel", {}) and not row.fields.get("source"):
            # Mapped onto one of our channels: the file's own word stays as the source detail,
            # so "display" and "social" do not both become just "other".
            row.fields["source"] = channel_text[: TEXT_COLUMNS["source"]]
        owner = cell("owner")
        if owner:
            if self.users.get(owner.lower()):
                row.fields["owner_id"] = self.users[owner.lower()]
            elif owner.lower() in self.users:
                fail("owner", _('Several users are called "%(value)s"; give the username or e-mail instead.') % {"value": owner})
            else:
                self.unknown["owner"][owner] += 1
                fail("owner", _('No user with username, e-mail or name "%(value)s".') % {"value": owner})
        team = cell("team")
        if team:
            if team.lower() in self.teams:
                row.fields["team_id"] = self.teams[team.lower()]
            else:
                self.unknown["team"][team] += 1
                fail("team", _('No team called "%(value)s".') % {"value": team})
        self.link_campaign(row, cell("campaign_id"), fail)
        deal_value = cell("deal_value")
        if deal_value:
            try:
                row.fields["deal_value"] = parse_amount(deal_value, decimal_separator=self.decimal_separator)
            except AmountError as error:
                fail("deal_value", str(error))
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

    def link_campaign(self, row: ParsedRow, campaign_id: str, fail) -> None:
        """The campaign of the id given, else the one the campaign text names (in any capitals):
        a text no campaign has links none."""
        if campaign_id:
            if not (campaign_id.isdigit() and int(campaign_id) in self.campaigns):
                fail("campaign_id", _('No campaign with id "%(value)s".') % {"value": campaign_id})
                return
            row.fields["linked_campaign_id"] = int(campaign_id)
            row.fields.setdefault("campaign", self.campaigns[int(campaign_id)])
        elif "campaign" in row.fields:
            row.fields["linked_campaign_id"] = self.campaign_ids.get(row.fields["campaign"].lower())

    def choice(self, name: str, value: str) -> str:
        lowered = value.lower()
        if lowered in self.value_map.get(name, {}):
            return self.value_map[name][lowered]
        return self.choices[name].get(lowered, "")

    def unknown_values(self) -> list[UnknownValue]:
        """The values no user, team or choice matched, most frequent first, with the value
        they most resemble for the choice columns."""
        found = []
        for name, counts in self.unknown.items():
            for value, count in sorted(counts.items(), key=lambda item: (-item[1], item[0].lower())):
                suggestion = suggest_choice(self.choices[name], value) if name in self.choices else ""
                found.append(UnknownValue(name, value, count, suggestion))
        return found

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


@dataclass(frozen=True)
class UnknownValue:
    column: str
    value: str
    count: int
    suggestion: str  # our code it most resembles ("" for owners and teams)


def choice_lookup(choices) -> dict[str, str]:
    """Code and label in every interface language (lower case) → code, so a file exported
    by a Dutch or an English user reads the same."""
    lookup: dict[str, str] = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for option, label in choices.choices:
                lookup.setdefault(str(label).lower(), option)
    lookup.update({option: option for option in choices.values})
    return lookup


def suggest_choice(lookup: dict[str, str], value: str) -> str:
    """The code whose code or label `value` contains as whole words, or the one code whose
    label holds all of `value`'s words ("Beurs" in "Evenement / beurs"), or that `value`
    closely resembles; else "other"."""

    def words(text: str) -> str:
        return " ".join(re.findall(r"[a-z0-9]+", text.lower()))

    wanted = f" {words(value)} "
    keys = {words(key): option for key, option in lookup.items()}
    for key, option in keys.items():
        if key and f" {key} " in wanted:
            return option
    holding = {option for key, option in keys.items() if wanted.strip() and wanted in f" {key} "}
    if len(holding) == 1:
        return holding.pop()
    close = difflib.get_close_matches(wanted.strip(), list(keys), n=1, cutoff=0.75)
    return keys[close[0]] if close else "other"


def suggested_value_map(unknown: list[UnknownValue]) -> list[str]:
    """The suggestions as value-mapping lines ("channel: paid_search=google_ads, …")."""
    lines: dict[str, list[str]] = {}
    for item in unknown:
        if item.suggestion and "," not in item.value and "=" not in item.value:
            lines.setdefault(item.column, []).append(f"{item.value}={item.suggestion}")
    return [f"{column}: {', '.join(pairs)}" for column, pairs in lines.items()]


def local_date(moment: datetime):
    """The day in business time, for messages."""
    return timezone.localtime(moment).date()


def parse_amount(value: str, *, decimal_separator: str = "") -> Decimal:
    """An amount in euros. With `decimal_separator` ("," or ".") the other one groups
    thousands. Without it, "12,500" and "1.250" could be either and are refused rather than
    guessed: a wrong guess is a 1,000× error. Raises AmountError."""
    text = re.sub(r"[\s€\u00a0]", "", value)
    separators = [char for char in text if char in DECIMAL_SEPARATORS]
    if decimal_separator:
        thousands = "." if decimal_separator == "," else ","
    elif len(set(separators)) == 2:
        decimal_separator = separators[-1]  # 12.500,50 and 12,500.50 say it themselves
        thousands = "." if decimal_separator == "," else ","
    elif len(separators) > 1:
        thousands, decimal_separator = separators[0], ""  # 1.250.000: grouping only
    elif separators and re.fullmatch(r"[1-9]\d{0,2}[.,]\d{3}", text):
        small = Decimal(text.replace(",", ".")).quantize(Decimal("0.01"))
        raise AmountError(
            _('"%(value)s" could mean %(small)s or %(large)s: write amounts without a thousands separator '
              '(%(large)s or %(small)s), or choose the file\'s decimal separator.')
            % {"value": value, "small": small, "large": text.replace(",", "").replace(".", "")}
        )
    else:
        thousands, decimal_separator = "", separators[0] if separators else "."
    whole, _sep, fraction = text.partition(decimal_separator) if decimal_separator else (text, "", "")
    if not fraction.isdigit() and fraction:
        raise AmountError(_('"%(value)s" is not an amount (write 1234.50 or 1234,50).') % {"value": value})
    if thousands and thousands in whole:
        if not re.fullmatch(r"-?\d{1,3}(\%s\d{3})+" % thousands, whole):
            raise AmountError(_('"%(value)s" is not an amount (write 1234.50 or 1234,50).') % {"value": value})
        whole = whole.replace(thousands, "")
    try:
        amount = Decimal(f"{whole}.{fraction}" if fraction else whole)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
        raise AmountError(_('"%(value)s" is not an amount (write 1234.50 or 1234,50).') % {"value": value})
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
