"""Fast inserts of many rows: binary-free COPY on PostgreSQL, executemany elsewhere.

For demo data, history imports and benchmarks. Rows are plain dicts keyed by field name; the
caller supplies primary keys, so child rows can point at parents written in the same batch.
Nothing here runs model `save()` or validation: callers insert only rows they built themselves.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from django.core.management.color import no_style
from django.db import connection, models


class TableWriter:
    def __init__(self, model: type[models.Model], field_names: list[str] | None = None):
        """Writes the named fields, or every concrete field. A row that leaves a field out
        gets the field's default."""
        self.model = model
        if field_names is None:
            self.fields = list(model._meta.concrete_fields)
        else:
            self.fields = [model._meta.get_field(name) for name in field_names]
        self.columns = [field.column for field in self.fields]
        self.is_postgres = connection.vendor == "postgresql"
        self.converters = [self._converter(field) for field in self.fields]

    def _converter(self, field):
        if isinstance(field, models.JSONField):
            return json.dumps
        if self.is_postgres:
            return None  # psycopg adapts dates, decimals and booleans itself
        if isinstance(field, (models.DateField, models.DecimalField)):  # DateTimeField too
            return lambda value, field=field: field.get_db_prep_save(value, connection)
        return None

    def _in_order(self, rows: Iterable[dict]):
        """Each dict row as its values in the writer's field order, defaults filled in."""
        for row in rows:
            values = []
            for field in self.fields:
                if field.attname in row:
                    value = row[field.attname]
                elif field.has_default():
                    value = field.get_default()
                else:
                    value = None
                values.append(value)
            yield values

    def _converted(self, rows: Iterable[Sequence]):
        converting = [(i, convert) for i, convert in enumerate(self.converters) if convert is not None]
        if not converting:
            yield from rows
            return
        for row in rows:
            values = list(row)
            for i, convert in converting:
                if values[i] is not None:
                    values[i] = convert(values[i])
            yield values

    def write(self, rows: list[dict]) -> int:
        return self.write_values(list(self._in_order(rows)))

    def write_values(self, rows: list[Sequence]) -> int:
        """Rows given as their values in the writer's field order (every field, no defaults):
        for many rows already built as tuples, without a dict per row."""
        if not rows:
            return 0
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(column) for column in self.columns)
        with connection.cursor() as cursor:
            if self.is_postgres:
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for values in self._converted(rows):
                        copy.write_row(values)
            else:
                placeholders = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({placeholders})",
                    list(self._converted(rows)),
                )
        return len(rows)


def server_bound_cursor():
    """A psycopg cursor on Django's PostgreSQL connection (so in the same transaction) that
    binds parameters on the server. Django's own cursors bind on the client, which for a
    statement taking a thousand-element array per column means building and parsing the whole
    text; with `%b` placeholders the arrays go over in binary and the statement stays small."""
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def next_id(model: type[models.Model]) -> int:
    """The first free primary key above every existing row."""
    highest = model.objects.aggregate(highest=models.Max("pk"))["highest"]
    return (highest or 0) + 1


def reset_sequences(*model_classes: type[models.Model]) -> None:
    """After inserting explicit ids, point PostgreSQL's id sequences past them."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_classes))
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
