"""The REST API for other systems: leads, activities, account events after the sale and the
Typeform webhook. The router that publishes these lives in revops/api.py."""

from __future__ import annotations

import re
from datetime import timezone as dt_timezone

import django_filters
from django import forms
from django.core.exceptions import RequestDataTooBig
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed, NotFound, Throttled, ValidationError
from rest_framework.response import Response

from integrations import aftersales, ingest, privacy, serializers
from integrations.authentication import (
    CanIngest,
    CanRead,
    QueryTokenAuthentication,
    TokenAuthentication,
    TokenRateThrottle,
)
from integrations.models import ApiToken
from integrations.pagination import AccountEventCursorPagination, LeadCursorPagination
from integrations.parsers import RequestTooLarge, SafeJSONParser
from integrations.typeform import TypeformWebhookSerializer, signature_matches
from leads import access
from leads.models import AccountEvent, Campaign, Channel, Lead, SourceOwner


class RateLimited(Throttled):
    default_detail = _("This API token sent more requests this minute than it may.")
    extra_detail_singular = _("Try again in {wait} second.")
    extra_detail_plural = _("Try again in {wait} seconds.")


# Browser users (session) post under this source system; tokens under their own.
BROWSER_SOURCE_SYSTEM = "api"


class IntegrationViewSet(viewsets.GenericViewSet):
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    throttle_classes = [TokenRateThrottle]
    parser_classes = [SafeJSONParser]

    def handle_exception(self, exc):
        if isinstance(exc, RequestDataTooBig):
            exc = RequestTooLarge()
        return super().handle_exception(exc)

    def throttled(self, request, wait):
        raise RateLimited(wait)

    def source_system(self) -> str:
        token = self.request.auth
        return token.source_system if isinstance(token, ApiToken) else BROWSER_SOURCE_SYSTEM


class MomentField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 moment, in UTC: PostgreSQL refuses offsets beyond ±15:59 that Python
    accepts."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(dt_timezone.utc)
        except OverflowError:
            raise forms.ValidationError(_("This moment is out of range."), code="overflow")


class MomentFilter(django_filters.IsoDateTimeFilter):
    field_class = MomentField


class LeadFilter(django_filters.FilterSet):
    stage = django_filters.MultipleChoiceFilter(choices=Lead.Stage.choices)
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices)
    source_owner = django_filters.MultipleChoiceFilter(choices=SourceOwner.choices, help_text=_("Who sourced the lead."))
    campaign_id = django_filters.ModelChoiceFilter(
        field_name="linked_campaign", queryset=Campaign.objects.all(), help_text=_("The linked campaign's id.")
    )
    owner = django_filters.CharFilter(
        field_name="owner__username", help_text=_("The owner's username.")
    )
    updated_since = MomentFilter(
        field_name="updated_at", lookup_expr="gte", help_text=_("ISO 8601, e.g. 2026-11-01T00:00:00Z.")
    )
    external_id = django_filters.CharFilter()
    source_system = django_filters.CharFilter()

    class Meta:
        model = Lead
        fields = ["stage", "channel", "source_owner", "campaign_id", "owner", "updated_since", "external_id", "source_system"]


def visible_leads(request):
    """A token with the read scope is an integration and reads every lead; a person logged in
    reads the leads leads.access lets them see, as on the pages."""
    leads = Lead.objects.all() if isinstance(request.auth, ApiToken) else access.visible_leads(request.user)
    return leads.with_company().order_by("id")


LEAD_ID = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("The lead's id in Handoff."))


@extend_schema_view(
    list=extend_schema(
        summary=_("List leads, filtered, a page at a time"),
        description=_(
            "Leads in the order they were created in Handoff (by id), a page at a time: follow "
            "`next` until it is null. Each link holds a cursor, so every page is as fast as the "
            "first and none repeats or skips a lead while new ones arrive. There is no total "
            "count. Page numbers (`page`) are refused with 400."
        ),
    ),
    retrieve=extend_schema(summary=_("One lead"), parameters=[LEAD_ID]),
)
class LeadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, IntegrationViewSet):
    """Leads: send them (create or update by external id), list them, read their history."""

    serializer_class = serializers.LeadSerializer
    filterset_class = LeadFilter
    pagination_class = LeadCursorPagination
    lookup_value_regex = r"[^/]+"

    def get_queryset(self):
        return visible_leads(self.request)

    def get_object(self):
        # Ids that are no number, or beyond a bigint, are no lead: a JSON 404 like any unknown
        # id (not the site's HTML page for an unknown URL), and kept out of the query.
        if not re.fullmatch(r"[0-9]{1,18}", self.kwargs[self.lookup_field]):
            raise NotFound()
        return super().get_object()

    def get_permissions(self):
        return [CanIngest()] if self.action == "create" else [CanRead()]

    @extend_schema(
        request=serializers.LeadInSerializer,
        responses={
            201: serializers.LeadSerializer,
            200: OpenApiResponse(serializers.LeadSerializer, _("An existing lead was updated.")),
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                _(
                    "Invalid fields, each with its messages. Also for a person who was erased at "
                    "their request: `email` (or `external_id`) says so, and nothing is stored; "
                    "do not send them again."
                ),
            ),
        },
        summary=_("Create or update a lead by its external id"),
    )
    def create(self, request):
        incoming = serializers.LeadInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        fields = dict(incoming.validated_data)
        external_id = fields.pop("external_id")
        company = fields.pop("company", None)
        create_only = {"created_at": fields.pop("created_at")} if "created_at" in fields else {}
        try:
            lead, created = ingest.upsert_lead(
                source_system=self.source_system(),
                external_id=external_id,
                fields=fields,
                create_only=create_only,
                company=company,
                rescore_at=timezone.now(),
            )
        except privacy.Suppressed as refused:
            raise ValidationError({refused.field: [str(refused)]})
        return Response(
            serializers.LeadSerializer(lead).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        responses=serializers.LeadHistorySerializer, parameters=[LEAD_ID], summary=_("A lead's stage history and activities")
    )
    @action(detail=True)
    def history(self, request, pk=None):
        lead = self.get_object()
        data = {
            "lead": lead,
            "stage_changes": lead.stage_changes.select_related("changed_by"),
            "activities": lead.activities.all(),
        }
        return Response(serializers.LeadHistorySerializer(data).data)


def batch_rejected(errors: dict[int, dict]) -> Response:
    return Response(
        {
            "detail": _("%(count)d items are invalid; nothing was stored.") % {"count": len(errors)},
            "items": [{"index": index, "errors": errors[index]} for index in sorted(errors)],
        },
        status=status.HTTP_400_BAD_REQUEST,
    )


def ingested(result: ingest.IngestResult) -> Response:
    body = {"received": result.received, "created": result.created, "duplicates": result.duplicates}
    if result.suppressed:
        body["suppressed"] = result.suppressed
    return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


class ActivityViewSet(IntegrationViewSet):
    """Activities of leads already sent: one at a time or up to 1,000 per request."""

    permission_classes = [CanIngest]
    serializer_class = serializers.ActivityInSerializer

    @extend_schema(
        request=serializers.ActivityInSerializer,
        responses={201: serializers.IngestResultSerializer, 200: serializers.IngestResultSerializer},
        summary=_("Record one activity"),
    )
    def create(self, request):
        incoming = serializers.ActivityInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        try:
            result = ingest.ingest_activities(
                source_system=self.source_system(), items=[incoming.validated_data], now=timezone.now()
            )
        except ingest.BatchRejected as rejected:
            raise ValidationError(rejected.errors[0])
        return ingested(result)

    @extend_schema(
        request=serializers.ActivityInSerializer(many=True),
        responses={
            201: serializers.IngestResultSerializer,
            200: serializers.IngestResultSerializer,
            400: serializers.BatchErrorSerializer,
        },
        summary=_("Record up to 1,000 activities, all or nothing"),
    )
    @action(detail=False, methods=["post"])
    def batch(self, request):
        source_system = self.source_system()
        valid, errors = serializers.validate_batch(request.data)
        if errors:
            errors.update(ingest.unknown_lead_errors(source_system, valid))
            return batch_rejected(errors)
        try:
            result = ingest.ingest_activities(
                source_system=source_system, items=list(valid.values()), now=timezone.now()
            )
        except ingest.BatchRejected as rejected:
            return batch_rejected(rejected.errors)
        return ingested(result)


class TypeformWebhookViewSet(IntegrationViewSet):
    """Typeform's form-submission webhook. Typeform cannot send headers, so the token may come
    in the URL: …/api/webhooks/typeform/?token=hf_…"""

    authentication_classes = [QueryTokenAuthentication]
    permission_classes = [CanIngest]
    serializer_class = TypeformWebhookSerializer

    @extend_schema(
        request=TypeformWebhookSerializer,
        responses={201: serializers.IngestResultSerializer, 200: serializers.IngestResultSerializer},
        summary=_("Receive a Typeform form submission"),
    )
    def create(self, request):
        # Checked on the raw bytes, before anything is parsed or stored.
        secret = request.auth.typeform_signing_secret if isinstance(request.auth, ApiToken) else ""
        if secret and not signature_matches(
            secret=secret, body=request.body, header=request.headers.get("Typeform-Signature", "")
        ):
            raise AuthenticationFailed(_("Typeform-Signature is missing or does not match this token's signing secret."))
        incoming = TypeformWebhookSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        _lead, result = ingest.ingest_form_submission(
            source_system=self.source_system(),
            submission=incoming.validated_data["submission"],
            now=timezone.now(),
        )
        return ingested(result)


def account_events_rejected(errors: dict[int, dict]) -> Response:
    return Response(
        {
            "detail": _("%(count)d account events are invalid; nothing was stored.") % {"count": len(errors)},
            "items": [{"index": index, "errors": errors[index]} for index in sorted(errors)],
        },
        status=status.HTTP_400_BAD_REQUEST,
    )


def account_events_recorded(result: aftersales.RecordResult) -> Response:
    body = {"received": result.received, "created": result.created, "duplicates": result.duplicates}
    return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


@extend_schema_view(list=extend_schema(summary=_("List account events after the sale")))
class AccountEventViewSet(mixins.ListModelMixin, IntegrationViewSet):
    """What happened after the sale: first value reached, renewals, expansions, churn. Each
    event belongs to a won lead, named by its id or e-mail address."""

    serializer_class = serializers.AccountEventSerializer
    pagination_class = AccountEventCursorPagination

    def get_queryset(self):
        return AccountEvent.objects.filter(lead__in=visible_leads(self.request).values("pk")).order_by("id")

    def get_permissions(self):
        return [CanRead()] if self.action == "list" else [CanIngest()]

    def _record(self, data) -> Response:
        valid, errors = serializers.validate_account_events(data)
        try:
            if errors:
                _events, more = aftersales.check_account_events(valid, source_system=self.source_system(), now=timezone.now())
                return account_events_rejected(errors | more)
            result = aftersales.record_account_events(valid, source_system=self.source_system(), now=timezone.now())
        except ingest.BatchRejected as rejected:
            return account_events_rejected(rejected.errors)
        return account_events_recorded(result)

    @extend_schema(
        request=serializers.AccountEventInSerializer,
        responses={
            201: serializers.AccountEventResultSerializer,
            200: OpenApiResponse(serializers.AccountEventResultSerializer, _("Sent before under this external id: skipped.")),
            400: serializers.BatchErrorSerializer,
        },
        summary=_("Record one account event"),
    )
    def create(self, request):
        return self._record([request.data])

    @extend_schema(
        request=serializers.AccountEventInSerializer(many=True),
        responses={
            201: serializers.AccountEventResultSerializer,
            200: serializers.AccountEventResultSerializer,
            400: serializers.BatchErrorSerializer,
        },
        summary=_("Record up to 1,000 account events, all or nothing"),
    )
    @action(detail=False, methods=["post"])
    def batch(self, request):
        return self._record(request.data)
