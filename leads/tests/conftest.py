import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The personas get real passwords; hashing them the production way costs over a second
    each, which adds minutes to a suite that creates several per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
