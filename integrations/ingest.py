"""Taking in leads and activities from other systems. Every way in — the lead and activity
endpoints, the batch endpoint, the form webhook — ends up in `upsert_lead()` and
`ingest_activities()`, so what happens after an activity arrives is decided in one place.

Activities are validated in Python first and then written with one INSERT … ON CONFLICT DO
NOTHING per batch: all or nothing, and an event that was already received (same source system
and event id) is skipped, also when two requests race.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.bulk import server_bound_cursor
from common.email_domains import business_domain, normalise_domain
from integrations import privacy
from leads.models import Activity, Channel, Company, Lead, campaign_named, default_source_owner
from qualification import bulk as qualification_bulk
from qualification import disqualified, intent
from qualification.decisions import active_policy
from qualification.scoring import LeadFacts, PolicySnapshot

MAX_BATCH = 1000


class BatchRejected(Exception):
    """Some items of a batch are bad; nothing was stored. `errors` maps item index → field
    errors."""

    def __init__(self, errors: dict[int, dict[str, list[str]]]):
        self.errors = errors
        super().__init__(f"{len(errors)} bad items")


@dataclass(frozen=True)
class IngestResult:
    received: int
    created: int
    lead_ids: frozenset[int]  # leads that got at least one new activity
    suppressed: int = 0  # refused: of a person who asked to be erased

    @property
    def duplicates(self) -> int:
        return self.received - self.created - self.suppressed


def resolve_company(company: dict | None, *, email: str = "") -> Company | None:
    """Find the lead's company by web domain (the given one, else the e-mail's), creating it
    when a name is given. What is already known about a company is not overwritten by what a
    form says about it."""
    company = company or {}
    domain = normalise_domain(company.get("domain", "")) or business_domain(email)
    name = company.get("name", "").strip()
    details = {k: v for k, v in company.items() if k not in ("name", "domain") and v not in ("", None)}
    if domain:
        if not name:
            return Company.objects.filter(domain=domain).first()
        # get_or_create retries the lookup when a racing request created it first.
        return Company.objects.get_or_create(domain=domain, defaults={"name": name, **details})[0]
    if name:
        existing = Company.objects.filter(domain="", name__iexact=name).first()
        return existing or Company.objects.create(name=name, **details)
    return None


def upsert_lead(
    *,
    source_system: str,
    external_id: str,
    fields: dict,
    create_only: dict | None = None,
    company: dict | None = None,
    rescore_at: datetime | None = None,
) -> tuple[Lead, bool]:
    """Create or update the lead this system knows as `external_id`. `company` ({name, domain,
    …}) is matched by web domain; without one the e-mail's domain links a known company. With
    `rescore_at`, the changed lead is re-scored in the same transaction (a form submission
    leaves that to its activity, which then is the trigger). A disqualified lead whose facts
    change is decided again (`qualification.disqualified.redecide`).

    Raises `privacy.Suppressed`, storing nothing, when the person was erased at their request
    (their e-mail address, or this system's id of their lead)."""
    privacy.refuse_suppressed(source_system=source_system, external_id=external_id, email=fields.get("email", ""))
    fields, create_only = with_campaign_and_source_owner(fields, create_only or {})
    with transaction.atomic():
        known = (
            Lead.objects.received_from(source_system, [external_id])
            .filter(stage=Lead.Stage.DISQUALIFIED)
            .select_related("company")
            .first()
        )
        facts_before = LeadFacts.from_lead(known) if known else None
        linked = resolve_company(company, email=fields.get("email", ""))
        if linked is not None:
            fields = {**fields, "company": linked}
        lead, created = Lead.objects.upsert(
            source_system=source_system,
            external_id=external_id,
            create_only=create_only,
            **fields,
        )
        if rescore_at is not None:
            rescore(frozenset({lead.pk}), now=rescore_at)
            lead.refresh_from_db()
        changed = facts_before is not None and disqualified.facts_changed(facts_before, LeadFacts.from_lead(lead))
        if changed and disqualified.redecide(lead, now=rescore_at or timezone.now()):
            lead.refresh_from_db()
        return lead, created


def with_campaign_and_source_owner(fields: dict, create_only: dict) -> tuple[dict, dict]:
    """The lead's fields with its campaign linked — the one given by id (whose name then is the
    campaign text, unless the sender gave one), else the one named by the campaign text — and,
    for a new lead whose sender did not say who sourced it, its channel's default source owner."""
    fields, create_only = dict(fields), dict(create_only)
    if "linked_campaign" in fields:  # by id; null unlinks
        linked = fields["linked_campaign"]
        if linked is not None and not (fields.get("campaign") or create_only.get("campaign")):
            fields["campaign"] = linked.name
    elif "campaign" in fields:
        fields["linked_campaign"] = campaign_named(fields["campaign"])
    elif "campaign" in create_only:
        create_only["linked_campaign"] = campaign_named(create_only["campaign"])
    if "source_owner" not in fields:
        channel = fields.get("channel") or create_only.get("channel") or Channel.OTHER
        create_only["source_owner"] = default_source_owner(channel)
    return fields, create_only


def lead_ids_by_external_id(source_system: str, external_ids: Iterable[str]) -> dict[str, int]:
    wanted = sorted(set(external_ids))
    found: dict[str, int] = {}
    # Chunked where the database limits the number of parameters in one query (SQLite).
    per_query = min(connection.features.max_query_params or MAX_BATCH, MAX_BATCH)
    for start in range(0, len(wanted), per_query):
        found.update(
            Lead.objects.received_from(source_system, wanted[start : start + per_query]).values_list(
                "external_id", "id"
            )
        )
    return found


def unknown_lead_errors(
    source_system: str, items: dict[int, dict], known: dict[str, int] | None = None
) -> dict[int, dict[str, list[str]]]:
    """Errors for the items (index → validated activity) whose lead this system never sent."""
    if known is None:
        known = lead_ids_by_external_id(source_system, (i["lead"] for i in items.values()))
    unknown = {index: item for index, item in items.items() if item["lead"] not in known}
    erased = privacy.suppressed_rows(source_system, [(item["lead"], "") for item in unknown.values()]) if unknown else {}
    return {
        index: {
            "lead": [
                str(privacy.Suppressed("external_id"))
                if item["lead"] in erased
                else _("No lead with external id %(id)s from %(system)s; send the lead first.")
                % {"id": item["lead"], "system": source_system}
            ]
        }
        for index, item in unknown.items()
    }


def ingest_activities(*, source_system: str, items: list[dict], now: datetime) -> IngestResult:
    """Store a batch of validated activities ({lead: lead's external id, kind, occurred_at,
    external_id, url, title, data}) from one source system: all of them, or none when any
    names an unknown lead. Events already received are skipped.

    This is the one place every ingested activity passes through: the leads that got new
    activities are re-scored in the same transaction, each with its newest new activity as the
    trigger, so a lead the batch tips into MQL is handed to sales before the request returns;
    the owners of leads already with sales hear what their lead just did (`intent.react()`).
    """
    if not items:
        return IngestResult(received=0, created=0, lead_ids=frozenset())
    known = lead_ids_by_external_id(source_system, (item["lead"] for item in items))
    errors = unknown_lead_errors(source_system, dict(enumerate(items)), known)
    if errors:
        raise BatchRejected(errors)
    rows = [
        (
            known[item["lead"]],
            item["kind"],
            item["occurred_at"],
            item.get("url", ""),
            item.get("title", ""),
            item.get("data") or {},
            source_system,
            item["external_id"],
            now,
        )
        for item in items
    ]
    with transaction.atomic():
        created_for = insert_activities(rows)
        result = IngestResult(
            received=len(items), created=len(created_for), lead_ids=frozenset(created_for)
        )
        if not result.lead_ids:
            return result  # all replays: nothing new to score or react to
        policy = rescore(result.lead_ids, now=now)
        if policy is not None and any(item["kind"] in disqualified.REQUESTS for item in items):
            disqualified.note_requests(result.lead_ids, received_at=now, policy=policy)
        react_with_sales(result.lead_ids, now=now, policy=policy)
    return result


def rescore(
    lead_ids: frozenset[int], *, now: datetime, policy: PolicySnapshot | None = None
) -> PolicySnapshot | None:
    """Re-score these leads under the active qualification policy (or `policy`), set-based,
    with the newest activity received in this request (`received_at == now`) as each lead's
    trigger. Returns the policy (None when none is active)."""
    policy = policy or active_policy()
    if policy is None or not lead_ids:
        return policy
    qualification_bulk.rescore_leads(policy, now=now, lead_ids=lead_ids, triggers_received_at=now)
    return policy


def react_with_sales(lead_ids: frozenset[int], *, now: datetime, policy: PolicySnapshot | None) -> None:
    """`intent.react()` to the activities received now, read back only for the leads it can
    concern: those sales works on (most of a batch's leads are new or in nurture, and reading
    a thousand activities back for them was a tenth of a batch's time)."""
    watched = list(intent.watched(lead_ids, now=now).values_list("pk", flat=True))
    if watched:
        new = Activity.objects.filter(lead_id__in=watched, received_at=now).only(
            "lead_id", "kind", "occurred_at", "title", "data"
        )
        intent.react(list(new), now=now, policy=policy)


def ingest_form_submission(*, source_system: str, submission, now: datetime) -> tuple[Lead | None, IngestResult]:
    """A form submission (see integrations.typeform.FormSubmission): the lead it creates or
    updates and the submission as its activity, together or not at all. A submission of a
    person who was erased at their request is received and not stored (lead None): the form's
    sender would only retry a refusal."""
    with transaction.atomic():
        try:
            lead, _created = upsert_lead(
                source_system=source_system,
                external_id=submission.external_id,
                fields=submission.lead_fields,
                create_only=submission.create_only,
                company=submission.company,
            )
        except privacy.Suppressed:
            return None, IngestResult(received=1, created=0, lead_ids=frozenset(), suppressed=1)
        result = ingest_activities(source_system=source_system, items=[submission.activity], now=now)
    return lead, result


ACTIVITY_COLUMNS = (
    "lead_id", "kind", "occurred_at", "url", "title", "data", "source_system", "external_id",
    "received_at",
)


def insert_activities(rows: list[tuple]) -> list[int]:
    """Insert activities, skipping events already stored (the partial unique index on
    (source_system, external_id)); returns the lead id of every row actually inserted.

    Written as SQL because bulk_create(ignore_conflicts=True) cannot say which rows it
    inserted, and the conflict target must repeat the index's predicate to match it.
    """
    ops = connection.ops
    table = ops.quote_name(Activity._meta.db_table)
    columns = ", ".join(ops.quote_name(c) for c in ACTIVITY_COLUMNS)
    conflict = "ON CONFLICT (source_system, external_id) WHERE NOT (external_id = '') DO NOTHING"
    if connection.vendor == "postgresql":
        return insert_activities_postgres(rows, f"INSERT INTO {table} ({columns})", conflict)
    inserted: list[int] = []
    placeholders = "(" + ", ".join(["%s"] * len(ACTIVITY_COLUMNS)) + ")"
    adapt = ops.adapt_datetimefield_value
    # SQLite allows 32,766 parameters per statement; 1,000 rows of 9 stay well below.
    for start in range(0, len(rows), 1000):
        chunk = rows[start : start + 1000]
        params = []
        for lead_id, kind, occurred_at, url, title, data, system, event_id, received_at in chunk:
            params += [
                lead_id, kind, adapt(occurred_at), url, title, json.dumps(data), system,
                event_id, adapt(received_at),
            ]
        sql = f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholders] * len(chunk))} {conflict} RETURNING lead_id"
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            inserted.extend(row[0] for row in cursor.fetchall())
    return inserted


def insert_activities_postgres(rows: list[tuple], insert: str, conflict: str) -> list[int]:
    """One array per column, sent in binary with server-side binding: the statement stays the
    same size whatever the batch size, and no 9,000-value query text is built and parsed."""
    columns = [list(values) for values in zip(*rows)]
    columns[5] = [json.dumps(data) for data in columns[5]]
    types = ["bigint", "text", "timestamptz", "text", "text", "jsonb", "text", "text", "timestamptz"]
    arrays = ", ".join(f"%b::{t}[]" for t in types)
    with server_bound_cursor() as cursor:
        cursor.execute(f"{insert} SELECT * FROM unnest({arrays}) {conflict} RETURNING lead_id", columns)
        return [row[0] for row in cursor.fetchall()]
