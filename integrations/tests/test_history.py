from datetime import datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from integrations.history import (
    AmountError,
    MappingError,
    NotText,
    RowError,
    RowParser,
    UnknownValue,
    decoded_lines,
    parse_amount,
    parse_column_map,
    parse_value_map,
    resolve_columns,
    stage_path,
    suggested_value_map,
)
from leads.models import Lead

S = Lead.Stage
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


HEADER = ["external_id", "email", "channel", "owner", "team", "country", "created_at", "mql_at", "sql_at", "won_at", "lost_at", "deal_value"]
USERS = {"sanne": 7, "sanne@acme.nl": 7, "sanne de vries": 7, "daan": 8, "jan jansen": None}


def parser(header=HEADER, value_map=None, **options):
    columns, _ignored = resolve_columns(header, {})
    return RowParser(columns, value_map=value_map or {}, users=USERS, teams={"noord": 3}, time_zone=AMSTERDAM, **options)


def parse(row_parser=None, **cells):
    row = [cells.get(name, "") for name in HEADER]
    return (row_parser or parser()).parse(5, row)


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


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1234.5", Decimal("1234.50")), ("1234,50", Decimal("1234.50")), ("€ 900", Decimal("900.00")),
        ("12.500,50", Decimal("12500.50")), ("12,500.50", Decimal("12500.50")), ("1.250.000", Decimal("1250000.00")),
        ("12500", Decimal("12500.00")), ("0,125", Decimal("0.12")),
    ],
)
def test_amounts_that_say_what_they_mean(text, amount):
    assert parse_amount(text) == amount


@pytest.mark.parametrize("text", ["abc", "NaN", "-1", "1,2,3", "1.2.3,4", "12,50,0"])
def test_what_is_not_an_amount_is_refused(text):
    with pytest.raises(AmountError, match="is not an amount"):
        parse_amount(text)


@pytest.mark.parametrize(("text", "small", "large"), [("12,500", "12.50", "12500"), ("1.250", "1.25", "1250")])
def test_an_amount_whose_separator_could_group_thousands_is_refused_not_guessed(text, small, large):
    with pytest.raises(AmountError) as refused:
        parse_amount(text)
    assert str(refused.value) == (
        f'"{text}" could mean {small} or {large}: write amounts without a thousands separator '
        f"({large} or {small}), or choose the file's decimal separator."
    )


@pytest.mark.parametrize(
    ("text", "separator", "amount"),
    [("12,500", ",", Decimal("12.50")), ("12,500", ".", Decimal("12500.00")), ("1.250,00", ",", Decimal("1250.00")), ("1.250", ".", Decimal("1.25"))],
)
def test_the_files_decimal_separator_settles_it(text, separator, amount):
    assert parse_amount(text, decimal_separator=separator) == amount


def test_an_ambiguous_deal_value_is_a_row_error_unless_the_separator_is_given():
    _row, errors = parse(external_id="A", deal_value="12,500")
    assert [e.column for e in errors] == ["deal_value"] and "could mean 12.50 or 12500" in errors[0].message
    row, errors = parse(parser(decimal_separator="."), external_id="A", deal_value="12,500")
    assert errors == [] and row.fields["deal_value"] == Decimal("12500.00")


@pytest.mark.parametrize("value", ["google_ads", "Google Ads", "Organic search", "Organisch zoeken", "evenement / beurs", "UNKNOWN", "Onbekend"])
def test_a_channel_is_our_code_or_its_label_in_either_language(value):
    row, errors = parse(external_id="A", channel=value)
    assert errors == []
    assert row.fields["channel"] in {"google_ads", "organic", "event", "unknown"}


def test_labels_are_read_in_both_languages_whatever_the_uploaders_language():
    with translation.override("nl"):
        row, errors = parse(external_id="A", channel="Organic search")
    assert errors == [] and row.fields["channel"] == "organic"


def test_an_owner_is_found_by_username_email_or_full_name():
    for owner in ("sanne", "Sanne@Acme.nl", "Sanne de Vries"):
        row, errors = parse(external_id="A", owner=owner)
        assert (errors, row.fields["owner_id"]) == ([], 7)


def test_a_full_name_two_users_share_is_refused():
    _row, errors = parse(external_id="A", owner="Jan Jansen")
    assert errors == [RowError(5, "owner", 'Several users are called "Jan Jansen"; give the username or e-mail instead.')]


def test_a_team_is_found_by_name():
    row, errors = parse(external_id="A", team="Noord")
    assert (errors, row.fields["team_id"]) == ([], 3)
    _row, errors = parse(external_id="A", team="Zuid")
    assert errors == [RowError(5, "team", 'No team called "Zuid".')]


def test_the_country_is_a_two_letter_code_and_only_when_given():
    row, _errors = parse(external_id="A", country="be")
    assert row.company == {"country": "BE"}
    row, _errors = parse(external_id="A")
    assert row.company == {}
    _row, errors = parse(external_id="A", country="Nederland")
    assert [e.column for e in errors] == ["country"]


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b"])
def test_a_control_character_is_a_row_error_naming_the_column(char):
    row, errors = parse(external_id="A", email=f"anne{char}@acme.nl")
    assert row is None
    assert errors == [RowError(5, "email", f"The cell contains a control character (U+{ord(char):04X}); remove it.")]


def test_tabs_and_line_breaks_in_a_quoted_cell_are_text():
    columns, _ignored = resolve_columns(["external_id", "job_title"], {})
    row, errors = RowParser(columns, value_map={}, users={}, time_zone=AMSTERDAM).parse(2, ["A", "Hoofd\tinkoop\r\nNoord"])
    assert errors == [] and row.fields["job_title"] == "Hoofd\tinkoop\r\nNoord"


def test_unknown_values_are_counted_with_a_suggested_mapping():
    row_parser = parser()
    for channel, owner in [("paid search", "piet"), ("Paid search", ""), ("paid search", "piet"), ("tv", "")]:
        parse(row_parser, external_id="A", channel=channel, owner=owner)
    unknown = row_parser.unknown_values()
    assert unknown == [
        UnknownValue("channel", "paid search", 2, "other"),
        UnknownValue("channel", "Paid search", 1, "other"),
        UnknownValue("channel", "tv", 1, "other"),
        UnknownValue("owner", "piet", 2, ""),
    ]
    assert suggested_value_map(unknown) == ["channel: paid search=other, Paid search=other, tv=other"]


def test_a_suggestion_is_the_channel_a_value_resembles():
    row_parser = parser()
    for channel in ["linked-in", "E-mail nieuwsbrief", "Referrals"]:
        parse(row_parser, external_id="A", channel=channel)
    assert [(u.value, u.suggestion) for u in row_parser.unknown_values()] == [
        ("E-mail nieuwsbrief", "email"), ("linked-in", "linkedin"), ("Referrals", "referral"),
    ]


def test_a_suggestion_is_the_one_channel_whose_label_holds_the_value():
    row_parser = parser()
    for channel in ["Beurs", "trade fair", "Google"]:  # "Evenement / beurs", "Event / trade fair"
        parse(row_parser, external_id="A", channel=channel)
    assert [(u.value, u.suggestion) for u in row_parser.unknown_values()] == [
        ("Beurs", "event"), ("Google", "google_ads"), ("trade fair", "event"),
    ]


def test_a_line_that_is_not_utf8_is_named():
    lines = decoded_lines(iter(["external_id\n".encode(), b"A1\n", "Jos\xe9\n".encode("latin-1")]))
    assert next(lines) == "external_id\n" and next(lines) == "A1\n"
    with pytest.raises(NotText) as refused:
        next(lines)
    assert refused.value.line == 3 and "Line 3 is not UTF-8 text" in str(refused.value)


def test_a_byte_order_mark_is_skipped():
    assert list(decoded_lines(iter(["\ufeffexternal_id\n".encode()]))) == ["external_id\n"]


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


def test_a_mapped_channel_keeps_the_files_word_as_the_source():
    row_parser = RowParser(
        resolve_columns(["external_id", "channel", "source"], {})[0],
        value_map={"channel": {"display": "other"}}, users={}, time_zone=AMSTERDAM,
    )
    row, errors = row_parser.parse(2, ["A", "display", ""])
    assert errors == [] and (row.fields["channel"], row.fields["source"]) == ("other", "display")
    row, errors = row_parser.parse(3, ["B", "display", "banner / cpm"])  # a source of its own wins
    assert row.fields["source"] == "banner / cpm"
    row, errors = row_parser.parse(4, ["C", "linkedin", ""])  # our own code: no detail to keep
    assert "source" not in row.fields
