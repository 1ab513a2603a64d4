"""What a won lead's account events (leads.models.AccountEvent) add up to, per lead: whether it
churned, how many renewals, when it first reached value and how much expansion revenue it
brought. The rollups keep these as facts of the lead (`RolledUpLead`), so the dashboard's
*after the sale* sums rollup rows instead of reading every customer's events.

Each fact is an expression on a lead query (one index probe on accountevent_lead_kind per
lead), which leads/apps.py names in `leads.rollup_facts.COMPUTED_FACTS` (the rollups, which the
lead model imports, cannot import the events); every write of account events refreshes its
leads' rollups (`leads.rollups.refresh`).
"""

from __future__ import annotations

from django.db.models import Count, DecimalField, Exists, Expression, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from leads.models.account import AccountEvent

Kind = AccountEvent.Kind


def _events(kind: str):
    return AccountEvent.objects.order_by().filter(lead=OuterRef("pk"), kind=kind)


def fact_expressions() -> dict[str, Expression]:
    """The after-sale facts, by `RolledUpLead` field, as expressions on a lead query."""
    money = DecimalField(max_digits=16, decimal_places=2)
    expansion = _events(Kind.EXPANSION).values("lead").annotate(total=Sum("value")).values("total")
    renewals = _events(Kind.RENEWAL).values("lead").annotate(n=Count("pk")).values("n")
    return {
        "churned": Exists(_events(Kind.CHURN)),
        "renewals": Coalesce(Subquery(renewals), 0),
        "first_value_at": Subquery(_events(Kind.FIRST_VALUE).values("occurred_at")[:1]),
        "expansion": Coalesce(Subquery(expansion), Value(0), output_field=money),
    }

