from django.urls import path

from review import views

app_name = "review"
urlpatterns = [
    path("", views.weekly_review, name="weekly"),
    path("export.csv", views.review_export, name="export"),
    path("leads/", views.review_leads, name="leads"),
    path("acts/discussed", views.act_discussed, name="discussed"),
    path("acts/nudge", views.act_nudge, name="nudge"),
    path("acts/reassign", views.act_reassign, name="reassign"),
    path("actions/add", views.action_add, name="action_add"),
    path("actions/done", views.action_done, name="action_done"),
    path("last-leads/", views.last_delivered_leads, name="last-leads"),
]
