"""Keyset (cursor) pagination for the lead list: any page as fast as the first.

`?page=900` made PostgreSQL count every visible lead and then read and throw away 89,900 of
them (6.8 s at a million leads). A cursor instead names the last lead id of the page before,
so each page is one walk along the primary key from there: `WHERE id > … ORDER BY id LIMIT n`.
The id is unique and never changes, so a page never repeats or skips a lead, even while new
leads arrive. The answer has no total count, which was the other full scan.

Clients of the old page numbers get a clear `400` that says what to do instead, never a
silently different page.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

PAGE_NUMBERS_GONE = _(
    "Page numbers are no longer supported: ask for the first page without `page` and follow "
    "each answer's `next` link (a cursor) to the one after it."
)
BAD_CURSOR = _("This cursor is not one the API gave out: start again from the first page.")


class LeadCursorPagination(CursorPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    # The primary key: unique, indexed and never changed, the order the list always had.
    ordering = ("id",)
    cursor_query_description = _(
        "Where the page starts: the `next` or `previous` link of the page before (leave out for the first page)."
    )
    page_size_query_description = _("Leads per page, at most 1,000 (default 100).")

    def paginate_queryset(self, queryset, request, view=None):
        if "page" in request.query_params:
            raise ValidationError({"page": [PAGE_NUMBERS_GONE]})
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError({"cursor": [BAD_CURSOR]})


class AccountEventCursorPagination(LeadCursorPagination):
    """The account events after the sale, by the same keyset on their id."""

    page_size_query_description = _("Events per page, at most 1,000 (default 100).")
