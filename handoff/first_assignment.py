"""A lead's first assignment, as the dashboard's routing quality judges it: which rule (or
how, when no rule did: the fallback owner, the unassigned queue) routed it, when, to whom,
whether its owner changed within the first week, and whether a manager or the SLA policy
reassigned it since.

Each fact is an expression on a lead query (index probes on assignment_lead_at), which
handoff/apps.py names in `leads.rollup_facts.COMPUTED_FACTS`: every write that refreshes a lead's
rollups (the hand-over and reassignment among them, after writing the assignment) keeps them,
and the rollups count the routed leads per arrival day, routing row and day of the first
assignment (`leads.models.rollup`, the "routing…" grouping sets).
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Case, CharField, Exists, Expression, F, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce, Concat

from handoff.models import Assignment

# An owner still there this long after the first assignment was kept.
KEPT_AFTER = timedelta(days=7)
RULE_PREFIX = "rule:"


def routing_row(kind: str, rule_name: str) -> str:
    """The routing-quality row a first assignment counts in: "rule:<name>" for a rule's, else
    its kind."""
    return f"{RULE_PREFIX}{rule_name}" if kind == Assignment.Kind.RULE else kind


def _first(lead=None):
    lead = lead or OuterRef("pk")
    return Assignment.objects.filter(lead=lead).order_by("assigned_at", "pk")


def fact_expressions() -> dict[str, Expression]:
    """The routing facts, by `RolledUpLead` field, as expressions on a lead query."""
    row = Case(
        When(kind=Assignment.Kind.RULE, then=Concat(Value(RULE_PREFIX), "rule_name", output_field=CharField())),
        default=F("kind"),
        output_field=CharField(),
    )
    # The first assignment, seen from another assignment of the same lead.
    first_at = Subquery(_first(OuterRef(OuterRef("pk"))).values("assigned_at")[:1])
    first_owner = Subquery(_first(OuterRef(OuterRef("pk"))).values("owner_id")[:1])
    changed = Assignment.objects.filter(
        lead=OuterRef("pk"), assigned_at__gt=first_at, assigned_at__lte=first_at + KEPT_AFTER
    ).exclude(owner_id=first_owner)
    return {
        "routed_by": Coalesce(Subquery(_first().annotate(row=row).values("row")[:1]), Value(""), output_field=CharField()),
        "first_assigned_at": Subquery(_first().values("assigned_at")[:1]),
        "first_owner_id": Subquery(_first().values("owner_id")[:1]),
        "owner_changed_in_first_week": Exists(changed),
        "reassigned": Exists(Assignment.objects.filter(lead=OuterRef("pk"), kind=Assignment.Kind.REASSIGNED)),
    }
