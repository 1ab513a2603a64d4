import pytest

from leads.models import Lead


@pytest.mark.parametrize("persona", ["rep", "manager", "marketer", "revops_admin"])
def test_every_role_sees_the_overview(client, request, persona, lead):
    client.force_login(request.getfixturevalue(persona))
    lead.move_to(Lead.Stage.MQL, rule="qualification policy")

    response = client.get("/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Pieter de Vries" in page  # in the latest stage changes
    assert "qualification policy" in page


def test_admin_link_only_for_staff(client, rep, revops_admin):
    client.force_login(rep)
    assert 'href="/admin/"' not in client.get("/").content.decode()
    client.force_login(revops_admin)
    assert 'href="/admin/"' in client.get("/").content.decode()


def test_overview_is_in_english_when_chosen(client, rep):
    client.force_login(rep)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Open leads by stage" in client.get("/").content.decode()
