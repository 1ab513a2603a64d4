"""Pages for people: the interactive API documentation, the history import and its jobs, and
the personal-data page (one person's data: find, export, erase)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.views.decorators.http import require_POST
from drf_spectacular.views import SpectacularSwaggerView

from common.roles import Role, has_role
from integrations import jobs, privacy
from integrations.forms import ErasureForm, HistoryImportForm, PersonForm
from integrations.models import Erasure, ImportJob
from leads import access


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


def _personal_data_page(request, *, form: PersonForm, erase_form: ErasureForm | None = None, status: int = 200):
    context = {"form": form, "erasures": Erasure.objects.select_related("erased_by")[:10]}
    if form.is_bound and form.is_valid():
        email = form.cleaned_data["email"]
        context.update(
            email=email,
            leads=list(privacy.leads_of(email)),
            suppressed=privacy.is_address_suppressed(email),
            erase_form=erase_form or ErasureForm(initial={"email": email}),
        )
    return render(request, "integrations/personal_data.html", context, status=status)


def _check_personal_data_access(user) -> None:
    if not access.may_handle_personal_data(user):
        raise PermissionDenied


def person_find(request):
    _check_personal_data_access(request.user)
    form = PersonForm(request.POST if request.method == "POST" else None)
    return _personal_data_page(request, form=form)


@require_POST
def person_export(request):
    _check_personal_data_access(request.user)
    form = PersonForm(request.POST)
    if not form.is_valid():
        return _personal_data_page(request, form=form, status=400)
    response = HttpResponse(
        privacy.export_json(form.cleaned_data["email"], now=timezone.now()), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="handoff-personal-data.json"'
    return response


@require_POST
def person_erase(request):
    _check_personal_data_access(request.user)
    erase_form = ErasureForm(request.POST)
    if not erase_form.is_valid():
        return _personal_data_page(
            request, form=PersonForm({"email": request.POST.get("email", "")}), erase_form=erase_form, status=400
        )
    erasure = privacy.erase_person(
        erase_form.cleaned_data["email"], by=request.user, reference=erase_form.cleaned_data["reference"], now=timezone.now()
    )
    messages.success(
        request,
        ngettext(
            "Erased: %(count)d lead anonymised, and the address is suppressed.",
            "Erased: %(count)d leads anonymised, and the address is suppressed.",
            erasure.lead_count,
        )
        % {"count": erasure.lead_count},
    )
    return redirect("privacy:person")
