"""A small, hand-built funnel whose every figure the tests work out by hand.

Times are whole hours after T (Monday 2 November 2026, 09:00 UTC = 10:00 in Amsterdam), so
every lead time is easy to check. The period under test is 1–15 November 2026 (Amsterdam
days): from 31 October 23:00 UTC up to 15 November 23:00 UTC.

lead  arrived        path (hours after T)                                   channel / campaign
A     T              MQL 1, SAL 3, SQL 27, opportunity 51, won 123 (€10,000)  google_ads / Search
B     T              quote request: SQL 2 (skips MQL, SAL), lost 26         google_ads / Brand
C     T+24           MQL 25, nurture 30, MQL 40 (recycled), SAL 49, disq. 50 meta / —
D     T+48           MQL 49, never contacted                                 meta / Lookalike
E     T+48           disqualified 5 minutes later                            organic
F     T+72           SQL 73 (skips), nurture 80, MQL 100 (stamp later than SQL) referral
L     T+96           MQL 97, SAL 98, SQL 99, opportunity 100, lost 200        linkedin
H     31 Oct 23:30 UTC (1 Nov 00:30 local): in the period, nothing more      direct
I     15 Nov 22:59 UTC (23:59 local): in the period, nothing more            event
G     31 Oct 22:30 UTC (23:30 local, before the period); MQL 3 Nov 10:00 UTC email
J     15 Nov 23:00 UTC (16 Nov 00:00 local): after the period                direct
K     1 Sep; SQL 1 Oct, opportunity 10 Oct, won 5 Nov (€5,000), all 10:00 UTC  linkedin

Teams: A, B, L in North (owners rep, other_rep, rep); C, D in South (owner manager); F has
no team. Companies: A's is a machinery maker; C's food company is an existing customer.
First contact attempts: A at 2 (2 attempts), B at 3 (1), C at 29 (3), L at 97:10 (1).
Feedback: A became SQL (good, at 27), B became SQL (good, at 2), C no fit – too small (bad,
at 30) and later no urgency (at 50), D not reached (at 60), G wrong contact (3 Nov 12:00 UTC).
Comments for marketing: A's ("Prima lead") and B's ("Offerte binnen een dag"), C's no fit
("Drie man personeel"). Lost reasons: B price (deal value €2,500), L none given. Original
source: A and B "google / cpc", L "Beurs Hannover", the others none.

Speed to lead (`add_speed_facts`, for the tests that need it): intent tiers A and B high, L
mid, the others none; business time to first contact A 4 min, C 2 h, L 10 min, B none stored
(imported). Messages to the owner, sent (hours after T): A "new lead" to rep at 1:02 (and one
at 0:30, before its MQL, and an "at risk" one at 1:01: neither counts), B to other_rep at
2:10, C to manager at 26 (and to rep at 25:01: not the owner), L to rep at 97:20 (after the
attempt at 97:10), D's to manager never sent.

Sourcing and campaigns (`add_sourcing_facts`): every lead marketing's but B sales' own, L a
partner's (deal value €4,000), F and K customer referrals. Campaigns: "Search" (budget €2,000)
linked to A and H, "Brand" (€500) to B, "Lookalike" (no budget) to D.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from dashboard.filters import Filters
from handoff.models import Notification
from leads import rollups
from leads.models import Campaign, Company, Feedback, Lead, Team

S = Lead.Stage
UTC = timezone.utc
T = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
FIRST_DAY, LAST_DAY = date(2026, 11, 1), date(2026, 11, 15)
HOUR = 3600


def hours(n: float) -> datetime:
    return T + timedelta(hours=n)


def period(**filters) -> Filters:
    return Filters(first_day=FIRST_DAY, last_day=LAST_DAY, **filters)


@dataclass
class World:
    leads: dict[str, Lead]
    north: Team
    south: Team


def make_lead(arrived, moves=(), *, channel, campaign="", **fields) -> Lead:
    lead = Lead.objects.create(created_at=arrived, channel=channel, campaign=campaign, **fields)
    rollups.refresh(Lead.objects, [lead.pk])  # created past the write functions that roll up
    for stage, at in moves:
        lead.move_to(stage, rule="test", at=at)
    return lead


def contacted(lead: Lead, first_at: datetime, attempts: int) -> None:
    Lead.objects.filter(pk=lead.pk).update(first_attempt_at=first_at, attempt_count=attempts)
    rollups.refresh(Lead.objects, [lead.pk])


def feedback(lead: Lead, at: datetime, disposition: str, **fields) -> None:
    Feedback.objects.create(lead=lead, given_at=at, disposition=disposition, **fields)
    rollups.refresh(Lead.objects, [lead.pk])  # created past sales' write function, which rolls it up


def build_world(*, team, rep, other_rep, manager) -> World:
    north, south = team, Team.objects.create(name="Zuid", kind=Team.Kind.NEW_BUSINESS)
    machinery = Company.objects.create(name="Machinebouw", sector="machinery")
    food_customer = Company.objects.create(name="Zuivel", sector="food", is_customer=True)
    D = Feedback.Disposition
    leads = {}
    leads["A"] = make_lead(
        T,
        [(S.MQL, hours(1)), (S.SAL, hours(3)), (S.SQL, hours(27)), (S.OPPORTUNITY, hours(51)), (S.WON, hours(123))],
        channel="google_ads", campaign="Search", team=north, owner=rep, company=machinery,
        deal_value=Decimal("10000"), source="google / cpc",
    )
    leads["B"] = make_lead(
        T, [(S.SQL, hours(2)), (S.LOST, hours(26))],
        channel="google_ads", campaign="Brand", team=north, owner=other_rep,
        source="google / cpc", deal_value=Decimal("2500"), lost_reason="price",
    )
    leads["C"] = make_lead(
        hours(24),
        [(S.MQL, hours(25)), (S.NURTURE, hours(30)), (S.MQL, hours(40)), (S.SAL, hours(49)), (S.DISQUALIFIED, hours(50))],
        channel="meta", team=south, owner=manager, company=food_customer,
    )
    leads["D"] = make_lead(
        hours(48), [(S.MQL, hours(49))],
        channel="meta", campaign="Lookalike", team=south, owner=manager,
    )
    leads["E"] = make_lead(
        hours(48), [(S.DISQUALIFIED, hours(48) + timedelta(minutes=5))], channel="organic"
    )
    leads["F"] = make_lead(
        hours(72), [(S.SQL, hours(73)), (S.NURTURE, hours(80)), (S.MQL, hours(100))],
        channel="referral",
    )
    leads["L"] = make_lead(
        hours(96),
        [(S.MQL, hours(97)), (S.SAL, hours(98)), (S.SQL, hours(99)), (S.OPPORTUNITY, hours(100)), (S.LOST, hours(200))],
        channel="linkedin", team=north, owner=rep, source="Beurs Hannover",
    )
    leads["H"] = make_lead(datetime(2026, 10, 31, 23, 30, tzinfo=UTC), channel="direct")
    leads["I"] = make_lead(datetime(2026, 11, 15, 22, 59, tzinfo=UTC), channel="event")
    leads["G"] = make_lead(
        datetime(2026, 10, 31, 22, 30, tzinfo=UTC),
        [(S.MQL, datetime(2026, 11, 3, 10, 0, tzinfo=UTC))],
        channel="email",
    )
    leads["J"] = make_lead(datetime(2026, 11, 15, 23, 0, tzinfo=UTC), channel="direct")
    leads["K"] = make_lead(
        datetime(2026, 9, 1, 10, 0, tzinfo=UTC),
        [
            (S.SQL, datetime(2026, 10, 1, 10, 0, tzinfo=UTC)),
            (S.OPPORTUNITY, datetime(2026, 10, 10, 10, 0, tzinfo=UTC)),
            (S.WON, datetime(2026, 11, 5, 10, 0, tzinfo=UTC)),
        ],
        channel="linkedin", deal_value=Decimal("5000"),
    )
    contacted(leads["A"], hours(2), 2)
    contacted(leads["B"], hours(3), 1)
    contacted(leads["C"], hours(29), 3)
    contacted(leads["L"], hours(97) + timedelta(minutes=10), 1)
    feedback(leads["A"], hours(27), D.BECAME_SQL, quality="good", quality_comment="Prima lead")
    feedback(leads["B"], hours(2), D.BECAME_SQL, quality="good", quality_comment="Offerte binnen een dag")
    feedback(leads["C"], hours(30), D.NO_FIT, no_fit_reason="too_small", quality="bad",
             quality_comment="Drie man personeel")
    feedback(leads["C"], hours(50), D.NO_URGENCY)
    feedback(leads["D"], hours(60), D.NOT_REACHED)
    feedback(leads["G"], datetime(2026, 11, 3, 12, 0, tzinfo=UTC), D.WRONG_CONTACT)
    return World(leads=leads, north=north, south=south)


def notify(lead: Lead, to, at: datetime | None, kind=Notification.Kind.ASSIGNED) -> None:
    status = Notification.Status.SENT if at else Notification.Status.PENDING
    Notification.objects.create(lead=lead, recipient=to, kind=kind, status=status, sent_at=at, created_at=at or T)
    rollups.refresh(Lead.objects, [lead.pk])  # the two clocks' histograms (the worker's mark_sent does this)


def add_speed_facts(world: World, *, rep, other_rep, manager) -> None:
    leads = world.leads
    for name, tier in (("A", "high"), ("B", "high"), ("L", "mid")):
        Lead.objects.filter(pk=leads[name].pk).update(intent_tier=tier)
    for name, seconds in (("A", 240), ("C", 2 * HOUR), ("L", 600)):
        Lead.objects.filter(pk=leads[name].pk).update(first_contact_business_seconds=seconds)
    minutes = lambda n: timedelta(minutes=n)  # noqa: E731
    notify(leads["A"], rep, hours(1) + minutes(2))
    notify(leads["A"], rep, hours(0.5))
    notify(leads["A"], rep, hours(1) + minutes(1), kind=Notification.Kind.AT_RISK)
    notify(leads["B"], other_rep, hours(2) + minutes(10))
    notify(leads["C"], manager, hours(26))
    notify(leads["C"], rep, hours(25) + minutes(1))
    notify(leads["L"], rep, hours(97) + minutes(20))
    notify(leads["D"], manager, None)


def add_sourcing_facts(world: World) -> dict[str, Campaign]:
    leads = world.leads
    for name, owner in (("B", "sales"), ("L", "partner"), ("F", "referral"), ("K", "referral")):
        Lead.objects.filter(pk=leads[name].pk).update(source_owner=owner)
    Lead.objects.filter(pk=leads["L"].pk).update(deal_value=Decimal("4000"))
    campaigns = {
        "Search": Campaign.objects.create(name="Search", channel="google_ads", starts_on=date(2026, 10, 1), budget=Decimal("2000")),
        "Brand": Campaign.objects.create(name="Brand", channel="google_ads", starts_on=date(2026, 10, 1), budget=Decimal("500")),
        "Lookalike": Campaign.objects.create(name="Lookalike", channel="meta", starts_on=date(2026, 10, 1)),
    }
    for campaign, names in (("Search", "AH"), ("Brand", "B"), ("Lookalike", "D")):
        Lead.objects.filter(pk__in=[leads[n].pk for n in names]).update(linked_campaign=campaigns[campaign])
    rollups.refresh(Lead.objects, [lead.pk for lead in leads.values()])  # updated past the write functions
    return campaigns
def add_account_events(world: World) -> None:
    """After the sale (`dashboard/metrics/aftersales.py`): A (won at 123) reached first value
    two days after its win, expanded by €2,000 (30 days on) and €500 (40 days on) and renewed
    (a year on); K (won 5 November) reached first value ten days after its win and churned two
    days later (price)."""
    from leads.models import AccountEvent

    Kind = AccountEvent.Kind
    a, k = world.leads["A"], world.leads["K"]
    a_won, k_won = hours(123), datetime(2026, 11, 5, 10, 0, tzinfo=UTC)
    days = lambda n: timedelta(days=n)  # noqa: E731
    AccountEvent.objects.bulk_create([
        AccountEvent(lead=a, kind=Kind.FIRST_VALUE, occurred_at=a_won + days(2)),
        AccountEvent(lead=a, kind=Kind.EXPANSION, occurred_at=a_won + days(30), value=Decimal("2000")),
        AccountEvent(lead=a, kind=Kind.EXPANSION, occurred_at=a_won + days(40), value=Decimal("500")),
        AccountEvent(lead=a, kind=Kind.RENEWAL, occurred_at=a_won + days(365), value=Decimal("10000")),
        AccountEvent(lead=k, kind=Kind.FIRST_VALUE, occurred_at=k_won + days(10)),
        AccountEvent(lead=k, kind=Kind.CHURN, occurred_at=k_won + days(12), churn_reason="price"),
    ])
    rollups.refresh(Lead.objects, [a.pk, k.pk])  # stored past the write functions that roll up


def add_assignments(world: World, *, rep, other_rep, manager) -> None:
    """Routing (`dashboard/metrics/routing.py`), hours after T unless said otherwise:
    A by rule "Noord" to rep at 1, never changed; B by "Noord" to other_rep at 2, reassigned by
    the manager to rep at 30 ("Spreekt Duits"); L by "Noord" to rep at 97, reassigned by the
    manager at 98 ("Spreekt Duits"); I by "Noord" to rep on 16 November (too recent to judge);
    C by "Zuid" to manager at 25, passed on by the SLA policy (by nobody) eight days later; D to
    the fallback owner (manager) at 49; F unassigned at 73, given to rep by the manager at 74
    ("Uit de wachtrij")."""
    from handoff.models import Assignment

    K = Assignment.Kind
    leads = world.leads

    def assign(name, kind, owner, at, *, rule_name="", by=None, reason="routed"):
        Assignment.objects.create(
            lead=leads[name], kind=kind, owner=owner, rule_name=rule_name, reason=reason, assigned_at=at, assigned_by=by
        )

    assign("A", K.RULE, rep, hours(1), rule_name="Noord")
    assign("B", K.RULE, other_rep, hours(2), rule_name="Noord")
    assign("B", K.REASSIGNED, rep, hours(30), by=manager, reason="Spreekt Duits")
    assign("L", K.RULE, rep, hours(97), rule_name="Noord")
    assign("L", K.REASSIGNED, other_rep, hours(98), by=manager, reason=" Spreekt Duits ")
    assign("I", K.RULE, rep, datetime(2026, 11, 16, 0, 0, tzinfo=UTC), rule_name="Noord")
    assign("C", K.RULE, manager, hours(25), rule_name="Zuid")
    assign("C", K.REASSIGNED, rep, hours(25 + 8 * 24), reason="Manager missed the deadline")
    assign("D", K.FALLBACK, manager, hours(49))
    assign("F", K.UNASSIGNED, None, hours(73))
    assign("F", K.REASSIGNED, rep, hours(74), by=manager, reason="Uit de wachtrij")
    rollups.refresh(Lead.objects, [lead.pk for lead in leads.values()])  # stored past the write functions
