from django.urls import path

from integrations import views

app_name = "integrations"
urlpatterns = [
    path("", views.history_import, name="import"),
    path("jobs/<int:pk>/", views.import_job, name="job"),
]
