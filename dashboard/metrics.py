"""Aggregate figures, computed in the database with a fixed number of queries. Views turn
them into pages; charts.py turns them into figures. Nothing here knows about HTML."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q

from leads.models import Lead, StageChange


@dataclass(frozen=True)
class StageCount:
    stage: str
    label: str
    count: int


@dataclass(frozen=True)
class Overview:
    arrived_last_7_days: int
    mql_last_7_days: int
    sql_last_7_days: int
    won_last_7_days: int
    open_by_stage: list[StageCount]


def overview(*, now: datetime) -> Overview:
    """Last week's arrivals and stage arrivals, and today's open leads per stage: two queries."""
    week_ago = now - timedelta(days=7)
    week = Lead.objects.aggregate(
        arrived=Count("id", filter=Q(created_at__gte=week_ago, created_at__lte=now)),
        mql=Count("id", filter=Q(mql_at__gte=week_ago, mql_at__lte=now)),
        sql=Count("id", filter=Q(sql_at__gte=week_ago, sql_at__lte=now)),
        won=Count("id", filter=Q(won_at__gte=week_ago, won_at__lte=now)),
    )
    per_stage = dict(
        Lead.objects.open().values_list("stage").annotate(n=Count("id")).order_by()
    )
    return Overview(
        arrived_last_7_days=week["arrived"],
        mql_last_7_days=week["mql"],
        sql_last_7_days=week["sql"],
        won_last_7_days=week["won"],
        open_by_stage=[
            StageCount(stage, Lead.Stage(stage).label, per_stage.get(stage, 0))
            for stage in Lead.OPEN_STAGES
        ],
    )


def recent_stage_changes(*, limit: int = 15) -> list[StageChange]:
    return list(
        StageChange.objects.select_related("lead", "lead__company", "changed_by").order_by(
            "-changed_at", "-id"
        )[:limit]
    )
