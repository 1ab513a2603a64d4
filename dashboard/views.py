from django.shortcuts import render
from django.utils import timezone

from dashboard import metrics


def home(request):
    now = timezone.now()
    return render(
        request,
        "dashboard/home.html",
        {
            "overview": metrics.overview(now=now),
            "recent_changes": metrics.recent_stage_changes(),
        },
    )
