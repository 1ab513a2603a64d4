"""python manage.py importleads FILE.csv [--dry-run] [--skip-bad-rows] [--map "Lead ID=external_id"]
[--map-value "channel: theirs=ours"] [--decimal-separator ,] [--open-leads hand_over]"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation
from tqdm import tqdm

from integrations.history import (
    COLUMNS,
    MappingError,
    NotText,
    decoded_lines,
    parse_column_map,
    parse_value_map,
)
from integrations.importer import HistoryImport, OpenLeads


class Command(BaseCommand):
    help = (
        "Import leads with their company, channel, campaign, arrival date, the dates they "
        "reached each stage and deal value from a CSV file (see the README for the format). "
        "Nothing is written when any row is bad, unless --skip-bad-rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Report what would be created or updated; write nothing.")
        parser.add_argument("--skip-bad-rows", action="store_true", help="Import the good rows and report the bad ones.")
        parser.add_argument(
            "--map", action="append", default=[], metavar='"CSV column=field"',
            help=f"Read a field from a column with another name; repeatable. Fields: {', '.join(COLUMNS)}.",
        )
        parser.add_argument(
            "--map-value", action="append", default=[], metavar='"channel: theirs=ours, …"',
            help="Translate the file's values of channel or conversion_action; repeatable.",
        )
        parser.add_argument("--source", default="import", help='The source system the external ids belong to (default "import").')
        parser.add_argument(
            "--decimal-separator", choices=[",", "."], default="",
            help='The decimal separator of deal_value ("," or "."); the other one then groups thousands. '
            'Without it an amount such as 12,500 or 1.250 is refused as ambiguous.',
        )
        parser.add_argument(
            "--open-leads", choices=OpenLeads.values, default=OpenLeads.HISTORY,
            help="history (default): open leads are history only, with no score, owner or deadline. "
            "hand_over: score them now; MQL and SAL leads get an owner, a deadline and a notification.",
        )

    def handle(self, *args, **options):
        # Like the other commands, this one speaks English, row errors included.
        with translation.override("en"):
            self.import_file(**options)

    def import_file(self, *, file, dry_run, skip_bad_rows, map, map_value, source, decimal_separator, open_leads, verbosity, **options):
        try:
            column_map, value_map = parse_column_map(map), parse_value_map(map_value)
        except MappingError as error:
            raise CommandError(str(error))
        if not file.is_file():
            raise CommandError(f"{file}: no such file.")
        importer = HistoryImport(
            source_system=source,
            column_map=column_map,
            value_map=value_map,
            skip_bad_rows=skip_bad_rows,
            dry_run=dry_run,
            now=timezone.now(),
            file_name=file.name,
            decimal_separator=decimal_separator,
            open_leads=open_leads,
        )
        total = max(0, count_lines(file) - 1)
        with file.open("rb") as stream:
            with tqdm(total=total, unit="rows", disable=verbosity == 0, file=sys.stderr) as bar:
                try:
                    report = importer.run(decoded_lines(stream), progress=lambda done: bar.update(done - bar.n))
                except NotText as error:
                    raise CommandError(f"{file}: {error}")
        for error in report.errors:
            self.stderr.write(f"line {error.line}" + (f", {error.column}" if error.column else "") + f": {error.message}")
        if report.more_errors:
            self.stderr.write(f"… and {report.more_errors} more errors.")
        summary = (
            f"{report.rows} rows: {report.created} leads created, {report.updated} updated, "
            f"{report.unchanged} unchanged, {report.stage_changes} stage changes"
            + (f", {report.skipped} bad rows skipped" if skip_bad_rows and report.skipped else "")
            + "."
        )
        if report.ignored_columns:
            self.stdout.write(f"Columns not imported: {', '.join(report.ignored_columns)}.")
        if report.unknown_values:
            self.stdout.write("Unknown values (column: value × rows):")
            for item in report.unknown_values:
                self.stdout.write(f"  {item.column}: {item.value} × {item.count}")
            for line in report.suggested_value_map:
                self.stdout.write(f'Suggested: --map-value "{line}"')
        if open_leads == OpenLeads.HAND_OVER:
            self.stdout.write(f"Open leads: {report.scored} scored, {report.handed_over} handed over to sales.")
        if report.written:
            self.stdout.write(self.style.SUCCESS(summary))
        elif dry_run and (skip_bad_rows or not report.error_count):
            self.stdout.write(f"Dry run, nothing written. Would import: {summary}")
        else:
            errors = "1 error" if report.error_count == 1 else f"{report.error_count} errors"
            raise CommandError(
                f"{errors}; nothing was written. Fix the rows, or import the "
                "good ones with --skip-bad-rows."
            )


def count_lines(path: Path) -> int:
    with path.open("rb") as raw:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: raw.read(1 << 20), b""))
