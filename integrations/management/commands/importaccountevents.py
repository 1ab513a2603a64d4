"""python manage.py importaccountevents FILE.csv [--source crm]"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from integrations.account_import import COLUMNS, FileRefused, RowsRefused, import_account_events
from integrations.history import NotText


class Command(BaseCommand):
    help = (
        "Import account events after the sale (first value, renewal, expansion, churn) of won "
        f"leads from a CSV file with the columns {', '.join(COLUMNS)}. Nothing is written when "
        "any row is bad."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", default="import", help='The source system the external ids belong to (default "import").')

    def handle(self, *args, file, source, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file.")
        with translation.override("en"):
            try:
                result = import_account_events(file.read_bytes(), source_system=source, now=timezone.now())
            except (FileRefused, NotText) as refused:
                raise CommandError(str(refused))
            except RowsRefused as refused:
                for error in refused.errors:
                    self.stderr.write(str(error))
                raise CommandError(f"{len(refused.errors)} problems in {file}; nothing was imported.")
        self.stdout.write(f"{result.created} account events imported, {result.duplicates} already received.")
