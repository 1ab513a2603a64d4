"""The lead's migrations that change data: stage-change reasons written as sentences before
codes become codes (in either language they were written in), the rest keep their text; the
source owner's migration gives every channel a stored default and every existing lead its
channel's."""

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from common.messages import render

recognise = importlib.import_module("leads.migrations.0017_stagechange_reasons_recognised").recognised


@pytest.mark.parametrize(
    "stored, english, dutch",
    [
        ("Not (yet) an MQL: fit 35 < 40, engagement 0 < 30", "Not (yet) an MQL: fit 35 < 40, engagement 0 < 30",
         "(Nog) geen MQL: fit 35 < 40, engagement 0 < 30"),
        ("(Nog) geen MQL: fit 20 < 40", "Not (yet) an MQL: fit 20 < 40", "(Nog) geen MQL: fit 20 < 40"),
        ("fit 60 ≥ 40, engagement 40 ≥ 30", "fit 60 ≥ 40, engagement 40 ≥ 30", "fit 60 ≥ 40, engagement 40 ≥ 30"),
        ("fit 60 ≥ 40, engagement 35 ≥ 10 — bestaande klant: voor accountmanagement",
         "fit 60 ≥ 40, engagement 35 ≥ 10 — existing customer: for account management",
         "fit 60 ≥ 40, engagement 35 ≥ 10 — bestaande klant: voor accountmanagement"),
        ("niet bereikt na 3 pogingen", "not reached after 3 attempts", "niet bereikt na 3 pogingen"),
        ("Not reached after 4 attempts", "Not reached after 4 attempts", "Niet bereikt na 4 pogingen"),
        ("No longer disqualified: the facts changed (fit 45 ≥ 40)", "No longer disqualified: the facts changed (fit 45 ≥ 40)",
         "Niet langer gediskwalificeerd: de gegevens zijn veranderd (fit 45 ≥ 40)"),
    ],
)
def test_a_recognised_reason_becomes_its_code_and_reads_in_both_languages(stored, english, dutch):
    said = recognise(stored)
    with translation.override("en"):
        assert render(said) == english
    with translation.override("nl"):
        assert render(said) == dutch


@pytest.mark.parametrize("stored", ["Klant belt zelf terug", "fit 60 ≥ 40 — tipped by: Pricing page (20-11-2026 10:04)", ""])
def test_any_other_reason_is_left_as_written(stored):
    assert recognise(stored) is None


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_leads_get_their_channels_default_source_owner():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old = migrate([("leads", "0018_closed_leads_are_cold")])
        Lead = old.get_model("leads", "Lead")
        for channel in ("referral", "linkedin", "unknown"):
            Lead.objects.create(email=f"{channel}@firma.nl", channel=channel)

        new = migrate([("leads", "0019_campaigns_and_source_owner")])

        owners = dict(new.get_model("leads", "Lead").objects.values_list("channel", "source_owner"))
        assert owners == {"referral": "referral", "linkedin": "marketing", "unknown": "marketing"}
        defaults = new.get_model("leads", "ChannelSourceOwner").objects
        assert defaults.count() == 10 and defaults.get(channel="referral").source_owner == "referral"
    finally:
        migrate(latest)


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_lead_table_keeps_half_of_every_page_free_for_hot_score_updates():
    keep_room = importlib.import_module("leads.migrations.0032_lead_pages_keep_room")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'leads_lead'")
        assert cursor.fetchone()[0] == [f"fillfactor={keep_room.FILLFACTOR}"]
