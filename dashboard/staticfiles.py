"""plotly.js, served from npm's partial bundle as static/vendor/plotly.min.js.

The figures use three trace types (bar, scatter, funnel), all in plotly.js's "finance" bundle
(1.3 MB instead of the full 4.8 MB). It is pinned in package-lock.json and installed by
`./dev setup` (`npm ci`) into node_modules/, stays out of our repository and comes from our own
origin (collectstatic copies it, WhiteNoise compresses it): no CDN.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import Error
from django.core.files.storage import FileSystemStorage

BUNDLE = Path("plotly.js-finance-dist-min") / "plotly-finance.min.js"
FILE_NAME = "plotly.min.js"
PREFIX = "vendor"


def bundle_path() -> Path:
    return Path(settings.BASE_DIR) / "node_modules" / BUNDLE


class _BundleStorage(FileSystemStorage):
    """The bundle's folder, listing only the bundle, under the name the templates use."""

    def path(self, name):
        return str(bundle_path()) if name == FILE_NAME else super().path(name)


class PlotlyFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.storage = _BundleStorage(location=bundle_path().parent)
        self.storage.prefix = PREFIX

    def check(self, **kwargs):
        if not bundle_path().is_file():
            return [
                Error(
                    f"plotly.js is missing ({bundle_path()}).",
                    hint="Run ./dev setup (it runs `npm ci`).",
                    id="dashboard.E001",
                )
            ]
        return []

    def find(self, path, find_all=False, **kwargs):
        if path == f"{PREFIX}/{FILE_NAME}":
            found = str(bundle_path())
            return [found] if find_all else found
        return [] if find_all else None

    def list(self, ignore_patterns):
        yield FILE_NAME, self.storage
