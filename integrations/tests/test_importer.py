"""HistoryImport itself: what it writes besides the history (channel, company country, team),
its report, and the choice between keeping open leads as history and handing them over."""

import io
from datetime import date, datetime, timezone

import pytest
from django.utils import translation

from handoff.models import Assignment, Notification, RoutingRule
from integrations.importer import HistoryImport, ImportReport, OpenLeads
from leads.models import Campaign, Channel, ChannelSourceOwner, Company, Lead
from qualification.tests.conftest import make_policy

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=timezone.utc)
HEADER = "external_id,first_name,job_title,company,company_domain,country,channel,owner,team,created_at,mql_at,sal_at,sql_at\n"
MQL = "M1,Pieter,Hoofd engineering,Van der Meer,vandermeer.nl,,Google Ads,,,2025-01-06,2025-01-07,,\n"
SAL = "S1,Sanne,Inkoper,Bakker BV,bakker.nl,,organic,,,2025-01-06,2025-01-07,2025-01-08,\n"
SQL = "Q1,Quinten,Directeur,Smit,smit.nl,,organic,,,2025-01-06,2025-01-07,2025-01-08,2025-01-09\n"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def run(*rows: str, header: str = HEADER, **options):
    options = {"source_system": "crm", "column_map": {}, "value_map": {}, "skip_bad_rows": False, "dry_run": False, **options}
    importer = HistoryImport(now=NOW, file_name="crm.csv", **options)
    return importer.run(io.StringIO(header + "".join(rows)))


@pytest.fixture
def routing(db, team, rep):
    RoutingRule.objects.create(name="Everyone to the team", position=50, target="team", team=team)
    return make_policy()


def test_a_new_lead_without_a_channel_is_unknown_and_a_later_file_without_one_keeps_it(db):
    run("A1,Anne,,,,,,,,2025-01-06,,,\n")
    assert Lead.objects.get(external_id="A1").channel == Channel.UNKNOWN
    run("A2,Bert,,,,,linkedin,,,2025-01-06,,,\n")
    run("A2,Bert,,,,,,,,,2025-02-01,,\n")
    assert Lead.objects.get(external_id="A2").channel == Channel.LINKEDIN


CAMPAIGN_HEADER = "external_id,channel,campaign,campaign_id,source_owner,created_at\n"


def test_a_new_lead_gets_its_channels_default_source_owner_unless_the_file_gives_one(db):
    ChannelSourceOwner.objects.filter(channel="event").update(source_owner="partner")
    report = run(
        "A1,event,,,,2025-01-06\n", "A2,referral,,,,2025-01-06\n", "A3,,,,,2025-01-06\n",
        "A4,event,,,Sales (own prospecting),2025-01-06\n", header=CAMPAIGN_HEADER,
    )
    assert report.written
    owners = dict(Lead.objects.values_list("external_id", "source_owner"))
    assert owners == {"A1": "partner", "A2": "referral", "A3": "marketing", "A4": "sales"}


def test_a_later_file_without_a_source_owner_keeps_the_leads(db):
    run("A1,event,,,partner,2025-01-06\n", header=CAMPAIGN_HEADER)
    run("A1,referral,,,,\n", header=CAMPAIGN_HEADER)
    assert Lead.objects.get().source_owner == "partner"


def test_the_import_links_campaigns_by_name_and_by_id(db):
    spring = Campaign.objects.create(name="Voorjaar", starts_on=date(2025, 1, 1))
    autumn = Campaign.objects.create(name="Najaar", starts_on=date(2025, 9, 1))
    report = run(
        "A1,,VOORJAAR,,,2025-01-06\n", "A2,,iets anders,,,2025-01-06\n", f"A3,,,{autumn.pk},,2025-01-06\n",
        header=CAMPAIGN_HEADER,
    )
    assert report.written
    links = {lead.external_id: (lead.campaign, lead.linked_campaign) for lead in Lead.objects.all()}
    assert links == {"A1": ("VOORJAAR", spring), "A2": ("iets anders", None), "A3": ("Najaar", autumn)}


def test_an_unknown_campaign_id_or_source_owner_is_a_row_error_and_nothing_is_written(db):
    report = run("A1,,,999,,2025-01-06\n", "A2,,,,intern,2025-01-06\n", header=CAMPAIGN_HEADER)
    assert [(e.line, e.column) for e in report.errors] == [(2, "campaign_id"), (3, "source_owner")]
    assert not report.written and Lead.objects.count() == 0


def test_a_company_gets_the_country_the_file_gives_and_none_otherwise(db):
    run("A1,Anne,,Acme,acme.be,BE,,,,2025-01-06,,,\n", "A2,Bert,,Smit,smit.nl,,,,,2025-01-06,,,\n", "A3,Cor,,Bakker zonder domein,,,,,,2025-01-06,,,\n")
    assert dict(Company.objects.values_list("name", "country")) == {"Acme": "BE", "Smit": "", "Bakker zonder domein": ""}


def test_the_team_and_owner_columns_set_the_leads_team_and_owner(db, team, rep):
    rep.first_name, rep.last_name = "Sanne", "de Vries"
    rep.save()
    report = run(f"A1,Anne,,,,,,Sanne de Vries,{team.name.upper()},2025-01-06,,,\n")
    lead = Lead.objects.get(external_id="A1")
    assert (report.written, lead.owner, lead.team) == (True, rep, team)


def test_unknown_values_are_in_the_report_with_a_suggested_value_mapping(db):
    report = run("A1,,,,,,Linked-in,,,2025-01-06,,,\n", "A2,,,,,,Linked-in,,,2025-01-06,,,\n", "A3,,,,,,,ghost,Zuid,2025-01-06,,,\n")
    assert [(u.column, u.value, u.count, u.suggestion) for u in report.unknown_values] == [
        ("channel", "Linked-in", 2, "linkedin"), ("owner", "ghost", 1, ""), ("team", "Zuid", 1, ""),
    ]
    assert report.suggested_value_map == ["channel: Linked-in=linkedin"]
    assert not report.written and Lead.objects.count() == 0


def test_the_report_survives_being_stored_as_json(db):
    report = run("A1,,,,,,tv,,,2025-01-06,,,\n")
    assert ImportReport.from_json(report.to_json()) == report


def test_a_line_the_csv_reader_cannot_read_is_a_row_error_and_the_rest_is_still_checked(db):
    report = run("A1,Anne,,,,,,,,2025-01-06,,,\n", f"A2,{'x' * 200_000},,,,,,,,2025-01-06,,,\n", "A3,,,,,,tv,,,2025-01-06,,,\n")
    assert [(e.line, e.column) for e in report.errors] == [(3, ""), (4, "channel")]
    assert report.errors[0].message == "The line cannot be read as CSV (field larger than field limit (131072))."
    assert report.written is False and Lead.objects.count() == 0


def test_history_only_leaves_open_leads_without_score_owner_or_deadline(routing):
    report = run(MQL, SAL)
    assert (report.open_leads, report.scored, report.handed_over) == (OpenLeads.HISTORY, 0, 0)
    assert list(Lead.objects.values_list("owner", "respond_by", "scored_at")) == [(None, None, None)] * 2
    assert not Assignment.objects.exists() and not Notification.objects.exists()


def test_hand_over_now_scores_open_leads_and_hands_mql_and_sal_to_sales(routing, rep, revops_admin):
    report = run(MQL, SAL, SQL, open_leads=OpenLeads.HAND_OVER, user=revops_admin)
    assert (report.written, report.scored, report.handed_over) == (True, 3, 2)
    handed = Lead.objects.filter(external_id__in=["M1", "S1"])
    for lead in handed:
        assert (lead.owner, lead.scored_at) == (rep, NOW)
        assert lead.respond_by is not None and lead.respond_by > NOW
    assert set(Assignment.objects.values_list("lead__external_id", "owner", "assigned_by")) == {("M1", rep.pk, revops_admin.pk), ("S1", rep.pk, revops_admin.pk)}
    assert Notification.objects.filter(kind=Notification.Kind.ASSIGNED, recipient=rep).count() == 2
    sql = Lead.objects.get(external_id="Q1")
    assert (sql.scored_at, sql.owner, sql.respond_by) == (NOW, None, None)


def test_importing_again_does_not_hand_over_twice(routing):
    run(MQL, open_leads=OpenLeads.HAND_OVER)
    report = run(MQL, open_leads=OpenLeads.HAND_OVER)
    assert (report.unchanged, report.handed_over) == (1, 0)
    assert Assignment.objects.count() == 1


def test_a_dry_run_reports_the_hand_over_and_writes_nothing(routing):
    report = run(MQL, SAL, open_leads=OpenLeads.HAND_OVER, dry_run=True)
    assert (report.written, report.handed_over) == (False, 2)
    assert not Lead.objects.exists() and not Assignment.objects.exists() and not Notification.objects.exists()


def test_a_bad_row_means_no_hand_over_either(routing):
    report = run(MQL, "X1,,,,,,tv,,,2025-01-06,,,\n", open_leads=OpenLeads.HAND_OVER)
    assert (report.written, report.handed_over) == (False, 0)
    assert not Lead.objects.exists() and not Assignment.objects.exists()


def test_a_lead_a_later_file_says_was_won_loses_its_running_clock(routing):
    from handoff.models import SlaClock

    run(MQL, open_leads=OpenLeads.HAND_OVER)
    lead = Lead.objects.get(external_id="M1")
    assert lead.respond_by is not None and SlaClock.objects.filter(lead=lead).exists()

    run("M1,2025-01-06,2025-01-07,2025-02-01\n", header="external_id,created_at,mql_at,won_at\n")

    lead.refresh_from_db()
    assert lead.stage == Lead.Stage.WON
    assert lead.respond_by is None and not SlaClock.objects.filter(lead=lead).exists()
