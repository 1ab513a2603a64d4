from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from leads.models import Company, Lead, StageChange

S = Lead.Stage
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
HEADER = "external_id,first_name,email,company,company_domain,channel,campaign,created_at,mql_at,sal_at,sql_at,opportunity_at,won_at,lost_at,deal_value\n"
GOOD = [
    "A1,Anne,anne@acme.nl,Acme BV,acme.nl,Google Ads,voorjaar,2025-01-06,2025-01-07,2025-01-08 10:00,2025-01-20,2025-02-01,2025-03-01,,12500\n",
    "A2,Bert,bert@gmail.com,Smit Metaal,,linkedin,,2025-02-01,2025-02-02,,,,,,\n",
]
BAD = "A3,Cor,cor@bakker.nl,,,organic,,2025-02-01,2025-02-05,,2025-01-20,,,,\n"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def write(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "history.csv"
    path.write_text(header + "".join(rows), encoding="utf-8")
    return path


def run(path: Path, *options: str) -> tuple[str, str]:
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("importleads", str(path), *options, verbosity=0, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_good_file_creates_leads_companies_and_their_stage_history(tmp_path, db):
    out, _err = run(write(tmp_path, *GOOD))
    assert "2 rows: 2 leads created, 0 updated, 0 unchanged, 6 stage changes." in out
    anne = Lead.objects.get(external_id="A1")
    assert (anne.source_system, anne.stage, anne.channel, anne.campaign, anne.deal_value) == ("import", S.WON, "google_ads", "voorjaar", Decimal("12500.00"))
    assert anne.company.domain == "acme.nl"
    assert anne.created_at == datetime(2025, 1, 6, tzinfo=AMSTERDAM)
    assert anne.sal_at == datetime(2025, 1, 8, 10, 0, tzinfo=AMSTERDAM)
    assert Lead.objects.get(external_id="A2").company.name == "Smit Metaal"
    assert Company.objects.count() == 2


def test_the_imported_history_is_what_move_to_would_have_written(tmp_path, db):
    run(write(tmp_path, GOOD[0]))
    imported = Lead.objects.get(external_id="A1")
    by_hand = Lead.objects.create(created_at=imported.created_at)
    for change in imported.stage_changes.all():
        by_hand.move_to(change.to_stage, rule="history import", at=change.changed_at)
    by_hand.refresh_from_db()

    def history(lead):
        return list(lead.stage_changes.values_list("from_stage", "to_stage", "changed_at", "rule"))

    def state(lead):
        return [lead.stage, lead.stage_changed_at, lead.version, *[getattr(lead, f"{s}_at") for s in Lead.STAMPED_STAGES]]

    assert history(imported) == history(by_hand)
    assert [(f, t) for f, t, _at, _rule in history(imported)] == [
        ("new", "mql"), ("mql", "sal"), ("sal", "sql"), ("sql", "opportunity"), ("opportunity", "won"),
    ]
    assert state(imported) == state(by_hand)
    assert imported.stage_changes.first().reason == "history.csv, line 2"


def test_one_bad_row_means_nothing_is_written_and_every_error_is_reported(tmp_path, db):
    with pytest.raises(CommandError, match="^2 errors; nothing was written"):
        run(write(tmp_path, GOOD[0], BAD, GOOD[1], "A4,,,,,tv,,,,,,,,,\n"))
    assert Lead.objects.count() == 0 and Company.objects.count() == 0


def test_row_errors_name_line_column_and_problem(tmp_path, db, capsys):
    path = write(tmp_path, GOOD[0], BAD, "A4,,,,,tv,,2025-01-01,,,,,,,\n")
    from io import StringIO

    err = StringIO()
    with pytest.raises(CommandError):
        call_command("importleads", str(path), verbosity=0, stdout=StringIO(), stderr=err)
    assert err.getvalue().splitlines() == [
        "line 3, sql_at: sql_at (2025-01-20) is before mql_at (2025-02-05): the dates go backwards.",
        'line 4, channel: "tv" is not one of: google_ads, meta, linkedin, organic, direct, referral, email, event, other, unknown. Map it with a value mapping (the report suggests one).',
    ]
    assert Lead.objects.count() == 0 and StageChange.objects.count() == 0


def test_skipping_bad_rows_imports_the_good_ones(tmp_path, db):
    out, err = run(write(tmp_path, GOOD[0], BAD, GOOD[1]), "--skip-bad-rows")
    assert "3 rows: 2 leads created, 0 updated, 0 unchanged, 6 stage changes, 1 bad rows skipped." in out
    assert "line 3, sql_at" in err
    assert sorted(Lead.objects.values_list("external_id", flat=True)) == ["A1", "A2"]


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(tmp_path, db):
    out, _err = run(write(tmp_path, *GOOD), "--dry-run")
    assert "Dry run, nothing written. Would import: 2 rows: 2 leads created, 0 updated, 0 unchanged, 6 stage changes." in out
    assert Lead.objects.count() == 0 and Company.objects.count() == 0


def test_importing_the_same_file_again_changes_nothing(tmp_path, db):
    path = write(tmp_path, *GOOD)
    run(path)
    out, _err = run(path)
    assert "2 rows: 0 leads created, 0 updated, 2 unchanged, 0 stage changes." in out
    assert StageChange.objects.count() == 6


def test_a_later_file_adds_the_stages_reached_since(tmp_path, db):
    run(write(tmp_path, GOOD[1]))
    out, _err = run(write(tmp_path, "A2,,,,,,,,,,2025-03-01,,2025-04-01,,8000\n"))
    assert "1 rows: 0 leads created, 1 updated" in out
    bert = Lead.objects.get(external_id="A2")
    assert (bert.stage, bert.deal_value, bert.first_name) == (S.WON, Decimal("8000.00"), "Bert")
    assert list(bert.stage_changes.values_list("to_stage", flat=True)) == [S.MQL, S.SQL, S.WON]
    assert bert.version == 4


def test_a_new_lead_needs_its_arrival_date(tmp_path, db):
    with pytest.raises(CommandError):
        run(write(tmp_path, "A9,Ed,,,,,,,,,,,,,\n"))


def test_the_same_lead_twice_in_one_file_is_an_error(tmp_path, db):
    with pytest.raises(CommandError):
        run(write(tmp_path, GOOD[1], GOOD[1]))


def test_a_crm_export_with_its_own_columns_and_values_imports_through_mappings(tmp_path, db):
    path = write(
        tmp_path,
        "7f3a;2018-02-01;lp-88;paid_search\n",
        "9c1b;2018-03-22;lp-12;social\n",
        header="mql_id;first_contact_date;landing_page_id;origin\n",
    )
    out, _err = run(
        path, "--source", "olist",
        "--map", "mql_id=external_id", "--map", "first_contact_date=created_at",
        "--map", "first_contact_date=mql_at", "--map", "landing_page_id=campaign", "--map", "origin=channel",
        "--map-value", "channel: paid_search=google_ads, social=meta",
    )
    assert "2 rows: 2 leads created" in out
    lead = Lead.objects.get(source_system="olist", external_id="7f3a")
    assert (lead.channel, lead.campaign, lead.stage) == ("google_ads", "lp-88", S.MQL)
    assert lead.mql_at == lead.created_at == datetime(2018, 2, 1, tzinfo=AMSTERDAM)


def test_an_unknown_mapping_field_stops_before_reading(tmp_path, db):
    with pytest.raises(CommandError, match="is not a field Handoff imports"):
        run(write(tmp_path, *GOOD), "--map", "Lead=lead_number")


def test_a_file_that_is_not_utf8_is_refused_naming_the_line(tmp_path, db):
    path = tmp_path / "latin1.csv"
    path.write_bytes(HEADER.encode() + GOOD[0].encode() + "A2,Jos\xe9,,,,,,2025-01-01,,,,,,,\n".encode("latin-1"))
    with pytest.raises(CommandError, match=r"latin1.csv: Line 3 is not UTF-8 text \(invalid continuation byte\)"):
        run(path)
    assert Lead.objects.count() == 0


def test_an_ambiguous_amount_needs_the_decimal_separator_option(tmp_path, db):
    path = write(tmp_path, GOOD[0].replace(",12500\n", ',"12,500"\n'))
    with pytest.raises(CommandError, match="^1 error"):
        run(path)
    run(path, "--decimal-separator", ",")
    assert Lead.objects.get(external_id="A1").deal_value == Decimal("12.50")


def test_unknown_values_are_summarised_with_a_suggested_mapping(tmp_path, db):
    path = write(tmp_path, "A4,,,,,Linked-in,,2025-01-01,,,,,,,\n", "A5,,,,,Linked-in,,2025-01-01,,,,,,,\n", "A6,,,,,tv,,2025-01-01,,,,,,,\n")
    from io import StringIO

    out = StringIO()
    with pytest.raises(CommandError):
        call_command("importleads", str(path), verbosity=0, stdout=out, stderr=StringIO())
    assert out.getvalue().splitlines() == [
        "Unknown values (column: value × rows):",
        "  channel: Linked-in × 2",
        "  channel: tv × 1",
        'Suggested: --map-value "channel: Linked-in=linkedin, tv=other"',
    ]


def test_open_leads_can_be_handed_over_from_the_command(tmp_path, db, team, rep):
    from handoff.models import RoutingRule
    from qualification.tests.conftest import make_policy

    RoutingRule.objects.create(name="Everyone to the team", position=50, target="team", team=team)
    make_policy()
    out, _err = run(write(tmp_path, GOOD[1]), "--open-leads", "hand_over")
    assert "Open leads: 1 scored, 1 handed over to sales." in out
    assert Lead.objects.get(external_id="A2").owner == rep
