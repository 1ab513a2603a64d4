"""Typeform's form-submission webhook (event_type "form_response"), mapped to a lead and a
form-submission activity. Typeform publishes this payload shape and keeps it stable:
https://www.typeform.com/developers/webhooks/example-payload/

Which answer fills which lead field is decided by the question's `ref`, which the form's
author sets in Typeform (see the README for the list). Hidden fields carry the lead id and the
UTM parameters of the landing page.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from integrations.serializers import contains_nul
from leads.models import Activity, Channel, ConversionAction

# Question ref → lead field. An e-mail or phone question fills e-mail or phone whatever its ref.
LEAD_FIELD_REFS = {
    "first_name": "first_name",
    "last_name": "last_name",
    "email": "email",
    "phone": "phone",
    "job_title": "job_title",
    "product_interest": "product_interest",
}
COMPANY_FIELD_REFS = {"company": "name", "company_name": "name", "company_domain": "domain", "website": "domain"}
ANSWER_TYPE_FIELDS = {"email": "email", "phone_number": "phone"}

FIELD_LIMITS = {"first_name": 100, "last_name": 100, "phone": 40, "job_title": 150, "product_interest": 100}


class FieldRefSerializer(serializers.Serializer):
    id = serializers.CharField(required=False, allow_blank=True)
    ref = serializers.CharField(required=False, allow_blank=True)
    type = serializers.CharField(required=False, allow_blank=True)
    title = serializers.CharField(required=False, allow_blank=True)


class AnswerSerializer(serializers.Serializer):
    type = serializers.CharField()
    field = FieldRefSerializer()

    def to_internal_value(self, data):
        validated = super().to_internal_value(data)
        # The value sits under the answer's own type: {"type": "email", "email": "…"}.
        validated["value"] = answer_value(data.get(validated["type"])) if isinstance(data, dict) else ""
        return validated


class DefinitionSerializer(serializers.Serializer):
    id = serializers.CharField(required=False, allow_blank=True)
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    fields = FieldRefSerializer(many=True, required=False)


class FormResponseSerializer(serializers.Serializer):
    form_id = serializers.CharField(max_length=100)
    token = serializers.CharField(max_length=190, help_text=_("Typeform's id of this response."))
    submitted_at = serializers.DateTimeField()
    landed_at = serializers.DateTimeField(required=False)
    hidden = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)
    definition = DefinitionSerializer(required=False)
    answers = AnswerSerializer(many=True)


class TypeformWebhookSerializer(serializers.Serializer):
    event_id = serializers.CharField(max_length=200)
    event_type = serializers.CharField(max_length=50)
    form_response = FormResponseSerializer()

    def validate_event_type(self, value: str) -> str:
        if value != "form_response":
            raise serializers.ValidationError(_("Only form_response events are accepted."))
        return value

    def validate(self, attrs):
        if contains_nul(self.initial_data):
            raise serializers.ValidationError(_("Text may not contain NUL characters."))
        submission = to_submission(attrs["form_response"])
        if not submission.external_id:
            raise serializers.ValidationError(
                {"form_response": [_("The response has no e-mail answer and no lead_id hidden field, so it cannot be tied to a lead.")]}
            )
        email = submission.lead_fields.get("email", "")
        if email:
            serializers.EmailField().run_validation(email)
        attrs["submission"] = submission
        return attrs


def signature_matches(*, secret: str, body: bytes, header: str) -> bool:
    """Typeform's `Typeform-Signature`: "sha256=" + base64 of the HMAC-SHA256 of the raw body
    under the webhook's secret."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    expected = "sha256=" + base64.b64encode(digest).decode()
    return hmac.compare_digest(expected.encode(), header.encode())


def answer_value(raw) -> str:
    if raw is None:
        return ""
    if isinstance(raw, dict):  # choice: {"label": …}, choices: {"labels": [...]}
        if "labels" in raw:
            return ", ".join(str(label) for label in raw["labels"])
        return str(raw.get("label") or raw.get("other") or "")
    if isinstance(raw, list):
        return ", ".join(str(item) for item in raw)
    return str(raw)


def channel_from_utm(source: str, medium: str) -> str:
    """The lead's channel from the landing page's utm_source and utm_medium."""
    source, medium = source.strip().lower(), medium.strip().lower()
    paid = medium in ("cpc", "ppc", "paid", "paidsearch", "paid_search", "paid_social", "display")
    if source in ("facebook", "instagram", "meta", "fb", "ig"):
        return Channel.META
    if source == "linkedin":
        return Channel.LINKEDIN
    if source in ("google", "adwords", "bing") and paid:
        return Channel.GOOGLE_ADS
    if medium in ("email", "e-mail", "newsletter"):
        return Channel.EMAIL
    if medium in ("organic", "seo"):
        return Channel.ORGANIC
    if medium == "referral":
        return Channel.REFERRAL
    if medium in ("event", "trade_fair", "beurs"):
        return Channel.EVENT
    if not source and not medium:
        return Channel.DIRECT
    return Channel.OTHER


def utm_source_text(source: str, medium: str) -> str:
    """The landing page's own words, "google / cpc", kept beside the channel we read in them."""
    return " / ".join(part.strip() for part in (source, medium) if part.strip())[:200]


@dataclass
class FormSubmission:
    external_id: str
    lead_fields: dict = field(default_factory=dict)
    create_only: dict = field(default_factory=dict)
    company: dict = field(default_factory=dict)
    activity: dict = field(default_factory=dict)


def to_submission(response: dict) -> FormSubmission:
    """The lead and the activity inside one Typeform response."""
    lead_fields: dict = {}
    company: dict = {}
    answers: dict = {}
    for answer in response["answers"]:
        ref = answer["field"].get("ref", "")
        name = ref or answer["field"].get("title") or answer["field"].get("id", "")
        value = answer["value"].strip()
        answers[name] = value
        target = ANSWER_TYPE_FIELDS.get(answer["type"]) or LEAD_FIELD_REFS.get(ref)
        if target:
            lead_fields[target] = value[: FIELD_LIMITS.get(target, 254)]
        elif ref in COMPANY_FIELD_REFS:
            company[COMPANY_FIELD_REFS[ref]] = value[:200]
    if "email" in lead_fields:
        lead_fields["email"] = lead_fields["email"].lower()
    hidden = response.get("hidden") or {}
    external_id = (hidden.get("lead_id") or lead_fields.get("email", ""))[:200]
    conversion_action = hidden.get("conversion_action", "")
    create_only = {
        "created_at": response["submitted_at"],
        "channel": channel_from_utm(hidden.get("utm_source", ""), hidden.get("utm_medium", "")),
        "campaign": hidden.get("utm_campaign", "")[:200],
        "source": utm_source_text(hidden.get("utm_source", ""), hidden.get("utm_medium", "")),
        "conversion_action": (
            conversion_action if conversion_action in ConversionAction.values else ConversionAction.CONTACT_FORM
        ),
    }
    definition = response.get("definition") or {}
    activity = {
        "lead": external_id,
        "external_id": response["token"],
        "kind": Activity.Kind.FORM_SUBMISSION,
        "occurred_at": response["submitted_at"],
        "title": (definition.get("title") or response["form_id"])[:200],
        "url": "",
        "data": {"form_id": response["form_id"], "answers": answers, "hidden": hidden},
    }
    return FormSubmission(external_id, lead_fields, create_only, company, activity)

