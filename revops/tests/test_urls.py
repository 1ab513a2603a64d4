"""Every page requires login: walk every URL pattern as an anonymous visitor."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# The only doors open without logging in.
PUBLIC = {
    "login",
    "set_language",
    "admin:login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "healthz",
}


def all_patterns(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from all_patterns(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), f"{namespace}{pattern.name or ''}"


def example_path(route: str) -> str:
    """A concrete path for a route: each converter or regex group becomes a plausible value."""
    # Regex groups first: DRF's router writes (?P<pk>[^/.]+).
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", route)
    path = re.sub(r"<int:\w+>|<pk>|<\w+_id>", "1", path)
    path = re.sub(r"<path:\w+>", "a/b", path)
    path = re.sub(r"<(?:slug|str|uuid):?\w*>", "x", path)
    path = path.replace("^", "").replace("$", "").replace("\\Z", "").replace("\\", "")
    return "/" + path


def test_there_are_pages_to_check():
    names = {name for _, name in all_patterns()}
    assert {"home", "login", "logout"} <= names


@pytest.mark.django_db
def test_every_page_redirects_anonymous_visitors_to_login(client):
    unprotected = []
    for route, name in all_patterns():
        if name in PUBLIC or "(?P<format>" in route:
            continue
        path = example_path(route)
        response = client.get(path)
        # Django's admin sends its own pages to its own login form.
        login_pages = ("/accounts/login/", "/admin/login/") if name.startswith("admin:") else ("/accounts/login/",)
        redirected_to_login = response.status_code == 302 and response["Location"].startswith(login_pages)
        # The JSON API answers other systems with an error (401 says how to authenticate).
        refused_by_api = path.startswith("/api/") and response.status_code in (401, 403)
        if not redirected_to_login and not refused_by_api:
            unprotected.append(f"{name or route} ({path}): {response.status_code}")
    assert unprotected == []


@pytest.mark.django_db
def test_admin_asks_anonymous_visitors_to_log_in(client):
    response = client.get("/admin/leads/lead/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/leads/lead/"


@pytest.mark.django_db
def test_login_page_is_open_and_speaks_dutch_by_default(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "Inloggen bij Handoff" in response.content.decode()


@pytest.mark.django_db
def test_language_can_be_switched_to_english_before_logging_in(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert "Log in to Handoff" in client.get("/accounts/login/").content.decode()


@pytest.mark.django_db
def test_pages_send_a_content_security_policy(client):
    header = client.get("/accounts/login/")["Content-Security-Policy"]
    assert "script-src 'self'" in header
    assert "frame-ancestors 'none'" in header


def test_forbidden_page_explains_in_the_house_style(client, rep, other_rep, company):
    from leads.models import Lead

    someone_elses = Lead.objects.create(company=company, owner=other_rep, stage="mql")
    client.force_login(rep)
    response = client.get(f"/leads/{someone_elses.pk}/")
    assert response.status_code == 403
    assert "Handoff" in response.content.decode()
    assert "Niet toegestaan" in response.content.decode()


def test_missing_page_is_a_friendly_404(client, rep):
    client.force_login(rep)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Niet gevonden" in response.content.decode()
