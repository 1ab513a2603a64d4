from django.utils import translation

from dashboard.formatting import business_hours
from review.targets import Judged, Status
from review.templatetags.review_format import status_class, status_label


def test_business_time_is_never_written_in_days():
    with translation.override("en"):
        assert business_hours(None) == "—"
        assert business_hours(1800) == "30 min"
        assert business_hours(3590) == "1.0 h"  # not "60 min"
        assert business_hours(3 * 86400) == "72.0 h"


def test_verdicts_map_to_the_badge_classes():
    assert status_class(Judged(0.3, 0.3, Status.GOOD)) == "ok"
    assert status_class(Judged(0.28, 0.3, Status.AMBER)) == "warn-badge"
    assert status_class(Judged(0.1, 0.3, Status.BAD)) == "bad"
    assert status_class(Judged(None, 0.3, None)) == ""


def test_a_figure_without_a_verdict_says_why():
    with translation.override("en"):
        assert status_label(Judged(None, 0.3, None)) == "nothing to measure"
        assert status_label(Judged(12, None, None)) == "no target"
