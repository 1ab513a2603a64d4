from django.urls import path

from dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.funnel, name="funnel"),
    path("export/<slug:table>.csv", views.export, name="export"),
    path("export/excel/<slug:table>.csv", views.export, {"for_excel": True}, name="export-excel"),
    path("leads/", views.lead_list, name="leads"),
    path("overview/", views.overview, name="overview"),
]
