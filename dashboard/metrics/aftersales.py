"""After the sale: what the won leads of the view became, per channel or any breakdown
dimension (breakdowns._grouping), from their account events (leads.models.AccountEvent).

A customer is a won lead the view counts as won. Churned: it has a churn event; retention is
the share of customers that did not churn (until today). Expansion revenue is the sum of the
expansion events' values; lifetime value the won deal values plus that expansion. Time to
first value runs from the win to the first-value event (median). Ranked by lifetime value.
Cohort mode: the won leads that arrived in the period; activity mode: the wins of the period
(won in it, whenever they arrived). A view a rollup grouping set holds sums the rollups
(leads.account_facts: the events per lead, kept on write; in activity mode on the day of the
win; the median from the fine histograms, within 3 %); any other reads the leads and their
events.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import IsNull
from django.utils.translation import gettext_lazy as _

import dashboard.metrics.rolled_up as rolled_up
from dashboard.filters import Filters
from dashboard.metrics.breakdowns import SMALL_SAMPLE, _grouping, _key_and_label
from dashboard.metrics.funnel import CENTS, S, base_leads, counted, ratio
from dashboard.sql import Percentiles, SecondsBetween
from leads.models import AccountEvent

Kind = AccountEvent.Kind
ZERO = Decimal(0)


@dataclass(frozen=True)
class AfterSaleRow:
    key: str
    label: str
    customers: int  # won leads
    churned: int
    renewals: int  # renewal events of these customers
    with_first_value: int
    won_revenue: Decimal
    expansion_revenue: Decimal
    median_time_to_first_value_seconds: float | None

    @property
    def retention(self) -> float | None:
        return ratio(self.customers - self.churned, self.customers)

    @property
    def churn_rate(self) -> float | None:
        return ratio(self.churned, self.customers)

    @property
    def lifetime_value(self) -> Decimal:
        return self.won_revenue + self.expansion_revenue

    @property
    def lifetime_value_per_customer(self) -> float | None:
        return ratio(self.lifetime_value, self.customers)

    @property
    def small_sample(self) -> bool:
        return self.customers < SMALL_SAMPLE


@dataclass(frozen=True)
class AfterSale:
    dimension: str
    rows: list[AfterSaleRow]  # highest lifetime value first
    total: AfterSaleRow

    @property
    def has_events(self) -> bool:
        return bool(self.total.churned or self.total.renewals or self.total.with_first_value or self.total.expansion_revenue)


def _events(kind: str):
    return AccountEvent.objects.filter(lead=OuterRef("pk"), kind=kind)


# What a count of customers narrows to, for the lead list behind it.
CHURNED, RENEWED, FIRST_VALUE = "churned", "renewed", "first_value"
CUSTOMERS_WHO = {
    CHURNED: (Kind.CHURN, _("Customers that churned")),
    RENEWED: (Kind.RENEWAL, _("Customers that renewed")),
    FIRST_VALUE: (Kind.FIRST_VALUE, _("Customers that reached first value")),
}


def customers_who(customers, what: str):
    """Of `customers` (won leads), those with an account event of CUSTOMERS_WHO[`what`]: the
    leads behind the churned and renewals counts. Raises ValueError for anything else."""
    if what not in CUSTOMERS_WHO:
        raise ValueError(f"Unknown after-sale figure {what!r}.")
    return customers.filter(Exists(_events(CUSTOMERS_WHO[what][0])))


def customers_who_label(what: str) -> str:
    return str(CUSTOMERS_WHO[what][1])


def _expansion() -> Subquery:
    total = _events(Kind.EXPANSION).order_by().values("lead").annotate(total=Sum("value")).values("total")
    return Coalesce(Subquery(total), Value(ZERO), output_field=DecimalField(max_digits=16, decimal_places=2))


def _renewals() -> Subquery:
    return Coalesce(Subquery(_events(Kind.RENEWAL).order_by().values("lead").annotate(n=Count("pk")).values("n")), 0)


def _figures() -> dict:
    first_value_at = Subquery(_events(Kind.FIRST_VALUE).values("occurred_at")[:1])
    return {
        "n_customers": Count("pk"),
        "n_churned": Count("pk", filter=Q(Exists(_events(Kind.CHURN)))),
        "n_renewals": Sum(_renewals()),
        "n_first_value": Count("pk", filter=Q(IsNull(first_value_at, False))),
        "won_revenue": Sum("deal_value"),
        "expansion_revenue": Sum(_expansion()),
        "to_first_value": Percentiles(SecondsBetween(first_value_at, "won_at"), (0.5,)),
    }


def _row(key: str, label: str, row: dict) -> AfterSaleRow:
    return AfterSaleRow(
        key=key,
        label=str(label),
        customers=row["n_customers"],
        churned=row["n_churned"],
        renewals=row["n_renewals"] or 0,
        with_first_value=row["n_first_value"],
        won_revenue=(row["won_revenue"] or ZERO).quantize(CENTS),
        expansion_revenue=(row["expansion_revenue"] or ZERO).quantize(CENTS),
        median_time_to_first_value_seconds=row["to_first_value"][0] if row["to_first_value"] else None,
    )


def after_sale(filters: Filters, dimension: str | None = None) -> AfterSale:
    """The view's won leads after the sale, per value of `dimension` (the view's breakdown
    dimension by default), and their totals: two queries."""
    dimension = dimension or filters.dimension
    if (rolled := rolled_up.after_sale_rows(filters, dimension)) is not None:
        rows = [_row(*_key_and_label(dimension, row), row) for row in rolled[0]]
        rows.sort(key=lambda r: (-r.lifetime_value, -r.customers, r.label))
        return AfterSale(dimension=dimension, rows=rows, total=_row("", str(_("Total")), rolled[1]))
    customers = base_leads(filters).filter(counted(filters, S.WON))
    group, carried = _grouping(dimension)
    rows = [
        _row(*_key_and_label(dimension, row), row)
        for row in customers.values(**group).annotate(**carried, **_figures())
    ]
    rows.sort(key=lambda r: (-r.lifetime_value, -r.customers, r.label))
    total = _row("", str(_("Total")), customers.aggregate(**_figures()))
    return AfterSale(dimension=dimension, rows=rows, total=total)
