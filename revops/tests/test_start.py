"""Where "/" (and so logging in) takes each role: its own start page, the most specific one
for a person with several roles."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from common.roles import Role
from conftest import make_user


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.mark.parametrize(
    "persona, start",
    [
        ("rep", "leads:my_day"),
        ("manager", "review:weekly"),
        ("marketer", "dashboard:funnel"),
        ("revops_admin", "system_health"),
        ("outsider", "dashboard:overview"),
    ],
)
def test_each_role_lands_on_its_own_start_page(client, request, persona, start):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse(start)


@pytest.mark.parametrize(
    "roles, start",
    [
        ([Role.SALES_REP, Role.SALES_MANAGER], "review:weekly"),
        ([Role.SALES_REP, Role.MARKETING], "dashboard:funnel"),
        ([Role.MARKETING, Role.SALES_MANAGER], "review:weekly"),
        ([Role.SALES_MANAGER, Role.REVOPS_ADMIN], "system_health"),
    ],
)
def test_several_roles_land_on_the_most_specific_start_page(client, db, roles, start):
    user = make_user("several")
    user.groups.add(*[Group.objects.get_or_create(name=role)[0] for role in roles])
    client.force_login(user)
    assert client.get(reverse("home"))["Location"] == reverse(start)


def test_a_superuser_holds_every_role_and_runs_the_system(client, db):
    client.force_login(make_user("root", is_superuser=True, is_staff=True))
    assert client.get(reverse("home"))["Location"] == reverse("system_health")


@pytest.mark.parametrize(
    "persona, start",
    [("rep", "leads:my_day"), ("manager", "review:weekly"), ("marketer", "dashboard:funnel")],
)
def test_logging_in_ends_on_the_start_page(client, request, persona, start):
    user = request.getfixturevalue(persona)
    response = client.post(reverse("login"), {"username": user.username, "password": "pw"}, follow=True)
    assert response.redirect_chain[0] == (reverse("home"), 302)
    assert response.redirect_chain[-1][0].split("?")[0] == reverse(start)
    assert response.status_code == 200


def test_the_overview_stays_in_the_navigation(client, rep):
    client.force_login(rep)
    page = client.get(reverse("leads:my_day")).content.decode()
    assert f'href="{reverse("dashboard:overview")}"' in page
    assert f'href="{reverse("leads:my_day")}" aria-current="page"' in page
