"""The personal-data page (GDPR requests), mounted at /personal-data/ by revops/urls.py."""

from django.urls import path

from integrations import views

app_name = "privacy"
urlpatterns = [
    path("", views.person_find, name="person"),
    path("export/", views.person_export, name="export"),
    path("erase/", views.person_erase, name="erase"),
]
