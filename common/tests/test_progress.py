from io import StringIO

from django.core.management.base import OutputWrapper

from common.progress import progress_bar


def test_the_bar_redraws_on_one_line_through_a_commands_output_wrapper():
    out = StringIO()
    with progress_bar(OutputWrapper(out), total=3, unit="leads", mininterval=0) as bar:
        for _ in range(3):
            bar.update(1)
    text = out.getvalue()
    assert text.count("\r") >= 3
    assert "3/3" in text
    # One line in all: tqdm's own closing newline, none added per update.
    assert text.count("\n") <= 1


def test_disabled_bar_writes_nothing():
    out = StringIO()
    with progress_bar(OutputWrapper(out), total=2, disable=True) as bar:
        bar.update(2)
    assert out.getvalue() == ""
