from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from dashboard import api as dashboard_api
from revops import health, language, login, start, twofactor

urlpatterns = [
    path("", start.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("system/", health.system_health, name="system_health"),
    path("leads/", include("sales.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("api/dashboard/", dashboard_api.DashboardFigures.as_view(), name="api-dashboard"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # Password reset by e-mail: Django's own views, our templates.
    path("accounts/password/reset/", login.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("accounts/two-factor/", twofactor.two_factor, name="two_factor"),
    path("accounts/two-factor/verify/", twofactor.two_factor_verify, name="two_factor_verify"),
    path("i18n/setlang/", language.language_set, name="set_language"),
    path("handoff/", include("handoff.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("qualification/", include("qualification.urls")),
    path("review/", include("review.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("revops.api")),
    path("import/", include("integrations.urls")),
    path("personal-data/", include("integrations.privacy_urls")),
]

handler500 = "revops.faults.server_error"

admin.site.site_header = "Handoff"
admin.site.site_title = "Handoff"
