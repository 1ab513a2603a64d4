"""Pages for people: the interactive API documentation and the history import."""

from drf_spectacular.views import SpectacularSwaggerView


class ApiDocsView(SpectacularSwaggerView):
    """Swagger UI from our own static files (drf-spectacular-sidecar), with its script and
    styles carrying the page's CSP nonce."""

    url_name = "api:schema"
    template_name = "integrations/api_docs.html"

    @classmethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)
        # A page for people: LoginRequiredMiddleware sends anonymous visitors to the login
        # form instead of DRF answering 403.
        view.login_required = True
        return view
