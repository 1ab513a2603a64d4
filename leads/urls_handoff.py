from django.urls import path

from leads import views_handoff

app_name = "handoff"

urlpatterns = [
    path("routing/", views_handoff.routing_dry_run, name="dry_run"),
    path("leads/<int:pk>/", views_handoff.lead_handoff, name="lead"),
    path("leads/<int:pk>/reassign/", views_handoff.lead_reassign, name="reassign"),
]
