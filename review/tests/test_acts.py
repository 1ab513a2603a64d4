from datetime import timedelta

import pytest
from django.db import IntegrityError

from handoff.models import Notification
from review import acts
from review.models import ActionItem, MeetingAct
from review.tests.world import NOW, WEEK

pytestmark = pytest.mark.django_db


def test_each_act_is_logged_with_who_when_and_which_review(manager, rep, week_world):
    d, north = week_world.leads["D"], week_world.north
    acts.mark_discussed(d, by=manager, now=NOW, week=WEEK, team=north)
    acts.nudge_owner(d, by=manager, now=NOW, week=WEEK, team=north)
    acts.reassign(d, to=rep, reason="Back from holiday", by=manager, now=NOW, week=WEEK, team=north)
    action = acts.record_action(text="Call D", owner=rep, due_week=WEEK.shifted(2), by=manager, now=NOW, week=WEEK, team=north, lead=d)
    acts.mark_done(action, by=manager, now=NOW, week=WEEK.shifted(1))
    logged = MeetingAct.objects.order_by("id").values_list("kind", "by", "at", "week_starts_on", "team", "lead")
    K = MeetingAct.Kind
    assert list(logged) == [
        (K.DISCUSSED, manager.pk, NOW, WEEK.monday, north.pk, d.pk),
        (K.NUDGED, manager.pk, NOW, WEEK.monday, north.pk, d.pk),
        (K.REASSIGNED, manager.pk, NOW, WEEK.monday, north.pk, d.pk),
        (K.ACTION_RECORDED, manager.pk, NOW, WEEK.monday, north.pk, d.pk),
        (K.ACTION_DONE, manager.pk, NOW, WEEK.shifted(1).monday, north.pk, d.pk),
    ]


def test_a_nudge_goes_once_a_business_day_and_says_the_deadline(manager, other_rep, week_world):
    d = week_world.leads["D"]
    assert acts.nudge_owner(d, by=manager, now=NOW, week=WEEK, team=None)
    assert not acts.nudge_owner(d, by=manager, now=NOW + timedelta(hours=3), week=WEEK, team=None)
    [message] = Notification.objects.filter(kind=Notification.Kind.NUDGE)
    assert message.recipient == other_rep and message.context["due_by"] == d.respond_by.isoformat()
    assert acts.nudge_owner(d, by=manager, now=NOW + timedelta(days=1), week=WEEK, team=None)


def test_a_lead_without_owner_is_refused_before_anything_is_written(manager, week_world):
    d = week_world.leads["D"]
    d.owner = None
    with pytest.raises(acts.ActRefused):
        acts.nudge_owner(d, by=manager, now=NOW, week=WEEK, team=None)
    assert not MeetingAct.objects.exists()


def test_the_database_refuses_a_second_discussed_mark_of_the_same_week(manager, week_world):
    d = week_world.leads["D"]
    assert acts.mark_discussed(d, by=manager, now=NOW, week=WEEK, team=None)
    assert not acts.mark_discussed(d, by=manager, now=NOW, week=WEEK, team=None)
    assert acts.mark_discussed(d, by=manager, now=NOW, week=WEEK.shifted(1), team=None)  # another week's meeting
    with pytest.raises(IntegrityError):
        MeetingAct.objects.create(kind=MeetingAct.Kind.DISCUSSED, lead=d, by=manager, at=NOW, on_day=NOW.date(), week_starts_on=WEEK.monday)


def test_marking_an_action_done_twice_counts_once(manager, rep, week_world):
    action = acts.record_action(text="x", owner=rep, due_week=WEEK, by=manager, now=NOW, week=WEEK, team=None)
    assert acts.mark_done(action, by=manager, now=NOW, week=WEEK)
    assert not acts.mark_done(ActionItem.objects.get(), by=rep, now=NOW, week=WEEK)
    assert ActionItem.objects.get().done_by == manager


def test_open_actions_of_a_review_are_its_teams_from_that_week_on(manager, rep, week_world):
    north, south = week_world.north, week_world.south
    theirs = acts.record_action(text="north", owner=rep, due_week=WEEK.shifted(1), by=manager, now=NOW, week=WEEK, team=north)
    other = acts.record_action(text="south", owner=rep, due_week=WEEK.shifted(1), by=manager, now=NOW, week=WEEK, team=south)
    assert list(ActionItem.objects.open_in(WEEK.shifted(1).monday, team_id=north.pk)) == [theirs]
    assert list(ActionItem.objects.open_in(WEEK.shifted(-1).monday, team_id=north.pk)) == []
    assert set(ActionItem.objects.open_in(WEEK.monday, team_id=None)) == {theirs, other}
