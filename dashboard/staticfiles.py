"""plotly.js, served from the installed plotly package as static/vendor/plotly.min.js.

The 4.8 MB file stays out of our repository, its version follows requirements.txt, and it
comes from our own origin (collectstatic copies it, WhiteNoise compresses it): no CDN.
"""

from pathlib import Path

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import Error
from django.core.files.storage import FileSystemStorage

PACKAGE_DATA = Path(plotly.__file__).resolve().parent / "package_data"
FILE_NAME = "plotly.min.js"
PREFIX = "vendor"


class PlotlyFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=PACKAGE_DATA)
        self.storage.prefix = PREFIX

    def check(self, **kwargs):
        if not (PACKAGE_DATA / FILE_NAME).is_file():
            return [Error(f"plotly.js is missing from the plotly package ({PACKAGE_DATA}).", id="dashboard.E001")]
        return []

    def find(self, path, find_all=False, **kwargs):
        if path == f"{PREFIX}/{FILE_NAME}":
            found = str(PACKAGE_DATA / FILE_NAME)
            return [found] if find_all else found
        return [] if find_all else None

    def list(self, ignore_patterns):
        yield FILE_NAME, self.storage
