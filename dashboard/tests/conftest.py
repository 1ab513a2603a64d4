import pytest

from dashboard.tests.world import build_world


@pytest.fixture
def world(team, rep, other_rep, manager):
    return build_world(team=team, rep=rep, other_rep=other_rep, manager=manager)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The personas get passwords; the real hasher's deliberate slowness adds seconds per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
