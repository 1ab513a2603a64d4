"""Pages for people: the interactive API documentation and the history import."""

import io

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.views import SpectacularSwaggerView

from common.roles import Role, has_role
from integrations.forms import HistoryImportForm
from integrations.importer import HistoryImport


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


def history_import(request):
    if not has_role(request.user, Role.REVOPS_ADMIN):
        raise PermissionDenied
    report = None
    form = HistoryImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        importer = HistoryImport(
            source_system=form.cleaned_data["source_system"],
            column_map=form.cleaned_data["column_map"],
            value_map=form.cleaned_data["value_map"],
            skip_bad_rows=form.cleaned_data["skip_bad_rows"],
            dry_run=form.cleaned_data["dry_run"],
            now=timezone.now(),
            user=request.user,
            file_name=upload.name,
        )
        try:
            report = importer.run(io.TextIOWrapper(upload.file, encoding="utf-8-sig", newline=""))
        except UnicodeDecodeError:
            form.add_error("file", _("This file is not UTF-8 text. Save it as “CSV UTF-8” and try again."))
    return render(request, "integrations/history_import.html", {"form": form, "report": report})
