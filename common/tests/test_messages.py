"""Stored messages: every code known, translated, and rendered in the reader's language."""

from datetime import UTC, datetime

import pytest
from django.utils import translation
from django.utils.translation import trans_real

from common.messages import (
    PLACEHOLDER,
    choice,
    codes,
    joined,
    message,
    moment,
    placeholders,
    render,
    rule_name,
    split,
)


@pytest.mark.parametrize("code", sorted(codes()))
def test_every_code_has_a_dutch_translation_with_the_same_placeholders(code):
    with translation.override("en"):
        english = str(codes()[code])
    catalogue = trans_real.translation("nl")._catalog
    assert english in catalogue, f"{code}: no Dutch for {english!r}"
    dutch = catalogue[english]
    assert dutch and placeholders(code) == set(PLACEHOLDER.findall(dutch))


def test_a_routing_trace_reads_in_each_readers_language():
    stored = message(
        "routing.rule",
        rule="Brabant",
        why=joined([message("routing.sector", value=choice("sector", "machinery"))], ", "),
        note=message("routing.turn", team="Zuid", name="Sanne"),
    )
    with translation.override("en"):
        assert render(stored) == "Rule “Brabant”: sector Machinery & equipment; round robin in team Zuid: it is Sanne's turn."
    with translation.override("nl"):
        assert render(stored) == "Regel “Brabant”: sector Machines & installaties; om de beurt in team Zuid: Sanne is aan de beurt."


def test_a_moment_is_written_the_readers_way_in_the_business_time_zone():
    stored = message(
        "decision.tipped_by",
        reason=message("score.fit_vs", fit=60, sign="≥", threshold=40),
        activity=message("decision.activity", kind=choice("activity", "pricing_page"), title="Prijzen"),
        when=moment(datetime(2026, 12, 3, 13, 5, tzinfo=UTC)),
    )
    with translation.override("en"):
        assert render(stored) == "fit 60 ≥ 40 — tipped by: Pricing page “Prijzen” (3 Dec 2026 14:05)"
    with translation.override("nl"):
        assert render(stored) == "fit 60 ≥ 40 — de doorslag gaf: Prijzenpagina “Prijzen” (3 dec 2026 14:05)"


def test_text_a_person_typed_and_rows_from_before_codes_are_shown_as_stored():
    assert render("Klant belt zelf terug") == "Klant belt zelf terug"
    assert render("") == "" and render(None) == ""
    assert split("Klant belt zelf terug") == ("Klant belt zelf terug", None)
    stored = message("routing.every_lead")
    assert split(stored) == ("", stored)


def test_a_code_since_removed_shows_the_code_rather_than_failing():
    assert render({"code": "routing.gone", "params": {}}) == "routing.gone"


def test_an_unknown_code_or_wrong_parameters_are_refused_where_they_are_made():
    with pytest.raises(ValueError, match="Unknown message code"):
        message("routing.nonsense")
    with pytest.raises(ValueError, match="takes"):
        message("routing.away")
    with pytest.raises(ValueError, match="takes"):
        message("routing.away", name="Sanne", extra="x")
    with pytest.raises(ValueError, match="Unknown vocabulary"):
        choice("colours", "red")


def test_an_unknown_value_of_a_vocabulary_is_shown_as_stored():
    assert render(choice("stage", "archived")) == "archived"


def test_automatic_rules_are_named_in_the_readers_language():
    with translation.override("nl"):
        assert rule_name("qualification policy v3") == "kwalificatiebeleid v3"
        assert rule_name("SLA policy") == "SLA-afspraak"
        assert rule_name("a rule someone named") == "a rule someone named"
    with translation.override("en"):
        assert rule_name("qualification policy v3") == "qualification policy v3"
