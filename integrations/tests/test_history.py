from datetime import datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from integrations.history import (
    MappingError,
    RowError,
    RowParser,
    parse_amount,
    parse_column_map,
    parse_value_map,
    resolve_columns,
    stage_path,
)
from leads.models import Lead

S = Lead.Stage
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


HEADER = ["external_id", "email", "channel", "owner", "created_at", "mql_at", "sql_at", "won_at", "lost_at", "deal_value"]


def parser(header=HEADER, value_map=None):
    columns, _ignored = resolve_columns(header, {})
    return RowParser(columns, value_map=value_map or {}, users={"sanne": 7, "sanne@acme.nl": 7}, time_zone=AMSTERDAM)


def parse(**cells):
    row = [cells.get(name, "") for name in HEADER]
    return parser().parse(5, row)


def test_a_column_mapping_reads_a_field_from_another_column():
    mapping = parse_column_map(["Lead ID=external_id", "Eerste contact=created_at", "Eerste contact=mql_at"])
    columns, ignored = resolve_columns(["Lead ID", "Eerste contact", "Notities"], mapping)
    assert columns == {"external_id": 0, "created_at": 1, "mql_at": 1}
    assert ignored == ["Notities"]


@pytest.mark.parametrize("entry", ["external_id", "Lead ID=", "Lead ID=lead_number"])
def test_a_bad_column_mapping_says_what_is_wrong(entry):
    with pytest.raises(MappingError):
        parse_column_map([entry])


def test_a_mapped_column_must_exist_in_the_file():
    with pytest.raises(MappingError, match='no column "Lead ID"'):
        resolve_columns(["id"], {"external_id": "Lead ID"})


def test_the_file_needs_an_external_id_column():
    with pytest.raises(MappingError, match="external_id"):
        resolve_columns(["email"], {})


def test_a_value_mapping_translates_the_files_channels():
    assert parse_value_map(["channel: paid_search=google_ads, Social = meta"]) == {
        "channel": {"paid_search": "google_ads", "social": "meta"}
    }
    with pytest.raises(MappingError, match="google_ads"):
        parse_value_map(["channel: paid_search=adwords"])


def test_a_good_row_becomes_fields_and_a_stage_path():
    row, errors = parse(external_id="A1", email="Anne@Acme.nl", channel="Google Ads", owner="SANNE",
                        created_at="2025-01-06", mql_at="2025-01-07 10:30", won_at="2025-03-01T12:00:00+00:00", deal_value="12.500,50".replace(".", ""))
    assert errors == []
    assert row.fields == {"email": "anne@acme.nl", "channel": "google_ads", "owner_id": 7, "deal_value": Decimal("12500.50")}
    assert row.created_at == datetime(2025, 1, 6, tzinfo=AMSTERDAM)
    assert row.stages == [
        (S.MQL, datetime(2025, 1, 7, 10, 30, tzinfo=AMSTERDAM), "mql_at"),
        (S.WON, datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc), "won_at"),
    ]


def test_every_bad_cell_of_a_row_is_reported_with_line_and_column():
    row, errors = parse(email="nope", channel="tv", owner="nobody", created_at="6 januari", deal_value="-3")
    assert row is None
    assert [(e.line, e.column) for e in errors] == [
        (5, "external_id"), (5, "email"), (5, "channel"), (5, "owner"), (5, "deal_value"), (5, "created_at"),
    ]
    assert errors[2].message.startswith('"tv" is not one of: google_ads')


def test_dates_that_go_backwards_are_a_row_error():
    _row, errors = parse(external_id="A", created_at="2025-02-01", mql_at="2025-02-05", sql_at="2025-01-20")
    assert errors == [RowError(5, "sql_at", "sql_at (2025-01-20) is before mql_at (2025-02-05): the dates go backwards.")]


def test_a_stage_before_the_arrival_is_a_row_error():
    _row, errors = parse(external_id="A", created_at="2025-02-01", mql_at="2025-01-31")
    assert [e.column for e in errors] == ["mql_at"]


def test_won_and_lost_together_is_a_row_error():
    _row, errors = parse(external_id="A", created_at="2025-02-01", sql_at="2025-02-02", won_at="2025-02-03", lost_at="2025-02-04")
    assert [e.column for e in errors] == ["lost_at"]


@pytest.mark.parametrize(("text", "amount"), [("1234.5", Decimal("1234.50")), ("1234,50", Decimal("1234.50")), ("€ 900", Decimal("900.00")), ("abc", None), ("NaN", None), ("-1", None)])
def test_amounts(text, amount):
    assert parse_amount(text) == amount


T = datetime(2025, 1, 1, tzinfo=timezone.utc)


def at(day: int) -> datetime:
    return T.replace(day=day)


def test_the_stage_path_of_a_new_lead_follows_move_to():
    moves, errors = stage_path(S.NEW, {}, at(1), [(S.MQL, at(2), "mql_at"), (S.SQL, at(5), "sql_at"), (S.LOST, at(9), "lost_at")])
    assert errors == []
    assert moves == [(S.MQL, at(2)), (S.SQL, at(5)), (S.LOST, at(9))]


def test_lost_straight_from_new_is_not_allowed():
    moves, errors = stage_path(S.NEW, {}, at(1), [(S.LOST, at(3), "lost_at")])
    assert moves == []
    assert errors == [("lost_at", "A lead cannot move from New to Lost.")]


def test_stages_already_reached_are_skipped_and_the_rest_continue_from_there():
    stamps = {"mql_at": at(2)}
    moves, errors = stage_path(S.MQL, stamps, at(2), [(S.MQL, at(2), "mql_at"), (S.WON, at(20), "won_at")])
    assert (moves, errors) == ([(S.WON, at(20))], [])


def test_a_new_stage_dated_before_the_leads_last_move_is_refused():
    moves, errors = stage_path(S.MQL, {"mql_at": at(10)}, at(10), [(S.WON, at(8), "won_at")])
    assert moves == []
    assert errors[0][0] == "won_at"


def test_a_won_lead_cannot_be_lost_later():
    _moves, errors = stage_path(S.WON, {"won_at": at(3)}, at(3), [(S.LOST, at(9), "lost_at")])
    assert errors == [("lost_at", "A lead cannot move from Won to Lost.")]


def test_the_source_and_lost_reason_columns_are_read_as_given():
    header = ["external_id", "source", "lost_reason", "lost_at", "sql_at"]
    columns, ignored = resolve_columns(header, {})
    assert ignored == []
    parse_row = RowParser(columns, value_map=parse_value_map(["lost_reason: Te duur=price"]), users={}, time_zone=AMSTERDAM).parse
    row, errors = parse_row(2, ["A1", "Beurs Hannover (stand 12)", "te duur", "2025-02-01", "2025-01-10"])
    assert errors == []
    assert row.fields == {"source": "Beurs Hannover (stand 12)", "lost_reason": "price"}
    row, errors = parse_row(3, ["A2", "x" * 201, "cheap", "", ""])
    assert row is None
    assert [e.column for e in errors] == ["source", "lost_reason"]
