"""The history import: a CSV of leads with the dates they reached each stage becomes leads,
companies and the StageChange history Lead.move_to() would have written, in bulk.

The whole file is one transaction, read in chunks of 1,000 rows (bounded memory). When any row
is bad and the user did not ask to skip bad rows, writing stops, the rest of the file is still
checked so every error is reported, and the transaction is rolled back: nothing is written. A
dry run does all the work and rolls back too, so it reports exactly what a real run would do.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TextIO

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from common.bulk import TableWriter
from common.business_time import business_time_zone
from integrations import privacy
from integrations.history import (
    MappingError,
    ParsedRow,
    RowError,
    RowParser,
    resolve_columns,
    sniff_dialect,
    stage_path,
)
from integrations.ingest import business_domain, normalise_domain
from leads.models import Company, Lead, StageChange

CHUNK = 1000
MAX_REPORTED_ERRORS = 500
IMPORT_RULE = "history import"
STAGE_CHANGE_FIELDS = ["lead_id", "from_stage", "to_stage", "changed_at", "changed_by_id", "rule", "reason"]


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
    written: bool = False

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(error)

    @property
    def more_errors(self) -> int:
        return self.error_count - len(self.errors)


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
    ):
        self.source_system = source_system
        self.column_map = column_map
        self.value_map = value_map
        self.skip_bad_rows = skip_bad_rows
        self.now = now
        self.user = user
        self.file_name = file_name
        self.report = ImportReport(dry_run=dry_run)
        self.seen: dict[str, int] = {}  # external id → line, to catch a lead twice in one file
        self.stage_writer = TableWriter(StageChange, STAGE_CHANGE_FIELDS)

    @property
    def writing(self) -> bool:
        return self.skip_bad_rows or self.report.error_count == 0

    def run(self, stream: TextIO, *, progress: Callable[[int], None] | None = None) -> ImportReport:
        first_line = stream.readline()
        reader = csv.reader(itertools.chain([first_line], stream), sniff_dialect(first_line))
        try:
            header = next(reader)
            columns, self.report.ignored_columns = resolve_columns(header, self.column_map)
        except (StopIteration, MappingError) as error:
            message = str(error) if isinstance(error, MappingError) else _("The file is empty.")
            self.report.add_error(RowError(1, "", message))
            return self.report
        parser = RowParser(columns, value_map=self.value_map, users=user_ids(), time_zone=business_time_zone())
        with transaction.atomic():
            chunk: list[ParsedRow] = []
            for cells in reader:
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
        for change in stage_changes:
            change["lead_id"] = change.pop("lead").pk
        self.stage_writer.write(stage_changes)
        self.report.created += len(new_leads)
        self.report.updated += len(changed_leads)
        self.report.stage_changes += len(stage_changes)

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


def user_ids() -> dict[str, int]:
    """Username and e-mail address (lower case) → user id, for the owner column."""
    users: dict[str, int] = {}
    for pk, username, email in get_user_model().objects.values_list("pk", "username", "email"):
        if email:
            users.setdefault(email.lower(), pk)
        users[username.lower()] = pk
    return users


def company_ids(rows: Iterable[ParsedRow]) -> dict[int, int]:
    """Line → company id for the rows that name or imply a company: matched by web domain
    (the given one, else the e-mail's), created when a name is given — as the API does."""
    by_domain: dict[int, str] = {}
    by_name: dict[int, str] = {}
    names: dict[str, str] = {}
    for row in rows:
        domain = normalise_domain(row.company.get("domain", "")) or business_domain(row.fields.get("email", ""))
        name = row.company.get("name", "")
        if domain:
            by_domain[row.line] = domain
            if name:
                names.setdefault(domain, name)
        elif name:
            by_name[row.line] = name
    known = dict(Company.objects.filter(domain__in=set(by_domain.values())).values_list("domain", "id"))
    missing = [Company(domain=d, name=names[d]) for d in set(by_domain.values()) - set(known) if d in names]
    if missing:
        # ignore_conflicts: a company created meanwhile by the API is found by the query below.
        Company.objects.bulk_create(missing, ignore_conflicts=True)
        known.update(Company.objects.filter(domain__in=[c.domain for c in missing]).values_list("domain", "id"))
    lowered = {name.lower() for name in by_name.values()}
    known_names = dict(
        Company.objects.filter(domain="").annotate(lowered=Lower("name")).filter(lowered__in=lowered).values_list("lowered", "id")
    )
    new_names = {n.lower(): n for n in by_name.values() if n.lower() not in known_names}
    for company in Company.objects.bulk_create([Company(name=n) for n in new_names.values()]):
        known_names[company.name.lower()] = company.pk
    result = {line: known[domain] for line, domain in by_domain.items() if domain in known}
    result.update({line: known_names[name.lower()] for line, name in by_name.items()})
    return result
