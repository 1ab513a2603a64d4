"""Around Django's own login views: which address a login comes from (for django-axes'
per-address count), the page a locked-out login gets, and the password reset e-mail's link."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_ip(request: HttpRequest) -> str:
    """The address a request came from. Behind our TLS proxy (BEHIND_TLS_PROXY) that is the
    last X-Forwarded-For entry, the one the proxy added; earlier entries come from the client
    and could be anything."""
    if settings.BEHIND_TLS_PROXY:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if forwarded[-1]:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR", "")


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """429 with our own page, in the reader's language, instead of django-axes' plain text."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset view, with the e-mail's link starting with SITE_URL rather than with
    whatever Host header the request came with."""

    def form_valid(self, form):
        self.extra_email_context = {"site_url": settings.SITE_URL.rstrip("/")}
        return super().form_valid(form)
