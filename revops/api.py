"""The REST API's router and its schema, mounted at /api/ by revops/urls.py."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from integrations.api import (
    AccountEventViewSet,
    ActivityViewSet,
    LeadViewSet,
    TypeformWebhookViewSet,
)
from integrations.views import ApiDocsView

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("leads", LeadViewSet, basename="lead")
router.register("activities", ActivityViewSet, basename="activity")
router.register("account-events", AccountEventViewSet, basename="account-event")
router.register("webhooks/typeform", TypeformWebhookViewSet, basename="typeform-webhook")

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", ApiDocsView.as_view(), name="docs"),
    *router.urls,
]
