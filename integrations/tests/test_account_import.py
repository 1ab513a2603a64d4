from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from integrations.account_import import FileRefused, RowsRefused, import_account_events
from leads.models import AccountEvent, Lead

pytestmark = pytest.mark.usefixtures("in_english")
WON = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def won(db):
    lead = Lead.objects.create(email="anne@acme.nl")
    lead.move_to(Lead.Stage.SQL, at=WON - timedelta(days=20))
    lead.move_to(Lead.Stage.WON, at=WON)
    return lead


def csv_of(*lines: str) -> bytes:
    return "\n".join(lines).encode()


def test_a_file_of_events_is_imported(won):
    content = csv_of(
        "lead_id;email;kind;occurred_at;value;churn_reason;note;external_id",
        f"{won.pk};;first_value;2026-03-05T10:00:00+01:00;;;Live;crm-1",
        ";Anne@Acme.nl;expansion;2026-04-01T09:00:00Z;1500.50;;;crm-2",
        "",
        ";anne@acme.nl;churn;2026-05-01T09:00:00Z;;price;Te duur;crm-3",
    )
    result = import_account_events(content, source_system="crm", now=NOW)
    assert (result.received, result.created) == (3, 3)
    assert list(AccountEvent.objects.values_list("kind", "value", "churn_reason", "note", "external_id")) == [
        ("first_value", None, "", "Live", "crm-1"),
        ("expansion", Decimal("1500.50"), "", "", "crm-2"),
        ("churn", None, "price", "Te duur", "crm-3"),
    ]
    # The same file again: every event already received.
    again = import_account_events(content, source_system="crm", now=NOW)
    assert (again.created, again.duplicates) == (0, 3)


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(won):
    content = csv_of(
        "lead_id,kind,occurred_at,value",
        f"{won.pk},renewal,2026-04-01T09:00:00Z,",
        f"{won.pk},expansion,2026-04-01T09:00:00Z,",
        "",
        f"{won.pk},renewal,yesterday,",
        "12345678,renewal,2026-04-01T09:00:00Z,",
    )
    with pytest.raises(RowsRefused) as refused:
        import_account_events(content, source_system="crm", now=NOW)
    lines = {(e.line, e.field) for e in refused.value.errors}
    assert lines == {(3, "value"), (5, "occurred_at"), (6, "lead_id")}
    assert "Line 3, value: An expansion needs the revenue it added." in [str(e) for e in refused.value.errors]
    assert not AccountEvent.objects.exists()


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "The file is empty"),
        (b"lead_id,kind,when\n1,renewal,x", "Unknown columns: when."),
        (b"lead_id,kind\n1,renewal", "Missing columns: occurred_at."),
        (b"kind,occurred_at\nrenewal,2026-04-01T09:00:00Z", "Give a lead_id or an email column"),
        (b"lead_id,kind,occurred_at\n", "The file holds no events."),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(db, content, message):
    with pytest.raises(FileRefused, match=message):
        import_account_events(content, source_system="crm", now=NOW)


def test_the_command_imports_and_reports(won, tmp_path, capsys):
    path = tmp_path / "events.csv"
    path.write_bytes(csv_of("lead_id,kind,occurred_at", f"{won.pk},first_value,2026-03-04T09:00:00Z"))
    call_command("importaccountevents", str(path), "--source", "crm")
    assert "1 account events imported, 0 already received." in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_of("lead_id,kind,occurred_at", f"{won.pk},first_value,2026-03-04T09:00:00Z"))
    with pytest.raises(CommandError, match="1 problems in"):
        call_command("importaccountevents", str(bad), "--source", "other")
    assert "Line 2, kind: Lead" in capsys.readouterr().err
    assert AccountEvent.objects.count() == 1
