from django.urls import path

from qualification import views

app_name = "qualification"
urlpatterns = [
    path("", views.policy_index, name="index"),
    path("drafts/new/", views.draft_create, name="draft_create"),
    path("calibration/", views.calibration, name="calibration"),
    path("asking/", views.asking_list, name="asking"),
    path("what-converts/", views.what_converts, name="what_converts"),
    path("what-converts/adopt/", views.what_converts_adopt, name="what_converts_adopt"),
    path("what-converts/recompute/", views.what_converts_recompute, name="what_converts_recompute"),
    path("leads/<int:pk>/", views.lead_score, name="lead_score"),
    path("v<int:version>/", views.policy_detail, name="detail"),
    path("v<int:version>/edit/", views.policy_edit, name="edit"),
    path("v<int:version>/delete/", views.draft_delete, name="delete"),
    path("v<int:version>/sign/", views.policy_sign, name="sign"),
    path("v<int:version>/preview/", views.policy_preview, name="preview"),
    path("v<int:version>/activate/", views.policy_activate, name="activate"),
    path("v<int:version>/simulate/", views.policy_simulate, name="simulate"),
]
