import pytest


@pytest.fixture
def in_english(settings):
    """Messages in English, also the ones stored in the business language."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
