import pytest
from django.utils import timezone

from dashboard.tests.world import NOW, build_world


@pytest.fixture
def world(team, rep, other_rep, manager):
    return build_world(team=team, rep=rep, other_rep=other_rep, manager=manager)


@pytest.fixture
def world_now(monkeypatch):
    """The page asks for "now" once: freeze it at the world's own moment, so that whether a
    stage is too early to judge does not depend on the day the suite runs."""
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW
