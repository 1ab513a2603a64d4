"""The definition of a good lead, for everyone to read and for marketing to refine."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.roles import Role, has_role
from leads import access
from leads.models import ConversionAction, IntentTier
from qualification import activation, analysis, disqualified, learning, stored_reports
from qualification.forms import (
    ActivationForm,
    DisqualifierFormSet,
    EngagementRuleFormSet,
    FitRuleFormSet,
    PeriodForm,
    PolicyForm,
    PreviewListForm,
    SignForm,
    StoredReportForm,
)
from qualification.models import Activation, QualificationPolicy, SignOff, next_version
from qualification.whatconverts import rows_by_trait

READERS = tuple(Role.values)
EDITORS = (Role.MARKETING, Role.REVOPS_ADMIN)
ANALYSTS = (Role.MARKETING, Role.REVOPS_ADMIN, Role.SALES_MANAGER)
PREVIEW_LIST = 500  # leads listed per preview outcome
ASKING_LIST = 500
VALUES_PER_TRAIT = 12


def require_role(user, roles) -> None:
    if not has_role(user, *roles):
        raise PermissionDenied


def get_policy(version: int) -> QualificationPolicy:
    return get_object_or_404(
        QualificationPolicy.objects.with_rules().prefetch_related("signoffs__signed_by"),
        version=version,
    )


def get_draft(user, version: int) -> QualificationPolicy:
    require_role(user, EDITORS)
    policy = get_policy(version)
    if not policy.is_draft:
        raise PermissionDenied  # active and retired versions are history: copy, don't edit
    if Activation.objects.filter(policy=policy, status__in=[Activation.Status.QUEUED, Activation.Status.RUNNING]).exists():
        raise PermissionDenied  # the worker is activating it as it stands
    return policy


def policy_index(request):
    """The active policy, or the newest version while none is active."""
    require_role(request.user, READERS)
    policy = QualificationPolicy.objects.active() or QualificationPolicy.objects.first()
    if policy is None:
        return render(request, "qualification/empty.html", {"can_edit": has_role(request.user, *EDITORS)})
    return policy_detail(request, policy.version)


def policy_detail(request, version: int):
    require_role(request.user, READERS)
    policy = get_policy(version)
    user = request.user
    can_edit = has_role(user, *EDITORS)
    run = Activation.objects.filter(policy=policy).first()
    return render(
        request,
        "qualification/policy_detail.html",
        {
            "policy": policy,
            "review_due": policy.review_due(today=timezone.localdate()),
            "versions": QualificationPolicy.objects.all(),
            "tier_rows": [
                (ConversionAction(action).label, IntentTier(tier))
                for action, tier in policy.snapshot().intent_tiers.items()
            ],
            "marketing_signoff": policy.signoff_for(SignOff.Role.MARKETING),
            "sales_signoff": policy.signoff_for(SignOff.Role.SALES_MANAGER),
            "can_edit": can_edit and policy.is_draft and not (run and run.in_progress),
            "can_copy": can_edit,
            "can_analyse": has_role(user, *ANALYSTS),
            "sign_form": SignForm(user=user) if policy.is_draft else None,
            "activation_problems": policy.activation_problems() if policy.is_draft else [],
            "activation": run,
        },
    )


@require_POST
def draft_create(request):
    """A new draft: a copy of the active policy (or of the version given), to edit."""
    require_role(request.user, EDITORS)
    source_version = request.POST.get("from")
    if source_version and source_version.isdigit():
        source = get_policy(int(source_version))
    else:
        source = QualificationPolicy.objects.with_rules().active()
    if source is None:
        draft = QualificationPolicy.objects.create(
            version=next_version(),
            created_by=request.user,
        )
    else:
        draft = source.copy_as_draft(by=request.user)
    messages.success(request, _("Draft v%(version)s created.") % {"version": draft.version})
    return redirect("qualification:edit", version=draft.version)


def policy_edit(request, version: int):
    policy = get_draft(request.user, version)
    data = request.POST if request.method == "POST" else None
    form = PolicyForm(data, instance=policy)
    formsets = {
        "fit": FitRuleFormSet(data, instance=policy, prefix="fit"),
        "engagement": EngagementRuleFormSet(data, instance=policy, prefix="engagement"),
        "disqualifiers": DisqualifierFormSet(data, instance=policy, prefix="disqualifiers"),
    }
    if data is not None:
        if form.is_valid() and all(formset.is_valid() for formset in formsets.values()):
            with transaction.atomic():
                form.save()
                for formset in formsets.values():
                    formset.save()
                policy.draft_changed()
            messages.success(request, _("Draft saved. Earlier sign-offs were withdrawn."))
            return redirect("qualification:detail", version=policy.version)
        messages.error(request, _("The draft was not saved: correct the fields marked below."))
    return render(
        request,
        "qualification/policy_edit.html",
        {"policy": policy, "form": form, "formsets": formsets},
        status=400 if data is not None else 200,
    )


@require_POST
def draft_delete(request, version: int):
    policy = get_draft(request.user, version)
    policy.delete()
    messages.success(request, _("Draft v%(version)s discarded.") % {"version": version})
    return redirect("qualification:index")


@require_POST
def policy_sign(request, version: int):
    policy = get_policy(version)
    form = SignForm(request.POST, user=request.user)
    if not form.fields["role"].choices:
        raise PermissionDenied  # only marketing and sales managers sign
    if form.is_valid():
        try:
            policy.sign(request.user, role=form.cleaned_data["role"], now=timezone.now())
            messages.success(request, _("Signed."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, _("Choose the role you sign for."))
    return redirect("qualification:detail", version=version)


def policy_preview(request, version: int):
    """What activating this draft would do to the open leads now, with the leads one click
    away (`?show=qualify&team=3`)."""
    require_role(request.user, ANALYSTS)
    policy = get_policy(version)
    if not policy.is_draft:
        raise PermissionDenied
    listing = PreviewListForm(request.GET)
    if not listing.is_valid():
        return render(request, "qualification/preview.html", {"policy": policy, "listing": listing}, status=400)
    preview = activation.preview(policy.snapshot(), now=timezone.now())
    show, team = listing.cleaned_data["show"], listing.cleaned_data["team"]
    listed = None
    if show:
        ids = preview.leads(show, team)
        listed = access.visible_leads(request.user).filter(id__in=ids).with_company().order_by("id")[:PREVIEW_LIST]
    return render(
        request,
        "qualification/preview.html",
        {
            "policy": policy,
            "preview": preview,
            "listing": listing,
            "show": show,
            "team": team,
            "listed": listed,
            "listed_total": len(preview.leads(show, team)) if show else 0,
            "activation_form": ActivationForm(),
            "can_activate": has_role(request.user, *EDITORS) and not policy.activation_problems(),
        },
    )


@require_POST
def policy_activate(request, version: int):
    """Queue the activation; the worker carries it out and the policy page shows its progress."""
    require_role(request.user, EDITORS)
    policy = get_policy(version)
    form = ActivationForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["spread_hours"]))
        return redirect("qualification:preview", version=version)
    try:
        activation.request(policy, by=request.user, now=timezone.now(), spread_hours=form.cleaned_data["spread_hours"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("qualification:detail", version=version)
    messages.success(request, _("Activation of v%(version)s is queued: the worker re-scores the open leads now.") % {"version": policy.version})
    return redirect("qualification:detail", version=version)


def asking_list(request):
    """Disqualified leads that asked for contact since: marketing and the manager decide."""
    require_role(request.user, ANALYSTS)
    leads = disqualified.asking(access.visible_leads(request.user))[:ASKING_LIST]
    return render(request, "qualification/asking.html", {"leads": leads})


def policy_simulate(request, version: int):
    require_role(request.user, ANALYSTS)
    policy = get_policy(version)
    period = PeriodForm(request.GET or None)
    days = period.cleaned_data["days"] if period.is_valid() else 90
    active = QualificationPolicy.objects.with_rules().active()
    compare_with = active if active and active.pk != policy.pk else None
    simulation = analysis.simulate(
        policy.snapshot(),
        compare_with.snapshot() if compare_with else None,
        days=days,
        now=timezone.now(),
    )
    return render(
        request,
        "qualification/simulate.html",
        {"policy": policy, "active": compare_with, "simulation": simulation, "period": period},
        status=400 if request.GET and not period.is_valid() else 200,
    )


def calibration(request):
    require_role(request.user, ANALYSTS)
    policy = QualificationPolicy.objects.with_rules().active()
    period = PeriodForm(request.GET or None, initial={"days": 180})
    days = period.cleaned_data["days"] if period.is_valid() else 180
    result = analysis.calibrate(policy.snapshot(), days=days, now=timezone.now()) if policy else None
    return render(
        request,
        "qualification/calibration.html",
        {
            "policy": policy,
            "calibration": result,
            "period": period,
            "band_tables": [
                (_("By fit score"), result.fit_bands),
                (_("By engagement score"), result.engagement_bands),
            ]
            if result
            else [],
        },
        status=400 if request.GET and not period.is_valid() else 200,
    )


def lead_score(request, pk: int):
    """Why this lead has its score and stage ("why is this an MQL?")."""
    lead = access.lead_to_see(request.user, pk)
    decision = (
        lead.stage_changes.filter(rule__startswith="qualification policy").order_by("-changed_at", "-id").first()
    )
    return render(request, "qualification/lead_score.html", {"lead": lead, "decision": decision})


def what_converts(request):
    """What won leads had in common, and the definition it suggests, for marketing: the newest
    stored report (the worker computes it; this page never does)."""
    require_role(request.user, EDITORS)
    stored = stored_reports.newest()
    report = stored_reports.report_of(stored) if stored else None
    return render(
        request,
        "qualification/what_converts.html",
        {
            "stored": stored,
            "report": report,
            "waiting": stored_reports.waiting(),
            "traits": rows_by_trait(report.table, limit=VALUES_PER_TRAIT) if report else [],
            "active": QualificationPolicy.objects.active(),
        },
    )


@require_POST
def what_converts_recompute(request):
    """Ask the worker for a fresh report (a request already waiting stands)."""
    require_role(request.user, EDITORS)
    stored_reports.request(by=request.user, now=timezone.now())
    messages.success(request, _("A new report is asked for: the worker computes it, this page shows it when it is done."))
    return redirect("qualification:what_converts")


@require_POST
def what_converts_adopt(request):
    """The proposal of the stored report the reader saw as a new draft (not signed, not
    active), to edit, simulate and sign."""
    require_role(request.user, EDITORS)
    form = StoredReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("That report is not there (any more): adopt the proposal of the report shown."))
        return redirect("qualification:what_converts")
    report = stored_reports.report_of(form.cleaned_data["report"])
    if report.proposal is None:
        messages.error(request, _("There is no proposal to adopt: the history needs won leads and leads that were not won."))
        return redirect("qualification:what_converts")
    try:
        draft = learning.adopt(report.proposal, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("qualification:what_converts")
    messages.success(request, _("Draft v%(version)s holds the proposal: edit, simulate and sign it as any draft.") % {"version": draft.version})
    return redirect("qualification:detail", version=draft.version)
