from django.urls import path

from handoff import views

app_name = "handoff"

urlpatterns = [
    path("routing/", views.routing_dry_run, name="dry_run"),
    path("teams/<int:pk>/rotation/", views.team_rotation, name="team_rotation"),
    path("leads/<int:pk>/", views.lead_handoff, name="lead"),
    path("leads/<int:pk>/reassign/", views.lead_reassign, name="reassign"),
    path("me/", views.my_notifications, name="me"),
    path("me/channels/", views.my_channel_add, name="channel_add"),
    path("me/channels/<int:pk>/delete/", views.my_channel_delete, name="channel_delete"),
    path("me/channels/<int:pk>/test/", views.my_channel_test, name="channel_test"),
]
