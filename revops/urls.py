from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from dashboard import api as dashboard_api
from dashboard import views as dashboard_views

urlpatterns = [
    path("", dashboard_views.home, name="home"),
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
    # The language can be chosen on the login page already.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("handoff/", include("handoff.urls")),
    path("qualification/", include("qualification.urls")),
    path("review/", include("review.urls")),
    path("admin/", admin.site.urls),
    path("api/", include("revops.api")),
    path("import/", include("integrations.urls")),
]

admin.site.site_header = "Handoff"
admin.site.site_title = "Handoff"
