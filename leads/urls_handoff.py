from django.urls import path

from leads import views_handoff

app_name = "handoff"

urlpatterns = [
    path("routing/", views_handoff.routing_dry_run, name="dry_run"),
    path("leads/<int:pk>/", views_handoff.lead_handoff, name="lead"),
    path("leads/<int:pk>/reassign/", views_handoff.lead_reassign, name="reassign"),
    path("me/", views_handoff.my_notifications, name="me"),
    path("me/channels/", views_handoff.my_channel_add, name="channel_add"),
    path("me/channels/<int:pk>/delete/", views_handoff.my_channel_delete, name="channel_delete"),
    path("me/channels/<int:pk>/test/", views_handoff.my_channel_test, name="channel_test"),
]
