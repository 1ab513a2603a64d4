"""`AnyOf`: a field's value among many, as one array parameter on PostgreSQL.

`filter(id__in=ids)` with a batch's thousand ids writes a thousand placeholders, and psycopg
then parses that query text on every request (client-side binding): a few milliseconds per
query, several queries per batch. `filter(AnyOf("id", ids))` writes `id = ANY(%s)` with the
list as one parameter, which the same indexes serve. Elsewhere (SQLite) it is `IN`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import EmptyResultSet
from django.db.models import F
from django.db.models.lookups import In


class AnyOf(In):
    def __init__(self, field: str, values: Iterable):
        super().__init__(F(field), list(values))

    def as_postgresql(self, compiler, connection):
        if not self.rhs:
            raise EmptyResultSet  # as IN does: no value, no row
        lhs, lhs_params = self.process_lhs(compiler, connection)
        _placeholders, rhs_params = self.batch_process_rhs(compiler, connection, self.rhs)
        return f"{lhs} = ANY(%s)", (*lhs_params, list(rhs_params))
