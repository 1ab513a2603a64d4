"""Login protection: failed logins are throttled per account and per address (django-axes),
on our login page and on the admin's, and an admin can unlock."""

from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY

from revops.login import client_ip

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


def log_in(client, username, password, path=LOGIN, address="203.0.113.7"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_fifty_wrong_passwords_then_the_right_one_does_not_log_in(client, rep):
    for _ in range(50):
        log_in(client, "rep", "wrong")

    response = log_in(client, "rep", "pw")

    assert SESSION_KEY not in client.session
    assert response.status_code == 429
    assert "Te veel mislukte inlogpogingen" in response.content.decode()


def test_the_admin_login_is_throttled_too(client, revops_admin):
    for _ in range(50):
        log_in(client, "revops", "wrong", path=ADMIN_LOGIN)

    response = log_in(client, "revops", "pw", path=ADMIN_LOGIN)

    assert SESSION_KEY not in client.session
    assert response.status_code == 429


def test_an_account_is_locked_from_every_address(client, rep, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "rep", "wrong", address=f"198.51.100.{attempt}")

    log_in(client, "rep", "pw", address="192.0.2.200")

    assert SESSION_KEY not in client.session


def test_an_address_guessing_many_accounts_is_locked_for_all_of_them(client, rep, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, f"someone{attempt}", "wrong")

    log_in(client, "rep", "pw")

    assert SESSION_KEY not in client.session


def test_a_few_typos_do_not_lock_anyone_out(client, rep, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "rep", "wrong")

    response = log_in(client, "rep", "pw")

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(rep.pk)


def test_the_lockout_message_speaks_english_too(client, rep, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        response = log_in(client, "rep", "wrong")

    body = response.content.decode()
    assert "Too many failed logins" in body
    assert "blocked for 15 minutes" in body


def test_an_admin_unlocks_an_account_in_the_admin(client, rep, revops_admin, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "rep", "wrong")
    assert AccessAttempt.objects.filter(username="rep").exists()

    admin = client.__class__()
    admin.force_login(revops_admin)
    attempts = AccessAttempt.objects.values_list("pk", flat=True)
    response = admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": list(attempts), "post": "yes"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()

    log_in(client, "rep", "pw")
    assert client.session[SESSION_KEY] == str(rep.pk)


def test_client_address_is_the_connection_without_a_proxy(rf, settings):
    settings.BEHIND_TLS_PROXY = False
    request = rf.get("/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="10.0.0.1")
    assert client_ip(request) == "203.0.113.7"


def test_client_address_is_what_our_proxy_saw_behind_one(rf, settings):
    settings.BEHIND_TLS_PROXY = True
    # The client may send its own X-Forwarded-For; the proxy appends the address it saw.
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")
    assert client_ip(request) == "203.0.113.7"
