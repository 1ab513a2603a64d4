"""What the API accepts and returns. Validation only: writing goes through integrations.ingest."""

from __future__ import annotations

from datetime import datetime
from datetime import timezone as dt_timezone
from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from integrations.ingest import MAX_BATCH
from leads.models import (
    AccountEvent,
    Activity,
    Campaign,
    Channel,
    ChurnReason,
    Company,
    ConversionAction,
    IntentTier,
    Lead,
    LostReason,
    Sector,
    SourceOwner,
    StageChange,
)


class CompanyInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    domain = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text=_("Web domain, e.g. acme.nl.")
    )
    employees = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False, allow_null=True)
    sector = serializers.ChoiceField(choices=Sector.choices, required=False, allow_blank=True)
    country = serializers.CharField(min_length=2, max_length=2, required=False)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    postcode = serializers.CharField(max_length=12, required=False, allow_blank=True)


class LeadInSerializer(serializers.Serializer):
    """A lead as the sending system knows it. Re-sending the same external id updates the
    lead: fields left out stay as they are."""

    external_id = serializers.CharField(
        max_length=200, help_text=_("The lead's id in the sending system.")
    )
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    job_title = serializers.CharField(max_length=150, required=False, allow_blank=True)
    company = CompanyInSerializer(required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    campaign = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text=_("The campaign's name as the sending system knows it; kept as given, and linked to "
                    "Handoff's campaign of that name (in any capitals) when there is one."),
    )
    campaign_id = serializers.PrimaryKeyRelatedField(
        queryset=Campaign.objects.all(),
        source="linked_campaign",
        required=False,
        allow_null=True,
        help_text=_("Handoff's id of the campaign, to link the lead whatever its campaign text says."),
    )
    source_owner = serializers.ChoiceField(
        choices=SourceOwner.choices,
        required=False,
        help_text=_("Who sourced the lead; a new lead without one gets its channel's default."),
    )
    conversion_action = serializers.ChoiceField(choices=ConversionAction.choices, required=False)
    product_interest = serializers.CharField(max_length=100, required=False, allow_blank=True)
    source = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text=_("Where the lead came from in the sending system's own words (source / medium, "
                    "a CRM's lead source); kept as given, beside the channel."),
    )
    lost_reason = serializers.ChoiceField(
        choices=LostReason.choices,
        required=False,
        allow_blank=True,
        help_text=_("Why the deal was lost, for a lead the sending system closed as lost."),
    )
    created_at = serializers.DateTimeField(
        required=False, help_text=_("When the lead arrived; only used for a new lead.")
    )


class UtcDateTimeField(serializers.DateTimeField):
    """Moments go out in UTC (`…Z`): in the business time zone, dates before 1937 would carry
    Amsterdam's old +00:19:32 offset, which is no RFC 3339 date-time."""

    def __init__(self, **kwargs):
        super().__init__(default_timezone=dt_timezone.utc, **kwargs)


def formatted_or_empty(format: str) -> dict:
    """The schema of a stored value that is either well formed or empty (blank=True)."""
    return {"anyOf": [{"type": "string", "format": format}, {"type": "string", "maxLength": 0}]}


@extend_schema_field(formatted_or_empty("email"))
class OptionalEmailField(serializers.CharField):
    """A lead's stored address: an e-mail address, or empty when unknown (or erased)."""


@extend_schema_field(formatted_or_empty("uri"))
class OptionalURLField(serializers.CharField):
    """An activity's stored URL, or empty."""


class OutSerializer(serializers.ModelSerializer):
    """What the API returns about a stored row: moments in UTC, and a choice that may be left
    empty (blank=True) documented as one that may be empty."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: UtcDateTimeField,
    }

    def get_fields(self):
        fields = super().get_fields()
        model_fields = {field.name: field for field in self.Meta.model._meta.concrete_fields}
        for name, field in fields.items():
            model_field = model_fields.get(field.source or name)
            if isinstance(field, serializers.ChoiceField) and model_field is not None and model_field.blank:
                # DRF drops allow_blank from read-only fields, and the schema would then promise
                # one of the choices where the answer holds "".
                field.allow_blank = True
        return fields


class CompanyOutSerializer(OutSerializer):
    class Meta:
        model = Company
        fields = ["id", "name", "domain", "sector", "employees", "country", "region"]


class LeadSerializer(OutSerializer):
    company = CompanyOutSerializer(read_only=True, allow_null=True)
    owner = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text=_("Null while no one owns the lead.")
    )
    email = OptionalEmailField(read_only=True)
    intent_tier = serializers.ChoiceField(choices=IntentTier.choices, allow_blank=True, read_only=True)
    campaign_id = serializers.PrimaryKeyRelatedField(
        source="linked_campaign", read_only=True, allow_null=True,
        help_text=_("The linked campaign's id; null when no campaign of Handoff's matches."),
    )

    class Meta:
        model = Lead
        fields = [
            "id", "source_system", "external_id", "first_name", "last_name", "email", "phone",
            "job_title", "company", "channel", "campaign", "campaign_id", "source_owner", "conversion_action",
            "product_interest", "source", "owner", "stage", "stage_changed_at", "created_at",
            "updated_at", "mql_at", "sal_at", "sql_at", "opportunity_at", "won_at", "lost_at",
            "disqualified_at", "fit_score", "engagement_score", "intent_tier", "temperature",
            "respond_by", "deal_value", "lost_reason",
        ]
        read_only_fields = fields


class KnownURLField(serializers.URLField):
    """Activities repeat the same few hundred page URLs; Django's URL validator is the most
    expensive check of a batch, so URLs found valid once are remembered."""

    valid_urls: set[str] = set()

    def run_validators(self, value):
        if value in self.valid_urls:
            return
        super().run_validators(value)
        if len(self.valid_urls) > 20_000:
            self.valid_urls.clear()
        self.valid_urls.add(value)


class IsoDateTimeField(serializers.DateTimeField):
    """ISO 8601 with an offset is read by Python's own parser (five times faster); anything
    else takes DRF's usual road, with its error messages."""

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                parsed = None
            if parsed is not None and parsed.tzinfo is not None:
                # Into our time zone, as DRF does: PostgreSQL refuses offsets beyond ±15:59
                # that Python accepts, and far-off years can overflow.
                return self.enforce_timezone(parsed)
        return super().to_internal_value(value)


class ActivityInSerializer(serializers.Serializer):
    lead = serializers.CharField(
        max_length=200, help_text=_("The external id of the lead, as sent to /api/leads/.")
    )
    external_id = serializers.CharField(
        max_length=200,
        help_text=_("The event's id in the sending system; an id already received is ignored."),
    )
    kind = serializers.ChoiceField(choices=Activity.Kind.choices)
    occurred_at = IsoDateTimeField()
    url = KnownURLField(max_length=500, required=False, allow_blank=True)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    data = serializers.DictField(required=False, help_text=_("For a form: its answers."))

    def validate_data(self, value: dict) -> dict:
        if contains_nul(value):
            raise serializers.ValidationError(_("Text may not contain NUL characters."))
        return value


def contains_nul(value) -> bool:
    """PostgreSQL refuses NUL characters in text and JSON."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(contains_nul(v) for v in value)
    return False


def validate_batch(data) -> tuple[dict[int, dict], dict[int, dict]]:
    """Validate a batch of activities item by item: (valid items, errors), both keyed by the
    item's index in the request."""
    if not isinstance(data, list):
        raise serializers.ValidationError({"non_field_errors": [_("Send a JSON list of activities.")]})
    if not 1 <= len(data) <= MAX_BATCH:
        raise serializers.ValidationError(
            {"non_field_errors": [_("Send between 1 and %(max)d activities.") % {"max": MAX_BATCH}]}
        )
    child = ActivityInSerializer()
    zone = timezone.get_current_timezone()
    valid, errors = {}, {}
    for index, item in enumerate(data):
        plain = plain_activity(item, zone)
        if plain is not None:
            valid[index] = plain
            continue
        try:
            valid[index] = child.run_validation(item)
        except serializers.ValidationError as error:
            errors[index] = error.detail
    return valid, errors


ACTIVITY_KINDS = frozenset(Activity.Kind.values)
ACTIVITY_FIELDS = ("lead", "external_id", "kind", "occurred_at", "url", "title", "data")


def plain_text(value, *, max_length: int, blank: bool = False) -> bool:
    """Whether DRF's CharField takes `value` as it is: a string, short enough, no surrounding
    whitespace (it would strip it), no NUL or lone surrogate (it refuses those)."""
    if type(value) is not str or len(value) > max_length or (not value and not blank):
        return False
    if value.isascii():
        return value.isprintable() and value == value.strip()
    try:
        value.encode("utf-8")  # fails on a lone surrogate
    except UnicodeEncodeError:
        return False
    return "\x00" not in value and value == value.strip()


def plain_activity(item, zone) -> dict | None:
    """The validated activity, when `item` is plainly valid: what `ActivityInSerializer`
    gives for it, at a fraction of the cost (a batch is a thousand of them). Anything less
    plain (a number for a string, a URL not seen before, a moment without offset, an error)
    returns None and goes through the serializer, which says what is wrong."""
    if type(item) is not dict:
        return None
    lead, event, kind, at = item.get("lead"), item.get("external_id"), item.get("kind"), item.get("occurred_at")
    if not (plain_text(lead, max_length=200) and plain_text(event, max_length=200)):
        return None
    if type(kind) is not str or kind not in ACTIVITY_KINDS or type(at) is not str:
        return None
    try:
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None:
            return None
        moment = moment.astimezone(zone)
    except (ValueError, OverflowError):
        return None
    plain = {"lead": lead, "external_id": event, "kind": kind, "occurred_at": moment}
    if "url" in item:
        url = item["url"]
        if url != "" and not (plain_text(url, max_length=500) and url in KnownURLField.valid_urls):
            return None
        plain["url"] = url
    if "title" in item:
        if not plain_text(item["title"], max_length=200, blank=True):
            return None
        plain["title"] = item["title"]
    if "data" in item:
        if type(item["data"]) is not dict or contains_nul(item["data"]):
            return None
        plain["data"] = item["data"]
    return plain


class IngestResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField(help_text=_("Events already received, skipped."))
    suppressed = serializers.IntegerField(
        required=False,
        help_text=_("Only when not 0: submissions of a person erased at their request, received and not stored."),
    )


class ItemErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class BatchErrorSerializer(serializers.Serializer):
    """Bad items (`detail` and `items`), a body that is no list or too long
    (`non_field_errors`), or one that is no JSON (`detail` alone)."""

    detail = serializers.CharField(required=False)
    items = ItemErrorSerializer(many=True, required=False)
    non_field_errors = serializers.ListField(child=serializers.CharField(), required=False)


class ActivityOutSerializer(OutSerializer):
    url = OptionalURLField(read_only=True)

    class Meta:
        model = Activity
        fields = ["id", "kind", "occurred_at", "url", "title", "data", "source_system", "external_id"]
        read_only_fields = fields


class StageChangeOutSerializer(OutSerializer):
    changed_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text=_("Null when a rule or the system moved the lead.")
    )

    class Meta:
        model = StageChange
        fields = ["from_stage", "to_stage", "changed_at", "changed_by", "rule", "reason"]
        read_only_fields = fields


class LeadHistorySerializer(serializers.Serializer):
    lead = LeadSerializer()
    stage_changes = StageChangeOutSerializer(many=True)
    activities = ActivityOutSerializer(many=True)


class AccountEventInSerializer(serializers.Serializer):
    """An event after the sale, of a won lead named by its id or its e-mail address."""

    lead_id = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, required=False, help_text=_("The won lead's id in Handoff.")
    )
    email = serializers.EmailField(
        max_length=254, required=False, help_text=_("Instead of lead_id: the address of exactly one won lead.")
    )
    kind = serializers.ChoiceField(choices=AccountEvent.Kind.choices)
    occurred_at = IsoDateTimeField(help_text=_("When it happened: on or after the win, not in the future."))
    value = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0.01"), required=False, allow_null=True,
        help_text=_("An expansion's added revenue (required for it); a renewal's contract value (optional)."),
    )
    churn_reason = serializers.ChoiceField(
        choices=ChurnReason.choices, required=False, allow_blank=True, help_text=_("Why the customer left (required for churn).")
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    external_id = serializers.CharField(
        max_length=200, required=False, allow_blank=True,
        help_text=_("The event's id in the sending system; an id already received is skipped."),
    )

    def validate_note(self, value: str) -> str:
        if contains_nul(value):
            raise serializers.ValidationError(_("Text may not contain NUL characters."))
        return value

    def validate(self, data: dict) -> dict:
        if not data.get("lead_id") and not data.get("email"):
            raise serializers.ValidationError({"lead_id": [_("Give the lead id or the lead's e-mail address.")]})
        if data["kind"] != AccountEvent.Kind.CHURN and data.get("churn_reason"):
            raise serializers.ValidationError({"churn_reason": [_("Only a churn has a churn reason.")]})
        if data["kind"] in (AccountEvent.Kind.FIRST_VALUE, AccountEvent.Kind.CHURN) and data.get("value") is not None:
            raise serializers.ValidationError({"value": [_("Only an expansion or a renewal has a value.")]})
        return data


def validate_account_events(data) -> tuple[dict[int, dict], dict[int, dict]]:
    """Validate a list of account events item by item: (valid items, errors), both keyed by
    the item's index."""
    if not isinstance(data, list):
        raise serializers.ValidationError({"non_field_errors": [_("Send a JSON list of account events.")]})
    if not 1 <= len(data) <= MAX_BATCH:
        raise serializers.ValidationError(
            {"non_field_errors": [_("Send between 1 and %(max)d account events.") % {"max": MAX_BATCH}]}
        )
    child = AccountEventInSerializer()
    valid, errors = {}, {}
    for index, item in enumerate(data):
        try:
            valid[index] = child.run_validation(item)
        except serializers.ValidationError as error:
            errors[index] = error.detail
    return valid, errors


class AccountEventResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    created = serializers.IntegerField()
    duplicates = serializers.IntegerField(help_text=_("Events already received under the same external id, skipped."))


class AccountEventSerializer(OutSerializer):
    class Meta:
        model = AccountEvent
        fields = ["id", "lead", "kind", "occurred_at", "value", "churn_reason", "note", "source_system", "external_id", "received_at"]
        read_only_fields = fields
