"""The campaigns page: every campaign with what it expects and how many leads it linked;
marketing and RevOps create and edit them, everyone else reads."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from campaigns.forms import CampaignForm
from leads import access
from leads.models import Campaign


def campaign_list(request: HttpRequest) -> HttpResponse:
    if not access.may_read_shared_pages(request.user):
        raise PermissionDenied
    campaigns = Campaign.objects.annotate(lead_count=Count("leads"))
    return render(
        request,
        "campaigns/list.html",
        {"campaigns": campaigns, "may_edit": access.may_edit_campaigns(request.user)},
    )


def campaign_create(request: HttpRequest) -> HttpResponse:
    return _edit(request, Campaign())


def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, get_object_or_404(Campaign, pk=pk))


def _edit(request: HttpRequest, campaign: Campaign) -> HttpResponse:
    if not access.may_edit_campaigns(request.user):
        raise PermissionDenied
    form = CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            campaign = form.save()
            linked = campaign.link_leads()
        message = _("Campaign “%(name)s” saved.") % {"name": campaign.name}
        if linked:
            message += " " + _("%(n)d leads with its name are now linked to it.") % {"n": linked}
        messages.success(request, message)
        return redirect("campaigns:list")
    status = 400 if request.method == "POST" else 200
    return render(request, "campaigns/form.html", {"form": form, "campaign": campaign}, status=status)
