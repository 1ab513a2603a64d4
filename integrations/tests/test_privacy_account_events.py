"""integrations.privacy keeps account events in a person's export and empties their notes on
erasure (the events themselves stay: the dashboard counts them)."""

import json
from datetime import UTC, datetime

from integrations import privacy
from leads.models import AccountEvent

ADDRESS = "pieter.devries@vandermeer-machinebouw.nl"
MOMENT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_account_events_are_exported_and_their_notes_erased(lead, revops_admin):
    AccountEvent.objects.create(
        lead=lead, kind=AccountEvent.Kind.CHURN, churn_reason="price", occurred_at=MOMENT, note="Pieter vond het te duur"
    )
    exported = json.loads(privacy.export_json(ADDRESS, now=MOMENT))
    assert exported["leads"][0]["account_events"][0]["note"] == "Pieter vond het te duur"
    privacy.erase_person(ADDRESS, by=revops_admin, reference="Ticket 1", now=MOMENT)
    event = AccountEvent.objects.get()
    assert (event.note, event.kind, event.churn_reason) == ("", "churn", "price")
