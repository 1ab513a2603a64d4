"""The optional second factor (TOTP), and its requirement for RevOps admins."""

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

SETUP = "/accounts/two-factor/"
VERIFY = "/accounts/two-factor/verify/"


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def wrong_code(device: TOTPDevice) -> str:
    return f"{(int(current_code(device)) + 1) % 1_000_000:06d}"


def log_in(client, username):
    return client.post("/accounts/login/", {"username": username, "password": "pw"})


@pytest.fixture
def rep_with_device(rep):
    TOTPDevice.objects.create(user=rep, name="Handoff", confirmed=True)
    return rep


def test_setting_up_shows_the_key_and_the_otpauth_address(client, rep):
    client.force_login(rep)

    body = client.get(SETUP).content.decode()

    device = TOTPDevice.objects.get(user=rep, confirmed=False)
    assert "otpauth://totp/Handoff%3Arep?secret=" in body
    assert 'src="data:image/svg+xml' in body
    assert device.config_url.split("secret=")[1].split("&")[0][:4] in body


def test_the_right_code_turns_the_second_factor_on(client, rep):
    client.force_login(rep)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=rep)

    response = client.post(SETUP, {"code": current_code(device)})

    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed


def test_a_wrong_code_does_not_turn_it_on(client, rep):
    client.force_login(rep)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=rep)

    response = client.post(SETUP, {"code": wrong_code(device)})

    assert response.status_code == 200
    assert "Deze code klopt niet" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed


def test_after_the_password_every_page_asks_for_the_code(client, rep_with_device):
    response = log_in(client, "rep")
    assert response["Location"] == "/"

    page = client.get("/leads/")

    assert page.status_code == 302
    assert page["Location"] == f"{VERIFY}?next=/leads/"
    assert client.get("/admin/").status_code == 302


def test_the_right_code_after_the_password_lets_the_person_in(client, rep_with_device):
    log_in(client, "rep")
    device = TOTPDevice.objects.get(user=rep_with_device)

    response = client.post(VERIFY, {"code": current_code(device), "next": "/leads/"})

    assert response["Location"] == "/leads/"
    assert client.get("/leads/").status_code == 200


def test_a_wrong_code_after_the_password_keeps_the_person_out(client, rep_with_device):
    log_in(client, "rep")
    device = TOTPDevice.objects.get(user=rep_with_device)

    response = client.post(VERIFY, {"code": wrong_code(device)})

    assert response.status_code == 200
    assert client.get("/leads/")["Location"].startswith(VERIFY)


def test_a_person_without_a_second_factor_goes_straight_in(client, rep):
    log_in(client, "rep")
    assert client.get("/leads/").status_code == 200


def test_a_person_can_turn_it_off_with_a_code(client, rep_with_device):
    client.force_login(rep_with_device)
    device = TOTPDevice.objects.get(user=rep_with_device)

    client.post(SETUP, {"code": current_code(device)})

    assert not TOTPDevice.objects.filter(user=rep_with_device).exists()


def test_admins_must_set_it_up_when_the_installation_requires_it(client, revops_admin, rep, settings):
    settings.REQUIRE_2FA_FOR_ADMINS = True

    log_in(client, "revops")

    assert client.get("/admin/")["Location"] == f"{SETUP}?next=/admin/"
    assert "RevOps-beheerders" in client.get(SETUP).content.decode()

    device = TOTPDevice.objects.get(user=revops_admin)
    client.post(SETUP, {"code": current_code(device)})
    assert client.get("/admin/").status_code == 200


def test_the_requirement_leaves_other_roles_alone(client, rep, settings):
    settings.REQUIRE_2FA_FOR_ADMINS = True
    log_in(client, "rep")
    assert client.get("/leads/").status_code == 200


def test_without_the_requirement_admins_may_skip_it(client, revops_admin, settings):
    settings.REQUIRE_2FA_FOR_ADMINS = False
    log_in(client, "revops")
    assert client.get("/admin/").status_code == 200


def test_a_required_second_factor_cannot_be_turned_off(client, revops_admin, settings):
    settings.REQUIRE_2FA_FOR_ADMINS = True
    device = TOTPDevice.objects.create(user=revops_admin, name="Handoff", confirmed=True)
    client.force_login(revops_admin)
    session = client.session
    session.pop("handoff_second_factor")
    session.save()

    client.post(SETUP, {"code": current_code(device)})

    assert TOTPDevice.objects.filter(user=revops_admin).exists()
