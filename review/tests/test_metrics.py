from datetime import timedelta

import pytest

from handoff.models import HandoffSettings, current_agreement
from leads.models import Lead
from review import metrics
from review.tests.world import NOW, WEEK, add_notifications, local

pytestmark = pytest.mark.django_db
HOUR = 3600


def review_of(week=WEEK, team_id=None):
    return metrics.review(
        week=week, team_id=team_id, now=NOW, agreement=current_agreement(), calendar=HandoffSettings.load().calendar()
    )


def test_business_time_to_first_contact_is_stored_when_the_attempt_is_logged(week_world):
    seconds = {name: lead.first_contact_business_seconds for name, lead in week_world.leads.items()}
    assert seconds == {
        "A": 2 * HOUR,
        "B": int(1.5 * HOUR),  # across Good Friday, the weekend, the DST change and Easter Monday
        "C": 17 * HOUR,  # handed over on Saturday, called after closing on Wednesday
        "D": None,
        "E": 2 * HOUR,  # the second attempt does not change the first
        "F": HOUR // 2,
        "G": None,
        "H": None,
    }


def test_week_totals_match_the_hand_worked_figures(week_world):
    total = review_of().total
    assert (total.mqls, total.due, total.within_sla, total.waiting) == (6, 6, 4, 0)
    assert total.within_sla_share == pytest.approx(4 / 6)
    assert total.median_seconds == 7200
    assert total.p90_seconds == 39600
    assert total.never_contacted == 1
    assert total.attempts == 6 and total.attempts_per_lead == 1.0
    assert total.returned == 2
    assert total.written_off_early == 1
    assert total.with_feedback == 3 and total.feedback_share == 0.5
    assert total.open_breaches == 1
    assert (total.accepted, total.rejected, total.accepted_share) == (3, 2, 0.6)
    assert total.complete_share == pytest.approx(5 / 6)
    assert total.mql_to_sql == pytest.approx(1 / 6)


def test_figures_are_judged_against_the_agreement(week_world):
    judged = review_of().judged
    assert {key: j.status for key, j in judged.items()} == {
        "within_sla": "bad",  # 66.7 % of 100 %
        "median": "good",  # 2 h of 24 h
        "p90": "good",  # 11 h
        "never_contacted": "bad",  # 1 of 6 MQLs is more than the 10 % margin
        "written_off_early": "bad",
        "feedback": "bad",
        "open_breaches": "bad",
        "delivered": "bad",  # 6 of 120 × 12 / 52 = 27.7 a week
        "accepted": "bad",  # 60 % of 80 %: amber would start at 72 %
        "complete": "bad",  # 83.3 %: amber from 90 %
        "mql_to_sql": "bad",
    }
    assert judged["delivered"].target == pytest.approx(120 * 12 / 52)


def test_each_team_and_rep_has_its_line_and_a_rep_without_leads_is_listed_empty(week_world):
    blocks = {block.team.label: block for block in review_of().teams}
    north, south = blocks["Nieuwe klanten"], blocks["Zuid"]
    assert (north.team.mqls, south.team.mqls) == (5, 1)
    reps = {rep.label: rep for rep in north.reps}
    assert (reps["Rep"].mqls, reps["Otherrep"].mqls, reps["Idle"].mqls) == (3, 2, 0)
    assert reps["Rep"].median_seconds == 2 * HOUR  # 1.5 h, 2 h, 2 h
    assert reps["Rep"].within_sla == 2  # A and B; E missed its 15 minutes
    assert reps["Otherrep"].never_contacted == 1
    idle = reps["Idle"]
    assert idle.within_sla_share is None and idle.median_seconds is None and idle.feedback_share is None
    assert south.team.median_seconds == HOUR / 2


def test_choosing_a_team_narrows_every_figure(week_world):
    data = review_of(team_id=week_world.south.pk)
    assert data.total.mqls == 1
    assert [block.team.label for block in data.teams] == ["Zuid"]
    assert [(r.label, r.leads) for r in data.reasons] == [("No fit: Too small", 1)]
    assert data.judged["delivered"].target is None  # the monthly promise is for all teams
    assert data.missed_count == 0


def test_rejections_by_reason_and_channel(week_world):
    data = review_of()
    assert {r.label: r.leads for r in data.reasons} == {"Not our target group": 1, "No fit: Too small": 1}
    for row in data.reasons:  # each reason's count links to as many leads
        behind = metrics.leads_behind(
            "rejected", week=WEEK, team=None, owner=None, now=NOW, agreement=current_agreement(), reason=row.key
        )
        assert behind.count() == row.leads
    assert sorted((c.label, c.delivered, c.rejected) for c in data.channels) == [("Google Ads", 1, 1), ("Meta", 1, 1)]
    for row in data.channels:  # the lead list behind each count holds as many
        behind = metrics.leads_behind(
            "rejected", week=WEEK, team=None, owner=None, now=NOW, agreement=current_agreement(), channel=row.channel
        )
        assert behind.count() == row.rejected


def test_missed_deadlines_come_from_the_deadlines_and_say_how_late_and_why(week_world):
    data = review_of()
    assert (data.missed_count, data.total.missed_deadlines, data.total.missed_first_contact) == (2, 2, 2)
    assert data.total.missed_first_contact == data.total.due - data.total.within_sla
    e, d = data.missed
    assert (e.lead, d.lead) == (week_world.leads["E"], week_world.leads["D"])  # in order of handoff
    assert e.first_contact_late_seconds == 6300  # 09:15 → 11:00
    assert not e.first_contact_open and not e.is_open and e.reason == "Was in a customer meeting"
    # D: never contacted; from its deadline, Thu 1 April 15:30, to Mon 12 April 12:00: 1.5 h
    # that Thursday, six full working days of 8.5 h (Fri 2, Mon 5 – Fri 9), 3.5 h on Monday.
    assert d.first_contact_open and d.is_open
    assert d.first_contact_late_seconds == d.clock_late_seconds == (1.5 + 6 * 8.5 + 3.5) * HOUR


def test_missed_deadlines_need_no_breach_record_from_the_worker(week_world):
    from handoff.models import SlaBreach

    SlaBreach.objects.all().delete()
    data = review_of()
    assert data.missed_count == 2 and [row.lead.first_name for row in data.missed] == ["E", "D"]


def test_leads_without_feedback_are_listed_oldest_first(week_world):
    data = review_of()
    assert data.no_feedback_count == 3
    assert [lead.first_name for lead in data.no_feedback] == ["B", "C", "D"]


def test_trend_has_twelve_weeks_ending_with_the_chosen_one(week_world):
    points = review_of().trend
    assert [str(p.week) for p in points][0] == "2027-W01" and str(points[-1].week) == "2027-W12"
    assert [p.line.mqls for p in points] == [0] * 10 + [1, 6]  # G arrived in week 11
    assert points[0].line.within_sla_share is None


def test_the_next_week_holds_the_lead_handed_over_at_its_first_minute(week_world):
    data = review_of(week=WEEK.shifted(1))
    assert data.total.mqls == 1  # H, at Monday 00:00 CEST
    assert review_of(week=WEEK.shifted(-1)).total.mqls == 1  # G, Sunday 23:30 CET


def test_an_empty_week_has_no_figures_rather_than_zero_percent(db):
    data = review_of()
    assert data.total.mqls == 0
    assert data.total.within_sla_share is None and data.total.median_seconds is None
    assert all(j.status is None for key, j in data.judged.items() if key != "delivered")
    assert data.missed == [] and data.no_feedback == [] and data.reasons == []


def test_the_review_takes_a_fixed_number_of_queries(week_world, django_assert_num_queries):
    agreement, calendar = current_agreement(), HandoffSettings.load().calendar()
    with django_assert_num_queries(12):
        metrics.review(week=WEEK, team_id=None, now=NOW, agreement=agreement, calendar=calendar)
    for n in range(3):  # more leads, more weeks of data: the same queries
        Lead.objects.create(email=f"x{n}@example.nl", channel="meta").move_to(
            Lead.Stage.MQL, rule="test", at=local(1 + n, 10) - timedelta(days=14 * n)
        )
    with django_assert_num_queries(12):
        metrics.review(week=WEEK, team_id=week_world.north.pk, now=NOW, agreement=agreement, calendar=calendar)


def test_rejection_reasons_are_grouped_by_their_codes_in_every_language():
    from django.utils import translation

    from common.messages import choice, joined
    from leads.models import Feedback
    from sales.texts import reason_with_note

    chosen = reason_with_note("reject_reason", "not_sales_ready", "call back in May")
    verdict = Feedback(
        disposition=Feedback.Disposition.NO_FIT, no_fit_reason=Feedback.NoFitReason.TOO_SMALL, reason_text="only 4 people"
    ).summary()
    no_urgency = Feedback(disposition=Feedback.Disposition.NO_URGENCY, reason_text="next year").summary()
    with translation.override("en"):
        assert metrics.rejection_reason("", chosen) == ("reject_reason:not_sales_ready", "Not sales-ready yet")
        assert metrics.rejection_reason("", verdict) == ("disposition:no_fit+no_fit_reason:too_small", "No fit: Too small")
        assert metrics.rejection_reason("", no_urgency)[0] == "disposition:no_urgency"  # the rep's words left out
    with translation.override("nl"):
        key, words = metrics.rejection_reason("", chosen)
        assert key == "reject_reason:not_sales_ready" and words == "Nog niet klaar voor sales"
        assert metrics.rejection_reason("", verdict)[0] == "disposition:no_fit+no_fit_reason:too_small"
    # Typed by a person: its words up to the first colon; none at all has its own key.
    assert metrics.rejection_reason("Not our target group: a reseller", None) == ("typed:Not our target group", "Not our target group")
    assert metrics.rejection_reason("", None)[0] == metrics.NO_REASON
    assert metrics.rejection_reason("", joined([choice("reject_reason", "duplicate")]))[0] == "reject_reason:duplicate"


def test_the_two_clocks_per_team_and_rep(week_world, rep, other_rep, django_assert_num_queries):
    add_notifications(week_world, rep=rep, other_rep=other_rep)
    agreement, calendar = current_agreement(), HandoffSettings.load().calendar()
    with django_assert_num_queries(12):  # the clocks ride along in the existing queries
        data = metrics.review(week=WEEK, team_id=None, now=NOW, agreement=agreement, calendar=calendar)
    t = data.total
    assert (t.system.count, t.system.median_seconds, t.system.p90_seconds) == (4, 450, pytest.approx(1440))
    assert (t.rep.count, t.rep.median_seconds, t.rep.p90_seconds) == (4, 186150, pytest.approx(390600))
    north, south = data.teams
    assert (north.team.system.median_seconds, north.team.rep.median_seconds) == (300, 365400)
    assert (south.team.system.median_seconds, south.team.rep.median_seconds) == (600, 1200)
    reps = {line.owner_id: line for line in north.reps}
    assert (reps[rep.pk].system.median_seconds, reps[rep.pk].rep.median_seconds) == (1050, 204150)
    assert (reps[other_rep.pk].system.count, reps[other_rep.pk].rep.median_seconds) == (1, 365400)
    assert reps[week_world.idle_rep.pk].system.count == 0  # no MQLs: empty clocks


def test_the_two_clocks_are_empty_without_messages(week_world):
    agreement, calendar = current_agreement(), HandoffSettings.load().calendar()
    data = metrics.review(week=WEEK, team_id=None, now=NOW, agreement=agreement, calendar=calendar)
    assert (data.total.system.count, data.total.rep.count, data.total.rep.median_seconds) == (0, 0, None)
