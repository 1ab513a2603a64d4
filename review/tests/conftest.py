import pytest

from review.tests.world import build_week


@pytest.fixture(autouse=True)
def in_english(settings):
    """Reasons are stored in the business's language: English here, so tests read plainly."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def week_world(team, rep, other_rep, manager):
    return build_week(team=team, rep=rep, other_rep=other_rep, manager=manager)
