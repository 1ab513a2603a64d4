"""One week worked out by hand: ISO week 12 of 2027, Monday 22 – Sunday 28 March, Amsterdam.

The calendar is Handoff's default: Monday to Friday 08:30–17:00, Dutch public holidays. That
week ends in Easter: Good Friday 26 March and Easter Monday 29 March are closed, and on Sunday
28 March the clocks go from 02:00 CET to 03:00 CEST (UTC+1 → UTC+2).

lead owner      handed over (local)   first attempt (local)   business time  deadline (local)
A    rep        Mon 22 10:00 CET      Mon 22 12:00            2 h            Wed 24 17:00 (24 h)
B    rep        Thu 25 16:00 CET      Tue 30 09:00 CEST       1.5 h (1 + 0.5: Good Friday, weekend, DST, Easter Monday)
                                                                             Thu 1 Apr 14:30 CEST
C    other_rep  Sat 27 11:00 CET      Wed 31 17:30 CEST       17 h (Tue + Wed in full)  Thu 1 Apr 15:30
D    other_rep  Sun 28 10:00 CEST     never                   —              Thu 1 Apr 15:30 (passed)
E    rep        Mon 22 09:00 CET      Mon 22 11:00            2 h            Mon 22 09:15 (15 min): missed
F    south_rep  Tue 23 14:00 CET      Tue 23 14:30            0.5 h          Thu 25 14:00
G    rep        Sun 21 23:30 CET      — the week before: not in the review
H    rep        Mon 29 00:00 CEST     — the week after: not in the review

What happened next: A accepted, became SQL (feedback). B accepted, no feedback. C incomplete
(no job title), rejected by other_rep "Not our target group: …" (back to nurture). D never
contacted, still an MQL with its deadline passed (an open breach). E accepted, a breach of
its 15-minute deadline (recorded, the attempt note says why), a second attempt, then feedback
"not reached" and back to nurture with 2 attempts (written off before 5). F (team South) no
fit – too small, from MQL (a rejection). Channels: C meta, F google_ads, the rest linkedin.

By hand, all teams: 6 MQLs; due 6 (5 contacted + D past its deadline); within SLA 4 (A, B, C,
F) = 66.7 %; business seconds 1800, 5400, 7200, 7200, 61200 → median 7200 (2 h), 90th
percentile 7200 + 0.6 × 54000 = 39600 (11 h); never contacted 1; attempts 6 (1.0 per lead);
back to nurture 2 (C, E); written off early 1 (E); feedback 3 (A, E, F) = 50 %; open breaches
1 (D); accepted 3 (A, B, E) of 5 decided (C, F rejected) = 60 %; complete 5 = 83.3 %; SQL 1
(A) = 16.7 %. Team North: A–E (rep: A, B, E; other_rep: C, D; idle_rep: none). South: F.

The two clocks (`add_notifications`, clock time): owners told of A at 10:05 (system 5 min, rep
1 h 55 min), B at 16:30 (30 min; rep 111.5 h, to Tue 09:00 CEST), C at 11:00 (0; rep 101.5 h),
F at 14:10 (10 min; rep 20 min); D and E never. System 0, 300, 600, 1800 s → median 450, 90th
percentile 1440; rep 1200, 6900, 365400, 401400 s → median 186150, 90th percentile 390600.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from common.roles import Role
from conftest import make_user
from handoff.models import SlaBreach, SlaClock
from leads import rollups
from leads.models import Company, ContactAttempt, Feedback, Lead, Team
from review.weeks import IsoWeek
from sales import actions

AMS = ZoneInfo("Europe/Amsterdam")
WEEK = IsoWeek(2027, 12)
NOW = datetime(2027, 4, 12, 12, 0, tzinfo=AMS)
S = Lead.Stage


def local(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=AMS)


@dataclass
class World:
    leads: dict[str, Lead]
    north: Team
    south: Team
    idle_rep: object
    south_rep: object


def _lead(name, owner, team, company, *, handed_over, deadline, channel="linkedin", job_title="Inkoper"):
    lead = Lead.objects.create(
        first_name=name, last_name="Test", email=f"{name.lower()}@example.nl", phone="010 123 4567", job_title=job_title,
        company=company, channel=channel, conversion_action="quote_request", owner=owner, team=team,
        created_at=handed_over - timedelta(hours=1),
    )
    lead.move_to(S.MQL, rule="test", at=handed_over)
    Lead.objects.filter(pk=lead.pk).update(first_contact_by=deadline)
    lead.refresh_from_db()
    return lead


def _attempt(lead, by, at, note=""):
    lead.refresh_from_db()
    actions.log_attempt(lead, by=by, channel=ContactAttempt.Channel.CALL, outcome=ContactAttempt.Outcome.NO_ANSWER, note=note, at=at)


def build_week(*, team, rep, other_rep, manager) -> World:
    north = team
    south = Team.objects.create(name="Zuid", kind=Team.Kind.NEW_BUSINESS)
    idle_rep = make_user("idle", Role.SALES_REP)
    south_rep = make_user("zuid", Role.SALES_REP)
    north.members.add(idle_rep)
    south.members.add(south_rep)
    company = Company.objects.create(name="Machinebouw", sector="machinery")
    L = {}
    L["A"] = _lead("A", rep, north, company, handed_over=local(22, 10), deadline=local(24, 17))
    L["B"] = _lead("B", rep, north, company, handed_over=local(25, 16), deadline=local(1, 14, 30, month=4))
    L["C"] = _lead("C", other_rep, north, company, handed_over=local(27, 11), deadline=local(1, 15, 30, month=4), channel="meta", job_title="")
    L["D"] = _lead("D", other_rep, north, company, handed_over=local(28, 10), deadline=local(1, 15, 30, month=4))
    L["E"] = _lead("E", rep, north, company, handed_over=local(22, 9), deadline=local(22, 9, 15))
    L["F"] = _lead("F", south_rep, south, company, handed_over=local(23, 14), deadline=local(25, 14), channel="google_ads")
    L["G"] = _lead("G", rep, north, company, handed_over=local(21, 23, 30), deadline=local(24, 15, 30))
    L["H"] = _lead("H", rep, north, company, handed_over=local(29, 0), deadline=local(1, 15, 30, month=4))

    _attempt(L["A"], rep, local(22, 12))
    actions.accept(L["A"], by=rep, at=local(22, 12, 30))
    actions.give_feedback(
        L["A"],
        Feedback(disposition=Feedback.Disposition.BECAME_SQL, confirmed_need=True, confirmed_timing=True),
        by=rep, at=local(23, 10),
    )
    _attempt(L["B"], rep, local(30, 9))
    actions.accept(L["B"], by=rep, at=local(30, 9, 5))
    _attempt(L["C"], other_rep, local(31, 17, 30))
    actions.reject(L["C"], by=other_rep, reason="Not our target group: a reseller", at=local(31, 17, 40))
    Lead.objects.filter(pk=L["D"].pk).update(respond_by=local(1, 15, 30, month=4))
    SlaBreach.objects.create(
        lead=L["E"], clock=SlaClock.Kind.FIRST_CONTACT, policy_name="High intent", due_by=local(22, 9, 15),
        recorded_at=local(22, 9, 16), owner=rep, escalated_to=manager,
    )
    _attempt(L["E"], rep, local(22, 11), note="Was in a customer meeting")
    actions.accept(L["E"], by=rep, at=local(22, 11, 5))
    _attempt(L["E"], rep, local(23, 11))
    Feedback.objects.create(lead=L["E"], given_by=rep, given_at=local(24, 10), disposition=Feedback.Disposition.NOT_REACHED)
    L["E"].move_to(S.NURTURE, by=rep, reason="Not reached", at=local(24, 10))
    _attempt(L["F"], south_rep, local(23, 14, 30))
    actions.give_feedback(
        L["F"],
        Feedback(disposition=Feedback.Disposition.NO_FIT, no_fit_reason=Feedback.NoFitReason.TOO_SMALL),
        by=south_rep, at=local(23, 15),
    )
    rollups.refresh(Lead.objects, [lead.pk for lead in L.values()])  # updated past the write functions
    for lead in L.values():
        lead.refresh_from_db()
    return World(leads=L, north=north, south=south, idle_rep=idle_rep, south_rep=south_rep)


def add_notifications(world: World, *, rep, other_rep) -> None:
    from dashboard.tests.world import notify

    L = world.leads
    notify(L["A"], rep, local(22, 10, 5))
    notify(L["B"], rep, local(25, 16, 30))
    notify(L["C"], other_rep, local(27, 11))
    notify(L["F"], world.south_rep, local(23, 14, 10))
