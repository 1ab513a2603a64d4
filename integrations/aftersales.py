"""The one way in for account events after the sale (first value, renewal, expansion, churn),
from the API and the CSV import alike.

Each event names its won lead by Handoff's lead id or by the lead's e-mail address (which must
then belong to exactly one won lead). A batch is all or nothing: every item is checked against
the database first (the lead exists and was won, the event is not before the win nor in the
future, a lead reaches first value and churns only once), every problem is reported with its
item's index, and nothing is written unless all are fine. An event re-sent under the same
external id is skipped as a duplicate. A fixed number of queries, whatever the batch's size.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from integrations.ingest import BatchRejected
from leads.models import AccountEvent, Lead
from leads.rollups import refresh as refresh_rollups

Kind = AccountEvent.Kind


@dataclass(frozen=True)
class RecordResult:
    received: int
    created: int

    @property
    def duplicates(self) -> int:
        return self.received - self.created


def _won_leads(items: list[dict]) -> tuple[dict[int, Lead], dict[str, list[Lead]]]:
    """The won leads the items name: by id, and by lower-cased e-mail. Two queries."""
    ids = {item["lead_id"] for item in items if item.get("lead_id")}
    emails = {item["email"].lower() for item in items if item.get("email") and not item.get("lead_id")}
    by_id = {lead.pk: lead for lead in Lead.objects.filter(pk__in=ids).only("pk", "stage", "won_at", "email")} if ids else {}
    by_email: dict[str, list[Lead]] = defaultdict(list)
    if emails:
        found = Lead.objects.annotate(address=Lower("email")).filter(address__in=emails, won_at__isnull=False)
        for lead in found.only("pk", "stage", "won_at", "email").order_by("pk"):
            by_email[lead.email.lower()].append(lead)
    return by_id, by_email


def _lead_of(item: dict, by_id: dict[int, Lead], by_email: dict[str, list[Lead]]) -> tuple[Lead | None, dict]:
    if item.get("lead_id"):
        lead = by_id.get(item["lead_id"])
        if lead is None:
            return None, {"lead_id": [_("There is no lead %(id)s.") % {"id": item["lead_id"]}]}
        if lead.won_at is None:
            return None, {"lead_id": [_("Lead %(id)s was never won: account events follow a won deal.") % {"id": lead.pk}]}
        return lead, {}
    if item.get("email"):
        candidates = by_email.get(item["email"].lower(), [])
        if not candidates:
            return None, {"email": [_("No won lead has the address %(email)s.") % {"email": item["email"]}]}
        if len(candidates) > 1:
            return None, {"email": [
                _("%(count)d won leads have the address %(email)s: give the lead id instead.")
                % {"count": len(candidates), "email": item["email"]}
            ]}
        return candidates[0], {}
    return None, {"lead_id": [_("Give the lead id or the lead's e-mail address.")]}


def _problems(item: dict, lead: Lead, *, now: datetime) -> dict:
    errors: dict[str, list[str]] = {}
    if item["occurred_at"] < lead.won_at:
        errors["occurred_at"] = [
            _("This is before the deal was won (%(won)s).") % {"won": date_format(lead.won_at, "DATETIME_FORMAT")}
        ]
    elif item["occurred_at"] > now:
        errors["occurred_at"] = [_("This moment is in the future.")]
    if item["kind"] == Kind.EXPANSION and not item.get("value"):
        errors["value"] = [_("An expansion needs the revenue it added.")]
    if item["kind"] == Kind.CHURN and not item.get("churn_reason"):
        errors["churn_reason"] = [_("Say why the customer left.")]
    return errors


def check_account_events(
    items: dict[int, dict], *, source_system: str, now: datetime
) -> tuple[list[AccountEvent], dict[int, dict]]:
    """The events the validated items (index → lead_id or email, kind, occurred_at, value,
    churn_reason, note, external_id) would store, and the problems, by index. Four queries."""
    by_id, by_email = _won_leads(list(items.values()))
    external_ids = {item["external_id"] for item in items.values() if item.get("external_id")}
    received = set(
        AccountEvent.objects.filter(source_system=source_system, external_id__in=external_ids).values_list(
            "external_id", flat=True
        )
    ) if external_ids else set()
    errors: dict[int, dict] = {}
    resolved: list[tuple[int, Lead, dict]] = []
    for index, item in items.items():
        if item.get("external_id") in received:
            continue  # sent before: skipped, whatever it says now
        lead, problem = _lead_of(item, by_id, by_email)
        problem = problem or _problems(item, lead, now=now)
        if problem:
            errors[index] = problem
        else:
            resolved.append((index, lead, item))
    errors |= _repeated(resolved)
    events = [
        AccountEvent(
            lead=lead, kind=item["kind"], occurred_at=item["occurred_at"], value=item.get("value"),
            churn_reason=item.get("churn_reason", ""), note=item.get("note", ""),
            source_system=source_system, external_id=item.get("external_id", ""), received_at=now,
        )
        for _index, lead, item in resolved
    ]
    return events, errors


def record_account_events(items: dict[int, dict], *, source_system: str, now: datetime) -> RecordResult:
    """Store the validated items, all or nothing. Raises `BatchRejected` (index → field
    errors) and stores nothing when any item is refused."""
    events, errors = check_account_events(items, source_system=source_system, now=now)
    if errors:
        raise BatchRejected(errors)
    try:
        with transaction.atomic():
            AccountEvent.objects.bulk_create(events)
            # The after-sale figures sum each lead's events in the rollups.
            refresh_rollups(Lead.objects, [event.lead_id for event in events])
    except IntegrityError:
        # Another request stored the same once-only event or external id meanwhile.
        raise BatchRejected({min(items): {"non_field_errors": [
            _("Some of these events were just stored by another request; send them again.")
        ]}})
    return RecordResult(received=len(items), created=len(events))


def _repeated(resolved: list[tuple[int, Lead, dict]]) -> dict[int, dict]:
    """First value and churn happen once per lead: refused when stored already or sent twice.
    One query."""
    once = [(index, lead, item) for index, lead, item in resolved if item["kind"] in AccountEvent.ONCE_PER_LEAD]
    if not once:
        return {}
    stored = set(
        AccountEvent.objects.filter(lead__in=[lead.pk for _i, lead, _item in once], kind__in=AccountEvent.ONCE_PER_LEAD)
        .values_list("lead_id", "kind")
    )
    errors, seen = {}, set()
    for index, lead, item in once:
        key = (lead.pk, item["kind"])
        if key in stored or key in seen:
            errors[index] = {"kind": [
                _("Lead %(id)s already has its %(kind)s event.") % {"id": lead.pk, "kind": Kind(item["kind"]).label.lower()}
            ]}
        seen.add(key)
    return errors
