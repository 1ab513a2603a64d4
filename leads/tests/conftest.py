import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Every persona is created with a password; the production hasher's deliberate slowness
    (about a second per user on a busy CI machine) only slows the tests down."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def in_english(settings):
    """Messages in English, also the ones stored in the business language."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
