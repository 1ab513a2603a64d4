"""Password reset by e-mail: Django's own views with our pages, open without logging in."""

import re

from django.contrib.auth import SESSION_KEY


def ask_for_a_link(client, email):
    return client.post("/accounts/password/reset/", {"email": email})


def test_the_login_page_links_to_password_reset(client, db):
    assert 'href="/accounts/password/reset/"' in client.get("/accounts/login/").content.decode()


def test_the_reset_page_is_open_and_speaks_dutch(client, db):
    response = client.get("/accounts/password/reset/")
    assert response.status_code == 200
    assert "Wachtwoord vergeten?" in response.content.decode()


def test_a_person_gets_a_link_and_chooses_a_new_password(client, rep, mailoutbox, settings):
    settings.SITE_URL = "https://handoff.example.nl"
    rep.email = "rep@example.nl"
    rep.save()

    response = ask_for_a_link(client, "rep@example.nl")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/sent/"
    (email,) = mailoutbox
    assert email.to == ["rep@example.nl"]
    link = re.search(r"https://handoff\.example\.nl(/accounts/password/reset/\S+/)", email.body).group(1)

    form = client.get(link, follow=True)
    assert form.status_code == 200
    set_password = form.redirect_chain[-1][0]
    done = client.post(set_password, {"new_password1": "a-brand-new-pass-2026", "new_password2": "a-brand-new-pass-2026"})
    assert done["Location"] == "/accounts/password/reset/done/"

    client.post("/accounts/login/", {"username": "rep", "password": "a-brand-new-pass-2026"})
    assert client.session[SESSION_KEY] == str(rep.pk)


def test_the_link_does_not_trust_the_host_header(client, rep, mailoutbox, settings):
    settings.SITE_URL = "https://handoff.example.nl"
    settings.ALLOWED_HOSTS = ["evil.example", "handoff.example.nl"]
    rep.email = "rep@example.nl"
    rep.save()

    client.post("/accounts/password/reset/", {"email": "rep@example.nl"}, HTTP_HOST="evil.example")

    (email,) = mailoutbox
    assert "evil.example" not in email.body
    assert "https://handoff.example.nl/accounts/password/reset/" in email.body


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, rep, mailoutbox):
    response = ask_for_a_link(client, "nobody@example.nl")

    assert response["Location"] == "/accounts/password/reset/sent/"
    assert mailoutbox == []


def test_a_used_link_says_so(client, db):
    response = client.get("/accounts/password/reset/MQ/set-password/")
    assert "Deze link is al gebruikt of verlopen." in response.content.decode()
