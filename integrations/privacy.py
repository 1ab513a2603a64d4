"""One person's data on request (GDPR): export it, erase it, keep it out afterwards; and the
retention period for leads nobody touched.

Erasure anonymises rather than deletes: the lead row keeps its stage, stamps, channel,
campaign, company, owner and deal value, so the dashboard's counts and revenue stay as they
were. What identifies the person goes — name, e-mail, phone, job title, the source system's id
— and so does the free text people wrote about them (notes, feedback explanations, stage-change
reasons, reassignment reasons, account events' notes, notifications' details) and what forms
sent (answers, URLs).

The address, and each source system's id of the erased leads, is suppressed: only its SHA-256
is kept, and `integrations.ingest` refuses a lead that matches (the API with 400, the CSV import
with a row error, the form webhook by storing nothing). Every erasure is recorded (`Erasure`)
with who, when, the request's reference and row counts, never the data itself.
"""

from __future__ import annotations

import calendar
import hashlib
import json
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from handoff.models import Assignment, Notification, SlaBreach
from integrations.models import Erasure, Suppression
from leads.models import (
    AccountEvent,
    Activity,
    ContactAttempt,
    Feedback,
    Lead,
    LeadChange,
    StageChange,
)
from leads.rollups import refresh as refresh_rollups

# Emptied on the lead itself. The source system's id goes too: it names the person in the
# sender's system, and a later sync under it then finds no lead to update.
PERSON_FIELDS = ["first_name", "last_name", "email", "phone", "job_title", "external_id"]
# The notification details people wrote about the lead (why it was routed or passed on). The
# others are deadlines, codes and staff names, which the messages need to be composed.
NOTIFICATION_FORGETS = {"reason"}
RETENTION_BATCH = 500


class Suppressed(Exception):
    """The lead is of a person who asked to be erased; nothing was stored. `field` names what
    matched: "email" or "external_id"."""

    def __init__(self, field: str):
        self.field = field
        super().__init__(
            _("This person's data was erased at their request; Handoff does not take it in again.")
        )


# --- suppression ---------------------------------------------------------------------------


def normalise_email(address: str) -> str:
    return address.strip().lower()


def email_digest(address: str) -> str:
    return hashlib.sha256(normalise_email(address).encode()).hexdigest()


def external_id_digest(source_system: str, external_id: str) -> str:
    return hashlib.sha256(f"{source_system}\x00{external_id}".encode()).hexdigest()


def refuse_suppressed(*, source_system: str, external_id: str, email: str = "") -> None:
    """Raise `Suppressed` when the address or the (source system, id) was erased."""
    wanted = {external_id_digest(source_system, external_id): "external_id"}
    if email.strip():
        wanted[email_digest(email)] = "email"
    found = set(Suppression.objects.filter(digest__in=wanted).values_list("digest", flat=True))
    for digest, field in sorted(wanted.items(), key=lambda item: item[1]):
        if digest in found:
            raise Suppressed(field)


def is_address_suppressed(email: str) -> bool:
    return Suppression.objects.filter(digest=email_digest(email)).exists()


def suppressed_rows(source_system: str, rows: list[tuple[str, str]]) -> dict[str, str]:
    """Of (external id, e-mail) pairs, the external ids whose lead must be refused, each with
    the field that matched ("email" or "external_id"): one query for the whole list (the CSV
    import's chunk)."""
    digests: dict[str, list[tuple[str, str]]] = {}
    for external_id, email in rows:
        digests.setdefault(external_id_digest(source_system, external_id), []).append((external_id, "external_id"))
        if email.strip():
            digests.setdefault(email_digest(email), []).append((external_id, "email"))
    found = Suppression.objects.filter(digest__in=list(digests)).values_list("digest", flat=True)
    refused: dict[str, str] = {}
    for digest in found:
        for external_id, field in digests[digest]:
            refused[external_id] = min(refused.get(external_id, field), field)  # "email" first
    return refused


# --- finding and exporting -----------------------------------------------------------------


def leads_of(email: str) -> QuerySet[Lead]:
    """Every lead under this address, whatever its case, from any source system."""
    address = normalise_email(email)
    if not address:
        return Lead.objects.none()
    return Lead.objects.filter(email__iexact=address).with_company().order_by("id")


def export_person(email: str, *, now: datetime) -> dict:
    """Everything Handoff holds about the person with this address, for a JSON download:
    each lead with its company, activities, stage history, field changes, contact attempts,
    feedback, assignments, missed deadlines, notifications and account events after the sale."""
    leads = []
    for lead in leads_of(email):
        leads.append(
            {
                **{field.attname: getattr(lead, field.attname) for field in Lead._meta.concrete_fields},
                "company": {"name": lead.company.name, "domain": lead.company.domain} if lead.company else None,
                "owner": lead.owner.get_username() if lead.owner else None,
                "activities": list(Activity.objects.filter(lead=lead).values()),
                "stage_changes": list(StageChange.objects.filter(lead=lead).values()),
                "field_changes": list(LeadChange.objects.filter(lead=lead).values()),
                "contact_attempts": list(ContactAttempt.objects.filter(lead=lead).values()),
                "feedback": list(Feedback.objects.filter(lead=lead).values()),
                "assignments": list(Assignment.objects.filter(lead=lead).values()),
                "missed_deadlines": list(SlaBreach.objects.filter(lead=lead).values()),
                "account_events": list(AccountEvent.objects.filter(lead=lead).values()),
                "notifications": list(
                    Notification.objects.filter(lead=lead).values("id", "kind", "recipient_id", "status", "context", "created_at", "sent_at")
                ),
            }
        )
    return {"email": normalise_email(email), "exported_at": now, "leads": leads}


def export_json(email: str, *, now: datetime) -> str:
    return json.dumps(export_person(email, now=now), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)


# --- erasing -------------------------------------------------------------------------------


def erase_person(email: str, *, by, reference: str, now: datetime) -> Erasure:
    """Anonymise every lead under this address (see the module's docstring), suppress the
    address and the leads' source-system ids, and record the erasure: all in one
    transaction. An address without leads is suppressed too (a person may ask before they
    ever arrive)."""
    address = normalise_email(email)
    if "@" not in address:
        raise ValueError("An erasure needs an e-mail address.")
    with transaction.atomic():
        leads = list(leads_of(address).select_for_update(of=("self",)))
        erasure = Erasure.objects.create(
            reason=Erasure.Reason.REQUEST, erased_at=now, erased_by=by, reference=reference.strip(), lead_count=len(leads)
        )
        keys = [(Suppression.Kind.EMAIL, email_digest(address))]
        keys += [
            (Suppression.Kind.EXTERNAL_ID, external_id_digest(lead.source_system, lead.external_id))
            for lead in leads
            if lead.external_id
        ]
        Suppression.objects.bulk_create(
            [Suppression(kind=kind, digest=digest, erasure=erasure, created_at=now) for kind, digest in keys],
            ignore_conflicts=True,
        )
        erasure.counts = anonymise([lead.pk for lead in leads], now=now)
        # The funnel's counted fields stay; the review's completeness follows the erased ones.
        refresh_rollups(Lead.objects, [lead.pk for lead in leads])
        erasure.save(update_fields=["counts"])
    return erasure


def anonymise(lead_ids: list[int], *, now: datetime) -> dict[str, int]:
    """Empty the identifying fields and the free text of these leads; the rows the figures
    count stay. Returns how many rows of each kind were changed."""
    if not lead_ids:
        return {}
    counts = {
        "leads": Lead.objects.filter(pk__in=lead_ids).update(
            **{name: "" for name in PERSON_FIELDS}, version=F("version") + 1, updated_at=now
        ),
        "activities": Activity.objects.filter(lead_id__in=lead_ids).exclude(url="", data={}).update(url="", data={}),
        # A person's reason may carry their own words inside its message (a note, an
        # explanation); the policy's and routing's messages hold scores and rule names only.
        "stage_changes": StageChange.objects.filter(lead_id__in=lead_ids)
        .filter(~Q(reason="") | Q(changed_by__isnull=False, reason_message__isnull=False))
        .update(reason="", reason_message=None),
        "contact_attempts": ContactAttempt.objects.filter(lead_id__in=lead_ids).exclude(note="").update(note=""),
        "feedback": Feedback.objects.filter(lead_id__in=lead_ids)
        .exclude(reason_text="", quality_comment="", right_contact_name="")
        .update(reason_text="", quality_comment="", right_contact_name=""),
        # A manager's words on why they passed the lead on; routing's own reasons name rules.
        "assignments": Assignment.objects.filter(lead_id__in=lead_ids, kind=Assignment.Kind.REASSIGNED)
        .exclude(reason="")
        .update(reason=""),
        "account_events": AccountEvent.objects.filter(lead_id__in=lead_ids).exclude(note="").update(note=""),
        "field_changes": _forget_field_changes(lead_ids),
        "notifications": _forget_notification_details(lead_ids),
    }
    return {kind: count for kind, count in counts.items() if count}


def _forget_field_changes(lead_ids: list[int]) -> int:
    """The change log keeps which other fields changed, not what the person's fields held."""
    changed = 0
    for change in LeadChange.objects.filter(lead_id__in=lead_ids).only("pk", "changes"):
        kept = {name: values for name, values in change.changes.items() if name not in PERSON_FIELDS}
        if kept == change.changes:
            continue
        changed += 1
        if kept:
            LeadChange.objects.filter(pk=change.pk).update(changes=kept)
        else:
            LeadChange.objects.filter(pk=change.pk).delete()
    return changed


def _forget_notification_details(lead_ids: list[int]) -> int:
    changed = []
    for notification in Notification.objects.filter(lead_id__in=lead_ids).only("pk", "context"):
        kept = {key: value for key, value in (notification.context or {}).items() if key not in NOTIFICATION_FORGETS}
        if kept != notification.context:
            notification.context = kept
            changed.append(notification)
    Notification.objects.bulk_update(changed, ["context"], batch_size=500)
    return len(changed)


# --- retention -----------------------------------------------------------------------------


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the month's last day when it
    is shorter)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def untouched_since(cutoff: datetime) -> QuerySet[Lead]:
    """Leads nobody changed, and that did nothing, since `cutoff`: not saved (a stage change,
    a field change, a re-score all save the lead), no activity, no contact attempt and no
    feedback after it."""
    recent = Q(occurred_at__gte=cutoff) | Q(received_at__gte=cutoff)
    return Lead.objects.filter(updated_at__lt=cutoff).exclude(
        Exists(Activity.objects.filter(recent, lead=OuterRef("pk")))
        | Exists(ContactAttempt.objects.filter(lead=OuterRef("pk"), made_at__gte=cutoff))
        | Exists(Feedback.objects.filter(lead=OuterRef("pk"), given_at__gte=cutoff))
    )


def apply_retention(*, months: int, now: datetime, batch: int | None = None) -> tuple[int, bool]:
    """Delete up to `batch` (RETENTION_BATCH) leads untouched for `months` months, with everything about them,
    and record it. Returns (leads deleted, whether more are waiting). `months` 0 is off.
    Unlike an erasure, this removes the rows: old leads leave the figures of their period."""
    if months <= 0:
        return 0, False
    batch = batch or RETENTION_BATCH
    cutoff = months_before(now, months)
    with transaction.atomic():
        ids = list(untouched_since(cutoff).order_by("updated_at", "id").values_list("pk", flat=True)[: batch + 1])
        more = len(ids) > batch
        ids = ids[:batch]
        if not ids:
            return 0, False
        _total, per_model = Lead.objects.filter(pk__in=ids).delete()
        refresh_rollups(Lead.objects, ids)  # their figures leave the rollups with them
        counts = {model.split(".")[-1].lower(): count for model, count in per_model.items() if count}
        Erasure.objects.create(
            reason=Erasure.Reason.RETENTION, erased_at=now, untouched_since=cutoff, lead_count=len(ids), counts=counts
        )
    return len(ids), more
