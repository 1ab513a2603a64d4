from django.urls import path

from sales import views

app_name = "leads"

urlpatterns = [
    path("", views.lead_queue, name="queue"),
    path("my-day/", views.my_day, name="my_day"),
    path("<int:pk>/", views.lead_detail, name="detail"),
    path("<int:pk>/outcome/", views.outcome_record, name="outcome"),
    path("<int:pk>/accept/", views.lead_accept, name="accept"),
    path("<int:pk>/reject/", views.lead_reject, name="reject"),
    path("<int:pk>/attempts/", views.attempt_create, name="attempt"),
    path("<int:pk>/feedback/", views.feedback_submit, name="feedback"),
    path("<int:pk>/lost/", views.lead_lost, name="lost"),
    path("<int:pk>/sourced-by/", views.source_owner_set, name="source_owner"),
]
