"""One way to write a day and one a day with its time, per language (revops/formats/), and no
template with a format of its own."""

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# 'c' is the machine-readable moment in a <time datetime="…"> attribute, not text to read;
# 'W' is a week's number ("week 49"), the same in both languages.
ALLOWED = {"c", "W", "DATE_FORMAT", "DATETIME_FORMAT"}
MOMENT = datetime(2026, 12, 3, 14, 5, tzinfo=ZoneInfo("Europe/Amsterdam"))


def test_a_day_and_a_moment_read_the_same_way_in_each_language():
    with translation.override("en"):
        assert date_format(MOMENT, "DATE_FORMAT") == "3 Dec 2026"
        assert date_format(MOMENT, "DATETIME_FORMAT") == "3 Dec 2026 14:05"
    with translation.override("nl"):
        assert date_format(MOMENT, "DATE_FORMAT") == "3 dec 2026"
        assert date_format(MOMENT, "DATETIME_FORMAT") == "3 dec 2026 14:05"


def test_no_template_writes_a_date_in_a_format_of_its_own():
    ad_hoc = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        for match in re.finditer(r"""\|(date|time):(["'])([^"']*)\2""", text):
            if match.group(1) == "time" or match.group(3) not in ALLOWED:
                ad_hoc.append(f"{path.relative_to(TEMPLATES)}: {match.group(0)}")
        ad_hoc.extend(f"{path.relative_to(TEMPLATES)}: |time" for _ in re.finditer(r"\|time\b", text))
    assert ad_hoc == []
