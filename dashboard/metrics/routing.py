"""Routing quality: did the routing table give leads to the right person the first time?

The leads of the view that were routed (have an assignment), per the rule of their first
assignment (or how they were assigned when no rule did it: the fallback owner, the unassigned
queue). For each: how many were still with their first owner seven days after that first
assignment (only leads routed at least seven days ago can tell, and only those the first
assignment gave an owner), how many were reassigned since (by a manager, or passed on by the
SLA policy after a missed deadline) and why. Three queries from the rollups (a view a
grouping set holds), two from the leads.

Which routed leads: in cohort mode those that arrived in the period; in activity mode those
first routed (their first assignment) in the period, whenever they arrived — a figure that adds
up over periods, read from the activity rollup's rows per day of the first assignment.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

import dashboard.metrics.rolled_up as rolled_up
from dashboard.filters import Filters
from dashboard.metrics.funnel import base_leads, ratio
from handoff.first_assignment import KEPT_AFTER
from handoff.models import Assignment
from leads.models import Lead

REASONS_SHOWN = 3
PASSED_ON = _("Passed on by the SLA policy after a missed deadline")
# The columns, as the lead list behind a count names them.
LEADS, WITH_OWNER, JUDGED, KEPT, REASSIGNED = "leads", "with_owner", "judged", "kept", "reassigned"
FIGURES = {
    LEADS: _("Routed leads"),
    WITH_OWNER: _("Routed leads given an owner"),
    JUDGED: _("Routed leads given an owner at least 7 days ago"),
    KEPT: _("Routed leads still with their first owner after 7 days"),
    REASSIGNED: _("Routed leads reassigned since"),
}


@dataclass(frozen=True)
class RoutingRow:
    key: str  # "rule:<name>", or the assignment kind when no rule assigned the lead
    label: str
    leads: int  # routed leads whose first assignment this was
    with_owner: int  # … that it gave an owner
    judged: int  # … at least seven days ago
    kept: int  # … still with that owner seven days later
    reassigned: int  # … reassigned since (at any time)
    reasons: list[tuple[str, int]] = field(default_factory=list)  # most frequent first

    @property
    def kept_share(self) -> float | None:
        return ratio(self.kept, self.judged)

    @property
    def reassignment_rate(self) -> float | None:
        return ratio(self.reassigned, self.leads)


@dataclass(frozen=True)
class RoutingQuality:
    rows: list[RoutingRow]
    total: RoutingRow


def _first(field_name: str) -> Subquery:
    first = Assignment.objects.filter(lead=OuterRef("pk")).order_by("assigned_at", "pk")
    return Subquery(first.values(field_name)[:1])


def _row_key(kind: str, rule_name: str) -> tuple[str, str]:
    if kind == Assignment.Kind.RULE:
        return f"rule:{rule_name}", rule_name or str(_("(rule deleted)"))
    return kind, str(Assignment.Kind(kind).label) if kind in Assignment.Kind.values else kind


def _routed(filters: Filters):
    """The view's leads that were routed, with their first assignment: in cohort mode those
    that arrived in the period, in activity mode those first assigned in it (whenever they
    arrived)."""
    leads = base_leads(filters) if filters.is_cohort else Lead.objects.order_by().filter(filters.leads_q())
    routed = leads.annotate(
        first_kind=_first("kind"),
        first_rule=_first("rule_name"),
        first_owner=_first("owner_id"),
        first_at=_first("assigned_at"),
    ).filter(first_kind__isnull=False)
    if filters.is_cohort:
        return routed
    return routed.filter(first_at__gte=filters.start_at, first_at__lt=filters.end_at)


def _figures(*, now: datetime) -> dict[str, Q]:
    """Which routed leads each column counts, over _routed()'s annotations."""
    # Another owner (or none) within seven days of the first assignment.
    changed = Assignment.objects.filter(
        lead=OuterRef("pk"),
        assigned_at__gt=OuterRef("first_at"),
        assigned_at__lte=OuterRef("first_at") + KEPT_AFTER,
    ).exclude(owner_id=OuterRef("first_owner"))
    reassigned = Assignment.objects.filter(lead=OuterRef("pk"), kind=Assignment.Kind.REASSIGNED)
    judged = Q(first_owner__isnull=False, first_at__lte=now - KEPT_AFTER)
    return {
        LEADS: Q(),
        WITH_OWNER: Q(first_owner__isnull=False),
        JUDGED: judged,
        KEPT: judged & ~Q(Exists(changed)),
        REASSIGNED: Q(Exists(reassigned)),
    }


def routed_leads(filters: Filters, *, figure: str, row: str | None = None, now: datetime):
    """The leads behind one routing-quality count: `figure` (a FIGURES column) of the row
    `row` (a RoutingRow's key; None: all rows). Raises ValueError for a column the table never shows."""
    if figure not in FIGURES:
        raise ValueError(f"Unknown routing figure {figure!r}.")
    leads = _routed(filters).filter(_figures(now=now)[figure])
    if row is None:
        return leads
    if row.startswith("rule:"):
        return leads.filter(first_kind=Assignment.Kind.RULE, first_rule=row.removeprefix("rule:"))
    return leads.filter(first_kind=row)


def figure_label(figure: str) -> str:
    return str(FIGURES[figure])


def row_label(row: str) -> str:
    """A RoutingRow's label from its key."""
    if row.startswith("rule:"):
        return _row_key(Assignment.Kind.RULE, row.removeprefix("rule:"))[1]
    return _row_key(row, "")[1]


def routing_quality(filters: Filters, *, now: datetime) -> RoutingQuality:
    """Routing quality of the view's routed leads (activity mode: first routed in the period),
    per first rule, worst kept share first. A view a grouping set holds sums the rollups (handoff.first_assignment's facts per lead);
    any other reads the leads and their assignments."""
    counted = rolled_up.routing_rows(filters, judged_before=now - KEPT_AFTER)
    if counted is not None:
        reasons = _reasons_of_facts(rolled_up.routed_facts_of_view(filters))
    else:
        leads = _routed(filters)
        figures = _figures(now=now)
        rows = leads.values("first_kind", "first_rule").annotate(
            leads=Count("pk"),
            with_owner=Count("pk", filter=figures[WITH_OWNER]),
            judged=Count("pk", filter=figures[JUDGED]),
            kept=Count("pk", filter=figures[KEPT]),
            reassigned=Count("pk", filter=figures[REASSIGNED]),
        )
        counted = {_row_key(row.pop("first_kind"), row.pop("first_rule"))[0]: row for row in rows}
        reasons = _reasons(leads)
    result = [
        RoutingRow(key=key, label=row_label(key), **row, reasons=reasons[key].most_common(REASONS_SHOWN))
        for key, row in counted.items()
    ]
    result.sort(key=lambda r: (r.kept_share if r.kept_share is not None else 2, -r.leads, r.label))
    every_reason = sum(reasons.values(), Counter())
    total = RoutingRow(
        key="", label=str(_("Total")),
        **{name: sum(getattr(r, name) for r in result) for name in ("leads", "with_owner", "judged", "kept", "reassigned")},
        reasons=every_reason.most_common(REASONS_SHOWN),
    )
    return RoutingQuality(rows=result, total=total)


def _reasons_of_facts(facts) -> dict[str, Counter]:
    """As _reasons(), for the leads of `facts` (RolledUpLead rows), by their routing row: the
    view's reassigned leads with their row (the partial index rolled_up_lead_reassigned), then
    their reassignments (assignment_lead_at): two reads, not a look-up of the row per
    reassignment."""
    # (The leads without a routing row are skipped here, not in SQL: PostgreSQL takes the two
    # conditions as independent, expects a fortieth of the rows and probes the assignments
    # once per lead instead of hashing them.)
    reassigned = facts.filter(reassigned=True)
    row_of_lead = {lead_id: row for lead_id, row in reassigned.values_list("lead_id", "routed_by") if row}
    rows = (
        # In the order they happened (Assignment's), as _reasons() counts them: ties rank alike.
        Assignment.objects.filter(lead_id__in=reassigned.values("lead_id"), kind=Assignment.Kind.REASSIGNED)
        .annotate(by_person=Q(assigned_by__isnull=False))
        .values_list("lead_id", "by_person", "reason")
    )
    found: dict[str, Counter] = defaultdict(Counter)
    for lead_id, by_person, reason in rows:
        if lead_id in row_of_lead:
            found[row_of_lead[lead_id]][reason.strip() if by_person else str(PASSED_ON)] += 1
    return found


def _reasons(leads) -> dict[str, Counter]:
    """Why the leads were reassigned, per row key: the manager's words as given, or "passed
    on" for the SLA policy's moves (which name the owner, so no two read alike)."""
    rows = (
        Assignment.objects.filter(kind=Assignment.Kind.REASSIGNED, lead__in=leads.values("pk"))
        .annotate(
            first_kind=Subquery(
                Assignment.objects.filter(lead=OuterRef("lead")).order_by("assigned_at", "pk").values("kind")[:1]
            ),
            first_rule=Subquery(
                Assignment.objects.filter(lead=OuterRef("lead")).order_by("assigned_at", "pk").values("rule_name")[:1]
            ),
            by_person=Q(assigned_by__isnull=False),
        )
        .values_list("first_kind", "first_rule", "by_person", F("reason"))
    )
    found: dict[str, Counter] = defaultdict(Counter)
    for kind, rule_name, by_person, reason in rows:
        key, _label = _row_key(kind, rule_name)
        found[key][reason.strip() if by_person else str(PASSED_ON)] += 1
    return found
