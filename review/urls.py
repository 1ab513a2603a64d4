from django.urls import path

from review import views

app_name = "review"
urlpatterns = [
    path("", views.weekly_review, name="weekly"),
    path("export.csv", views.review_export, name="export"),
    path("leads/", views.review_leads, name="leads"),
    path("last-leads/", views.last_delivered_leads, name="last-leads"),
]
