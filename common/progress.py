"""Progress bars for management commands that redraw in place.

A command's `self.stderr` is Django's OutputWrapper, which ends every write with a newline; tqdm
redraws its bar with carriage returns, so through the wrapper each update became a new line.
"""

from __future__ import annotations

from django.core.management.base import OutputWrapper
from tqdm import tqdm


class _InPlace:
    """A file for tqdm: passes each write to the wrapper without the wrapper's line ending."""

    def __init__(self, wrapper: OutputWrapper):
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")

    def flush(self) -> None:
        self.wrapper.flush()


def progress_bar(stream: OutputWrapper, **options) -> tqdm:
    """tqdm(**options) drawing on a command's stdout or stderr, in place."""
    return tqdm(file=_InPlace(stream), **options)
