"""The history import: a CSV of leads with the dates they reached each stage becomes leads,
companies and the StageChange history Lead.move_to() would have written, in bulk.

The whole file is one transaction, read in chunks of 1,000 rows (bounded memory). When any row
is bad and the user did not ask to skip bad rows, writing stops, the rest of the file is still
checked so every error is reported, and the transaction is rolled back: nothing is written. A
dry run does all the work and rolls back too, so it reports exactly what a real run would do.

Open leads (MQL or SAL in the file) are either kept as history only, or — `OpenLeads.HAND_OVER`
— scored by the active policy the way the API scores what it receives, and the ones at MQL or
SAL that nobody was handed yet get an owner, a deadline and a notification (`hand_over()`).
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.bulk import TableWriter
from common.business_time import business_time_zone
from common.people import person_name
from handoff import clocks
from handoff.handover import hand_over
from integrations import ingest, privacy
from integrations.history import (
    MappingError,
    ParsedRow,
    RowError,
    RowParser,
    UnknownValue,
    resolve_columns,
    sniff_dialect,
    stage_path,
    suggested_value_map,
)
from integrations.ingest import business_domain, normalise_domain
from leads.models import Campaign, Channel, Company, Lead, StageChange, Team, source_owner_defaults
from leads.rollups import refresh as refresh_rollups

CHUNK = 1000
MAX_REPORTED_ERRORS = 500
IMPORT_RULE = "history import"
STAGE_CHANGE_FIELDS = ["lead_id", "from_stage", "to_stage", "changed_at", "changed_by_id", "rule", "reason"]
# The open stages at which a lead is sales' to follow up: "hand over now" gives them an owner.
HANDED_OVER_STAGES = [Lead.Stage.MQL, Lead.Stage.SAL]


class OpenLeads(models.TextChoices):
    HISTORY = "history", gettext_lazy("History only: no score, owner or deadline")
    HAND_OVER = "hand_over", gettext_lazy("Hand over now: score them; MQL and SAL leads get an owner, a deadline and a notification")


@dataclass
class ImportReport:
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    stage_changes: int = 0
    skipped: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    unknown_values: list[UnknownValue] = field(default_factory=list)
    open_leads: str = OpenLeads.HISTORY
    scored: int = 0
    handed_over: int = 0
    written: bool = False

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(error)

    @property
    def more_errors(self) -> int:
        return self.error_count - len(self.errors)

    @property
    def suggested_value_map(self) -> list[str]:
        return suggested_value_map(self.unknown_values)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> ImportReport:
        data = dict(data)
        data["errors"] = [RowError(**error) for error in data.get("errors", [])]
        data["unknown_values"] = [UnknownValue(**value) for value in data.get("unknown_values", [])]
        return cls(**data)


class HistoryImport:
    def __init__(
        self,
        *,
        source_system: str,
        column_map: dict[str, str],
        value_map: dict[str, dict[str, str]],
        skip_bad_rows: bool,
        dry_run: bool,
        now: datetime,
        user=None,
        file_name: str = "",
        decimal_separator: str = "",
        open_leads: str = OpenLeads.HISTORY,
    ):
        self.source_system = source_system
        self.column_map = column_map
        self.value_map = value_map
        self.skip_bad_rows = skip_bad_rows
        self.now = now
        self.user = user
        self.file_name = file_name
        self.decimal_separator = decimal_separator
        self.report = ImportReport(dry_run=dry_run, open_leads=open_leads)
        self.imported_ids: list[int] = []  # leads created or changed, for the hand-over
        self.seen: dict[str, int] = {}  # external id → line, to catch a lead twice in one file
        self.stage_writer = TableWriter(StageChange, STAGE_CHANGE_FIELDS)
        self.source_owners = source_owner_defaults()

    @property
    def writing(self) -> bool:
        return self.skip_bad_rows or self.report.error_count == 0

    def run(self, lines: Iterable[str], *, progress: Callable[[int], None] | None = None) -> ImportReport:
        """Import the CSV text in `lines` (a text file, or `history.decoded_lines()` of a binary
        one)."""
        lines = iter(lines)
        first_line = next(lines, "")
        reader = csv.reader(itertools.chain([first_line], lines), sniff_dialect(first_line))
        try:
            header = next(reader)
            columns, self.report.ignored_columns = resolve_columns(header, self.column_map)
        except (StopIteration, MappingError) as error:
            message = str(error) if isinstance(error, MappingError) else _("The file is empty.")
            self.report.add_error(RowError(1, "", message))
            return self.report
        parser = RowParser(
            columns,
            value_map=self.value_map,
            users=user_ids(),
            teams=team_ids(),
            campaigns=dict(Campaign.objects.values_list("pk", "name")),
            time_zone=business_time_zone(),
            decimal_separator=self.decimal_separator,
        )
        with transaction.atomic():
            chunk: list[ParsedRow] = []
            while True:
                try:
                    cells = next(reader, None)
                except csv.Error as error:
                    self.report.rows += 1
                    self.reject([RowError(reader.line_num, "", _("The line cannot be read as CSV (%(error)s).") % {"error": error})])
                    continue
                if cells is None:
                    break
                if not any(cell.strip() for cell in cells):
                    continue
                self.report.rows += 1
                row, errors = parser.parse(reader.line_num, cells)
                if row is not None and row.external_id in self.seen:
                    errors.append(RowError(row.line, "external_id", _("The same external id is on line %(line)d; each lead once per file.") % {"line": self.seen[row.external_id]}))
                if errors:
                    self.reject(errors)
                    continue
                self.seen[row.external_id] = row.line
                chunk.append(row)
                if len(chunk) == CHUNK:
                    self.import_chunk(chunk)
                    chunk = []
                    if progress:
                        progress(self.report.rows)
            self.import_chunk(chunk)
            if progress:
                progress(self.report.rows)
            self.report.unknown_values = parser.unknown_values()
            if self.writing and self.report.open_leads == OpenLeads.HAND_OVER:
                self.hand_over_open_leads()
            self.report.written = self.writing and not self.report.dry_run
            if not self.report.written:
                transaction.set_rollback(True)
        return self.report

    def reject(self, errors: Iterable[RowError]) -> None:
        for error in errors:
            self.report.add_error(error)
        self.report.skipped += 1

    def import_chunk(self, rows: list[ParsedRow]) -> None:
        if not rows:
            return
        existing = {
            lead.external_id: lead
            for lead in Lead.objects.select_for_update().received_from(
                self.source_system, [row.external_id for row in rows]
            )
        }
        refused = privacy.suppressed_rows(self.source_system, [(row.external_id, row.fields.get("email", "")) for row in rows])
        planned: list[tuple[ParsedRow, Lead | None, list[tuple[str, datetime]]]] = []
        for row in rows:
            if row.external_id in refused:
                self.reject([RowError(row.line, refused[row.external_id], str(privacy.Suppressed(refused[row.external_id])))])
                continue
            lead = existing.get(row.external_id)
            if lead is None and row.created_at is None:
                self.reject([RowError(row.line, "created_at", _("A new lead needs the date it arrived."))])
                continue
            if lead is None:
                stage, stamps, since = Lead.Stage.NEW, {}, row.created_at
            else:
                stamps = {f"{s}_at": getattr(lead, f"{s}_at") for s in Lead.STAMPED_STAGES}
                stage, since = lead.stage, lead.stage_changed_at or lead.created_at
            moves, errors = stage_path(stage, stamps, since, row.stages)
            if errors:
                self.reject(RowError(row.line, column, message) for column, message in errors)
                continue
            planned.append((row, lead, moves))
        if not self.writing:
            return
        companies = company_ids(row for row, _lead, _moves in planned)
        new_leads, changed_leads, stage_changes = [], [], []
        changed_fields: set[str] = set()
        for row, lead, moves in planned:
            fields = dict(row.fields)
            if row.line in companies:
                fields["company_id"] = companies[row.line]
            if lead is None:
                # A new lead whose file did not say where it came from: "unknown", not "other".
                fields.setdefault("channel", Channel.UNKNOWN)
                fields.setdefault("source_owner", self.source_owners[fields["channel"]])
                lead = Lead(source_system=self.source_system, external_id=row.external_id, created_at=row.created_at, **fields)
                new_leads.append(lead)
            else:
                changed = {name for name, value in fields.items() if getattr(lead, name) != value}
                for name in changed:
                    setattr(lead, name, fields[name])
                if not changed and not moves:
                    self.report.unchanged += 1
                    continue
                changed_fields |= changed
                changed_leads.append(lead)
            stage_changes.extend(self.move(lead, moves, line=row.line))
        Lead.objects.bulk_create(new_leads, batch_size=CHUNK)
        if changed_leads:
            moved = ["stage", "stage_changed_at", "version", *[f"{s}_at" for s in Lead.STAMPED_STAGES]]
            Lead.objects.bulk_update(changed_leads, [*changed_fields, *moved, "updated_at"], batch_size=200)
            # Won, lost or disqualified: out of sales' hands, so their clock stops at once.
            clocks.stop_clocks([lead.pk for lead in changed_leads if lead.stage in Lead.CLOSED_STAGES])
        for change in stage_changes:
            change["lead_id"] = change.pop("lead").pk
        self.stage_writer.write(stage_changes)
        refresh_rollups(Lead.objects, [lead.pk for lead in [*new_leads, *changed_leads]])
        self.imported_ids.extend(lead.pk for lead in [*new_leads, *changed_leads])
        self.report.created += len(new_leads)
        self.report.updated += len(changed_leads)
        self.report.stage_changes += len(stage_changes)

    def hand_over_open_leads(self) -> None:
        """Score the open leads this file created or changed, as the API scores what it
        receives (a lead the policy qualifies is handed over by it), then hand over the ones at
        MQL or SAL that nobody was handed yet."""
        for start in range(0, len(self.imported_ids), CHUNK):
            ids = self.imported_ids[start : start + CHUNK]
            self.report.scored += Lead.objects.open().filter(id__in=ids).count()
            ingest.rescore(frozenset(ids), now=self.now)
            waiting = (
                Lead.objects.select_for_update(of=("self",))
                .select_related("company", "owner", "team")
                .filter(id__in=ids, stage__in=HANDED_OVER_STAGES, assignments__isnull=True)
                .order_by("id")
            )
            for lead in waiting:
                hand_over(lead, now=self.now, by=self.user)
                self.report.handed_over += 1

    def move(self, lead: Lead, moves: list[tuple[str, datetime]], *, line: int) -> list[dict]:
        """What Lead.move_to() does for each move — the history row, the stage, the
        first-arrival stamp, the version — on the unsaved or locked lead, for writing in bulk."""
        changes = []
        for stage, at in moves:
            changes.append(
                {
                    "lead": lead,
                    "from_stage": lead.stage,
                    "to_stage": stage,
                    "changed_at": at,
                    "changed_by_id": self.user.pk if self.user else None,
                    "rule": IMPORT_RULE,
                    "reason": _("%(file)s, line %(line)d") % {"file": self.file_name or "CSV", "line": line},
                }
            )
            lead.stage = stage
            lead.stage_changed_at = at
            lead.version += 1
            if stage in Lead.STAMPED_STAGES and getattr(lead, f"{stage}_at") is None:
                setattr(lead, f"{stage}_at", at)
        lead.updated_at = self.now
        return changes


def user_ids() -> dict[str, int | None]:
    """Username, e-mail address and full name (lower case) → user id, for the owner column;
    None for a name or address two users share."""
    users: dict[str, int | None] = {}
    by_name: dict[str, int | None] = {}
    for user in get_user_model().objects.only("pk", "username", "email", "first_name", "last_name"):
        for key, found in ((user.email.lower(), users), (person_name(user).lower(), by_name)):
            if key:
                found[key] = None if key in found and found[key] != user.pk else user.pk
    for user_pk, username in get_user_model().objects.values_list("pk", "username"):
        users[username.lower()] = user_pk
    return {**by_name, **users}


def team_ids() -> dict[str, int]:
    return {name.lower(): pk for pk, name in Team.objects.values_list("pk", "name")}


def company_ids(rows: Iterable[ParsedRow]) -> dict[int, int]:
    """Line → company id for the rows that name or imply a company: matched by web domain
    (the given one, else the e-mail's), created when a name is given — as the API does."""
    by_domain: dict[int, str] = {}
    by_name: dict[int, str] = {}
    names: dict[str, str] = {}
    # A company the file creates has the country the file gives, else none: not a guess.
    countries: dict[str, str] = {}
    for row in rows:
        domain = normalise_domain(row.company.get("domain", "")) or business_domain(row.fields.get("email", ""))
        name = row.company.get("name", "")
        if domain:
            by_domain[row.line] = domain
            if name:
                names.setdefault(domain, name)
            countries.setdefault(domain, row.company.get("country", ""))
        elif name:
            by_name[row.line] = name
            countries.setdefault(name.lower(), row.company.get("country", ""))
    known = dict(Company.objects.filter(domain__in=set(by_domain.values())).values_list("domain", "id"))
    missing = [Company(domain=d, name=names[d], country=countries[d]) for d in set(by_domain.values()) - set(known) if d in names]
    if missing:
        # ignore_conflicts: a company created meanwhile by the API is found by the query below.
        Company.objects.bulk_create(missing, ignore_conflicts=True)
        known.update(Company.objects.filter(domain__in=[c.domain for c in missing]).values_list("domain", "id"))
    lowered = {name.lower() for name in by_name.values()}
    known_names = dict(
        Company.objects.filter(domain="").annotate(lowered=Lower("name")).filter(lowered__in=lowered).values_list("lowered", "id")
    )
    new_names = {n.lower(): n for n in by_name.values() if n.lower() not in known_names}
    for company in Company.objects.bulk_create([Company(name=n, country=countries[n.lower()]) for n in new_names.values()]):
        known_names[company.name.lower()] = company.pk
    result = {line: known[domain] for line, domain in by_domain.items() if domain in known}
    result.update({line: known_names[name.lower()] for line, name in by_name.items()})
    return result
