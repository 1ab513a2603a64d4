"""Traits, lift and patterns on a small world whose figures are counted by hand."""

from datetime import datetime, timedelta, timezone

import pytest

from leads.models import Activity
from qualification.scoring import LeadFacts
from qualification.whatconverts import (
    SMALL_SAMPLE,
    ActivityRow,
    LeadRecord,
    Pattern,
    Seniority,
    Trait,
    describe_pattern,
    patterns,
    rows_by_trait,
    seniority,
    title_words,
    trait_table,
    traits_of,
    window_traits,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


def record(won=False, *, days=0, visits=0, **facts) -> LeadRecord:
    arrived = T0 + timedelta(days=days)
    activities = tuple(ActivityRow(Activity.Kind.PAGE_VISIT, arrived + timedelta(hours=h)) for h in range(visits))
    return LeadRecord(LeadFacts(arrived_at=arrived, **facts), activities, won)


def world() -> list[LeadRecord]:
    """10 leads, 4 won (40 %). Food: 5 leads, 3 won (60 %, lift 1.5). Metal: 5 leads, 1 won
    (20 %, lift 0.5). Two or more visits: 4 leads, 3 won (75 %)."""
    return [
        record(True, sector="food", visits=2), record(True, sector="food", visits=3),
        record(True, sector="food"), record(False, sector="food"), record(False, sector="food"),
        record(True, sector="metal", visits=2), record(False, sector="metal", visits=2),
        record(False, sector="metal"), record(False, sector="metal"), record(False, sector="metal"),
    ]


def test_each_trait_value_counts_its_leads_and_won_leads_with_rate_and_lift():
    table = trait_table(world())
    assert (table.leads, table.won, table.rate) == (10, 4, 0.4)
    food, metal = table.row("sector", "food"), table.row("sector", "metal")
    assert (food.leads, food.won, food.rate, food.lift) == (5, 3, 0.6, pytest.approx(1.5))
    assert (metal.leads, metal.won, metal.rate, metal.lift) == (5, 1, 0.2, pytest.approx(0.5))
    two = table.row("page_visit_count", "2")
    assert (two.leads, two.won) == (3, 2)
    assert table.row("page_visit_count", "3–4").won == 1
    assert table.row("page_visit_count", "0").leads == 6


def test_a_row_with_few_leads_is_marked_as_a_small_sample():
    records = [record(True, sector="food")] * SMALL_SAMPLE + [record(False, sector="metal")] * (SMALL_SAMPLE - 1)
    table = trait_table(records)
    assert not table.row("sector", "food").small_sample
    assert table.row("sector", "metal").small_sample
    assert table.row("sector", "metal").as_data()["small_sample"] is True


def test_a_job_title_gives_its_words_and_a_seniority():
    assert title_words("Hoofd Inkoop / Purchasing-Manager 2") == {"hoofd", "inkoop", "purchasing", "manager"}
    assert seniority("Directeur-eigenaar") == Seniority.EXECUTIVE
    assert seniority("Inkoopmanager") == Seniority.MANAGER
    assert seniority("Hoofd Interne Logistiek") == Seniority.MANAGER
    assert seniority("Engineer") == Seniority.OTHER
    assert seniority("") == Seniority.NONE
    traits = traits_of(record(job_title="Plant Manager", employees=120, is_customer=True))
    assert ("title_word", "plant") in traits and ("title_word", "manager") in traits
    assert ("seniority", "manager") in traits and ("size", "100–249") in traits
    assert ("existing_customer", "yes") in traits


def test_activities_are_counted_per_kind():
    lead = record(visits=4)
    assert lead.counts[Activity.Kind.PAGE_VISIT] == 4
    assert lead.as_of == T0 + timedelta(hours=3)
    assert ("pricing_page_count", "0") in traits_of(lead)


def test_a_pair_that_wins_more_than_its_traits_alone_is_a_pattern_in_words():
    # 100 leads, 40 won. 100-249 employees: 50 leads, 31 won (lift 1.55); a contact form: the
    # same; both together: 30 leads, 27 won (90 %, lift 2.25), 27 of the 40 won leads.
    records = (
        [record(True, employees=150, conversion_action="contact_form")] * 27
        + [record(False, employees=150, conversion_action="contact_form")] * 3
        + [record(True, employees=150, conversion_action="download")] * 4
        + [record(False, employees=150, conversion_action="download")] * 16
        + [record(True, employees=20, conversion_action="contact_form")] * 4
        + [record(False, employees=20, conversion_action="contact_form")] * 16
        + [record(True, employees=20, conversion_action="download")] * 5
        + [record(False, employees=20, conversion_action="download")] * 25
    )
    found = patterns(records, trait_table(records))
    assert [p.traits for p in found[:2]] == [(("size", "100–249"),), (("conversion_action", "contact_form"),)]
    pair = found[2]
    assert set(pair.traits) == {("size", "100–249"), ("conversion_action", "contact_form")}
    assert (pair.leads, pair.won, pair.won_share) == (30, 27, 27 / 40)
    text = describe_pattern(pair)
    assert text.startswith("68 % of won leads had ")
    assert "100–249 employees" in text and "Contact form as first conversion action" in text
    assert "(won rate 90 %, " in text


def test_vague_values_make_no_pattern():
    records = [record(True, channel="other")] * 40 + [record(False, channel="google_ads")] * 40
    assert all(("channel", "other") not in p.traits for p in patterns(records, trait_table(records)))


def test_a_pattern_reads_in_dutch(settings):
    from django.utils import translation

    with translation.override("nl"):
        text = describe_pattern(Pattern((("size", "100–249"),), 10, 8, 0.8, 0.4))
    assert text.startswith("80 % van de gewonnen leads had 100–249 medewerkers")


def test_the_page_shows_the_most_common_values_of_each_trait_and_counts_the_rest():
    records = [record(sector=sector) for sector in ("food", "metal", "pharma", "food")]
    groups = dict((attribute, (rows, more)) for attribute, rows, more in rows_by_trait(trait_table(records), limit=2))
    rows, more = groups["sector"]
    assert [row.value for row in rows] == ["food", "metal"] and more == 1


def test_a_pair_that_wins_no_more_than_its_traits_alone_is_no_pattern():
    # Every contact form came through a referral: the pair is the single trait again.
    records = (
        [record(True, channel="referral", conversion_action="contact_form")] * 40
        + [record(False, channel="referral", conversion_action="contact_form")] * 10
        + [record(False, channel="meta", conversion_action="download")] * 50
    )
    found = patterns(records, trait_table(records))
    assert all(len(p.traits) == 1 for p in found)
    assert {p.traits for p in found} >= {(("channel", "referral"),), (("conversion_action", "contact_form"),)}


# --- behaviour in the window before MQL ----------------------------------------------------


def timed(kind, days, seconds=None) -> ActivityRow:
    return ActivityRow(kind, T0 + timedelta(days=days), seconds=seconds)


def window_record(activities, *, window_end_days, won=False) -> LeadRecord:
    return LeadRecord(LeadFacts(arrived_at=T0), tuple(activities), won, window_end=T0 + timedelta(days=window_end_days))


def traits(record: LeadRecord) -> dict:
    return {name: value for name, value in window_traits(record)}


def test_touchpoints_count_the_activities_in_the_30_days_up_to_the_window_end():
    # Days 0 and 5 are more than 30 days before day 40; days 10 (exactly 30 days), 25 and 40 count.
    activities = [timed(Activity.Kind.EMAIL_OPEN, d) for d in (0, 5, 10, 25)] + [timed(Activity.Kind.PRICING_PAGE, 40)]
    assert traits(window_record(activities, window_end_days=40)) == {Trait.TOUCHPOINTS: "2–3"}
    assert traits(window_record(activities, window_end_days=26)) == {Trait.TOUCHPOINTS: "4+"}
    assert traits(window_record(activities[:1], window_end_days=31)) == {Trait.TOUCHPOINTS: "0"}
    assert traits(window_record([], window_end_days=1)) == {Trait.TOUCHPOINTS: "0"}


def test_minutes_on_site_add_up_the_timed_activities_in_the_window():
    visits = [timed(Activity.Kind.PAGE_VISIT, 1, seconds=200), timed(Activity.Kind.PAGE_VISIT, 2, seconds=130),
              timed(Activity.Kind.EMAIL_OPEN, 3)]
    assert traits(window_record(visits, window_end_days=5))[Trait.TIME_ON_SITE] == "5–14"  # 330 s: 5 minutes
    assert traits(window_record(visits[1:], window_end_days=5))[Trait.TIME_ON_SITE] == "1–4"
    # Its visits were all before the window: it spent no time on the site in it.
    assert traits(window_record(visits, window_end_days=60))[Trait.TIME_ON_SITE] == "0"
    # Activities that never say how long: no time on site at all, rather than zero minutes.
    assert Trait.TIME_ON_SITE not in traits(window_record(visits[2:], window_end_days=5))


def test_without_a_window_end_the_window_ends_at_the_last_activity():
    activities = [timed(Activity.Kind.PAGE_VISIT, d) for d in (0, 50, 60)]
    assert traits(LeadRecord(LeadFacts(arrived_at=T0), tuple(activities)))[Trait.TOUCHPOINTS] == "2–3"


def test_window_traits_are_traits_with_rates_and_read_as_a_pattern():
    many = [timed(Activity.Kind.PAGE_VISIT, d) for d in (1, 2)]
    records = [window_record(many, window_end_days=3, won=n % 4 != 0) for n in range(40)]
    records += [window_record([], window_end_days=3, won=n % 4 == 0) for n in range(40)]
    table = trait_table(records)
    row = table.row(Trait.TOUCHPOINTS, "2–3")
    assert (row.leads, row.won, row.rate, row.lift) == (40, 30, 0.75, pytest.approx(1.5))
    assert (Trait.TOUCHPOINTS, "2–3") in traits_of(records[0])
    (pattern, *_rest) = patterns(records, table)
    assert describe_pattern(pattern) == "75 % of won leads had 2–3 touchpoints within a month before MQL (won rate 75 %, 1.5× the average)"
