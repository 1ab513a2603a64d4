import pytest

from dashboard.tests.world import build_world


@pytest.fixture
def world(team, rep, other_rep, manager):
    return build_world(team=team, rep=rep, other_rep=other_rep, manager=manager)
