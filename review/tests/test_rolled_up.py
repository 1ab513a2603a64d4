import random
from datetime import timedelta

import pytest

from handoff.models import current_agreement
from leads import rollups
from leads.models import Lead
from review import metrics, rolled_up
from review.tests.world import NOW, WEEK, local

pytestmark = pytest.mark.django_db
COUNTS = [
    "mqls", "due", "within_sla", "never_contacted", "waiting", "attempts", "returned", "written_off_early",
    "with_feedback", "open_breaches", "missed_first_contact", "missed_deadlines", "accepted", "rejected",
    "complete", "sqls", "system_count", "rep_count",
]
FIELD = {"team": "team_id", "owner": "owner_id"}


def read(groupings, *, now=NOW, first=WEEK, last=WEEK, team_id=None, agreement=None):
    agreement = agreement or current_agreement()
    return rolled_up.lines(
        first=first, last=last, team_id=team_id, groupings=groupings, agreement=agreement,
        leads=metrics.handed_over_between(first.start_at, last.end_at, team_id=team_id),
        conditions=metrics.figure_filters(now=now, agreement=agreement),
    )


def exact(grouping, *, now=NOW):
    """The same figures counted on the leads themselves, as the review did before its rollup."""
    leads = metrics.handed_over_between(WEEK.start_at, WEEK.end_at)
    facts = metrics._facts(now=now, agreement=current_agreement())
    if not grouping:
        return {(): leads.aggregate(**facts)}
    rows = leads.values(*[FIELD[name] for name in grouping]).annotate(**facts)
    return {tuple(row[FIELD[name]] for name in grouping): row for row in rows}


@pytest.mark.parametrize("grouping", [("team",), ("team", "owner")])
def test_every_count_from_the_rollup_equals_the_count_on_the_leads(week_world, rep, other_rep, grouping):
    from review.tests.world import add_notifications

    add_notifications(week_world, rep=rep, other_rep=other_rep)
    (found,) = read([grouping])
    expected = exact(grouping)
    assert found.keys() == expected.keys() and len(found) >= 2
    for key, row in expected.items():
        assert {name: found[key][name] for name in COUNTS} == {name: row[name] or 0 for name in COUNTS}, key


def test_the_weeks_total_holds_every_figure_of_the_hand_worked_week(week_world):
    (weeks,) = read([("week",)])
    total = weeks[(WEEK.monday,)]
    assert (total["mqls"], total["due"], total["within_sla"], total["never_contacted"]) == (6, 6, 4, 1)
    assert (total["written_off_early"], total["open_breaches"], total["missed_deadlines"]) == (1, 1, 2)
    assert total["response"] == [7200, 39600]  # one time per band: exact


def test_what_depends_on_now_follows_now(week_world):
    """D's deadline is Thursday 1 April 15:30: before it D still has time, after it D is never
    contacted and an open breach."""
    before, after = local(1, 15, month=4), local(1, 16, month=4)
    (weeks,) = read([("week",)], now=before)
    total = weeks[(WEEK.monday,)]
    assert (total["never_contacted"], total["waiting"], total["due"], total["open_breaches"]) == (0, 1, 5, 0)
    (weeks,) = read([("week",)], now=after)
    total = weeks[(WEEK.monday,)]
    assert (total["never_contacted"], total["waiting"], total["due"], total["open_breaches"]) == (1, 0, 6, 1)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_response_time_percentiles_from_the_rollup_are_within_3_percent_or_a_second(seed, team, rep):
    rng = random.Random(seed)
    ids = []
    for n in range(150):
        handed = WEEK.start_at + timedelta(minutes=rng.randint(0, 7 * 24 * 60 - 1))
        lead = Lead.objects.create(email=f"p{n}@example.nl", channel="meta", owner=rep, team=team, created_at=handed)
        lead.move_to(Lead.Stage.MQL, rule="test", at=handed)
        seconds = int(rng.lognormvariate(8, 2)) if rng.random() < 0.9 else rng.randint(0, 40)
        Lead.objects.filter(pk=lead.pk).update(first_contact_business_seconds=seconds, first_attempt_at=handed)
        ids.append(lead.pk)
    rollups.refresh(Lead.objects, ids)  # written past the write functions
    (weeks,) = read([("week",)])
    found = weeks[(WEEK.monday,)]["response"]
    expected = exact(())[()]["response"]
    for got, want in zip(found, expected, strict=True):
        assert abs(got - want) <= max(rolled_up.ERROR_SHARE * want, rolled_up.ERROR_SECONDS), (got, want)


def test_the_trend_reads_twelve_weeks_in_three_queries(week_world, django_assert_num_queries):
    agreement = current_agreement()
    with django_assert_num_queries(3):
        (weeks,) = read([("week",)], first=WEEK.shifted(-11), last=WEEK, agreement=agreement)
    assert {key: row["mqls"] for key, row in weeks.items()} == {(WEEK.monday,): 6, (WEEK.shifted(-1).monday,): 1}
