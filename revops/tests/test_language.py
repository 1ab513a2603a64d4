"""Each person's language: chosen with the switcher or on their notifications page, stored
with them, and used by their pages after login; the cookie decides before login."""

import pytest
from django.conf import settings
from django.urls import reverse

from handoff.models import UserLanguage, choose_language

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english_installation(settings):
    settings.LANGUAGE_CODE = "en"


def test_the_switcher_stores_the_choice_of_someone_logged_in(client, rep):
    client.force_login(rep)
    response = client.post(reverse("set_language"), {"language": "nl", "next": reverse("handoff:me")})
    assert response.status_code == 302
    assert UserLanguage.objects.get(user=rep).language == "nl"
    assert "Mijn meldingen" in client.get(reverse("handoff:me")).content.decode()


def test_pages_after_login_follow_the_person_not_the_cookie(client, rep):
    choose_language(rep, "nl")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(rep)
    page = client.get(reverse("handoff:me"))
    assert page["Content-Language"] == "nl"
    assert "Mijn meldingen" in page.content.decode()


def test_before_login_the_cookie_decides_and_nothing_is_stored(client):
    response = client.post(reverse("set_language"), {"language": "nl", "next": reverse("login")})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "nl"
    assert "Inloggen" in client.get(reverse("login")).content.decode()
    assert not UserLanguage.objects.exists()


def test_one_person_switching_leaves_the_next_login_in_the_same_browser_alone(client, rep, other_rep):
    choose_language(rep, "nl")
    client.force_login(rep)
    assert client.get(reverse("handoff:me"))["Content-Language"] == "nl"
    client.force_login(other_rep)
    assert client.get(reverse("handoff:me"))["Content-Language"] == "en"


def test_an_unknown_language_is_refused_and_changes_nothing(rep):
    with pytest.raises(ValueError):
        choose_language(rep, "xx")
    assert not UserLanguage.objects.exists()
