from dataclasses import replace

import pytest

from handoff.models import Agreement
from review import agenda
from review.metrics import Line
from review.targets import Status
from review.tests.world import WEEK


def review_of(total: Line, previous: Line, *, agreement=None):
    from review.metrics import Review, judge_line

    agreement = agreement or Agreement(version=0, within_sla_percent=90, feedback_percent=80, complete_percent=95)
    return Review(
        week=WEEK, team_id=None, agreement=agreement, total=total, previous=previous, trend=[], teams=[], channels=[],
        reasons=[], missed=[], missed_count=0, no_feedback=[], no_feedback_count=0,
        judged=judge_line(total, agreement, whole_company=True),
    )


WEEK_LINE = Line(
    "now", mqls=10, due=9, within_sla=7, never_contacted=1, with_feedback=8, median_seconds=1800, p90_seconds=7200,
    accepted=6, rejected=2, complete=10, sqls=3,
)
LAST_WEEK = Line(
    "before", mqls=8, due=8, within_sla=7, never_contacted=0, with_feedback=4, median_seconds=3600, p90_seconds=7200,
    accepted=6, rejected=2, complete=8, sqls=1,
)


def test_tiles_come_red_first_then_amber_then_green():
    tiles = agenda.tiles(review_of(WEEK_LINE, LAST_WEEK))
    statuses = [tile.judged.status for tile in tiles]
    assert statuses == sorted(statuses, key=agenda.RANK.get)
    by_key = {tile.figure.key: tile for tile in tiles}
    assert by_key["within_sla"].judged.status == Status.BAD  # 77.8 % of 90 %: more than 10 % short
    assert by_key["feedback"].judged.status == Status.GOOD  # 80 %
    assert by_key["mql_to_sql"].judged.status == Status.GOOD  # 30 %
    assert tiles[0].figure.key == "within_sla"
    assert by_key["accepted"].judged.status == Status.AMBER  # 75 % of 80 %: within the margin
    # off target: in time, and the MQLs delivered (10 of a weekly 27.7)
    assert agenda.summary(tiles) == agenda.Summary(off_target=2, near_miss=1, on_target=5)


def test_a_tile_shows_counts_and_its_change_in_words():
    by_key = {tile.figure.key: tile for tile in agenda.tiles(review_of(WEEK_LINE, LAST_WEEK))}
    sla = by_key["within_sla"]
    assert (sla.value, sla.target, sla.counts) == ("77.8 %", "90.0 %", "7 of 9 in time")
    assert sla.change == agenda.Change("↓", "down 9.7 points from 87.5 % last week: worse", False)
    median = by_key["median"]
    assert median.change == agenda.Change("↓", "down 30 min from 1.0 h last week: better", True)  # lower is better
    assert by_key["p90"].change == agenda.Change("=", "The same as last week (2.0 h).", None)
    assert by_key["feedback"].change.words == "up 30.0 points from 50.0 % last week: better"
    assert by_key["delivered"].change.words == "up 2 from 8 last week: better"
    assert by_key["accepted"].counts == "6 of 8 decided were accepted"


def test_nothing_to_compare_says_so():
    tiles = agenda.tiles(review_of(WEEK_LINE, Line("empty")))
    sla = next(tile for tile in tiles if tile.figure.key == "within_sla")
    assert sla.change == agenda.Change("", "No figure to compare with last week.", None)
    empty = next(tile for tile in agenda.tiles(review_of(Line("empty"), LAST_WEEK)) if tile.figure.key == "within_sla")
    assert (empty.value, empty.counts, empty.judged.status) == ("—", "", None)


@pytest.mark.parametrize(
    ("within_sla", "open_breaches", "expected"), [(7, 0, Status.BAD), (9, 0, Status.GOOD), (9, 5, Status.BAD)]
)
def test_the_missed_deadlines_list_takes_the_worse_of_its_two_verdicts(within_sla, open_breaches, expected):
    data = review_of(replace(WEEK_LINE, within_sla=within_sla, open_breaches=open_breaches), LAST_WEEK)
    assert agenda.list_status(data, "missed") == expected
    assert agenda.list_status(data, "no-feedback") == Status.GOOD
