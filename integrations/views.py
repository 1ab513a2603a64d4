"""Pages for people: the interactive API documentation, the history import and its jobs."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from drf_spectacular.views import SpectacularSwaggerView

from common.roles import Role, has_role
from integrations import jobs
from integrations.forms import HistoryImportForm
from integrations.models import ImportJob


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
    """The upload form and the latest imports. An upload becomes a job: a small one runs at
    once, a larger one waits for the worker; either way the job's page shows how it went."""
    require_revops_admin(request.user)
    form = HistoryImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        now = timezone.now()
        job = jobs.queue_import(
            content=upload.read(),
            file_name=upload.name,
            options=form.import_options(),
            user=request.user,
            language=get_language(),
            now=now,
        )
        if upload.size <= jobs.RUN_AT_ONCE_BYTES:
            jobs.run_job(job, now=now)
        return redirect("integrations:job", job.pk)
    recent = ImportJob.objects.select_related("created_by").defer("content", "report")[:10]
    return render(request, "integrations/history_import.html", {"form": form, "jobs": recent})


def import_job(request, pk: int):
    require_revops_admin(request.user)
    job = get_object_or_404(ImportJob.objects.defer("content"), pk=pk)
    return render(request, "integrations/import_job.html", {"job": job, "report": jobs.report_of(job)})


def require_revops_admin(user) -> None:
    if not has_role(user, Role.REVOPS_ADMIN):
        raise PermissionDenied
