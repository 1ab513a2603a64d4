from datetime import datetime, timedelta, timezone

from rest_framework.test import APIClient

from integrations.models import ApiToken

from .conftest import english_client, issue_token


def client_with(header: str):
    client = english_client()
    client.credentials(HTTP_AUTHORIZATION=header)
    return client


def test_no_credentials_get_401_with_a_challenge(db):
    response = APIClient().get("/api/leads/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_malformed_token_is_refused_and_says_so(db):
    response = client_with("Bearer nonsense").get("/api/leads/")
    assert response.status_code == 401
    assert "Malformed API token" in response.json()["detail"]


def test_a_wrong_secret_is_an_unknown_token(ingest_token):
    token, plain = ingest_token
    response = client_with(f"Bearer hf_{token.key_id}_wrong").post("/api/leads/", {}, format="json")
    assert response.status_code == 401
    assert response.json()["detail"] == "Unknown API token."


def test_a_revoked_token_is_refused_and_says_so(ingest_token, api):
    token, _plain = ingest_token
    token.revoke(now=datetime.now(timezone.utc))
    response = api.post("/api/leads/", {"external_id": "1"}, format="json")
    assert response.status_code == 401
    assert response.json()["detail"] == "This API token has been revoked."


def test_only_a_hash_of_the_secret_is_stored(ingest_token):
    token, plain = ingest_token
    secret = plain.split("_", 2)[2]
    stored = ApiToken.objects.get(pk=token.pk)
    assert secret not in stored.secret_hash and len(stored.secret_hash) == 64
    assert stored.matches(secret)


def test_an_ingest_token_may_not_read(api):
    response = api.get("/api/leads/")
    assert response.status_code == 403
    assert response.json()["detail"] == 'This API token lacks the "read" scope.'


def test_a_read_token_may_not_ingest(reader):
    response = reader.post("/api/leads/", {"external_id": "1"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == 'This API token lacks the "ingest" scope.'


def test_a_read_token_may_read(reader):
    assert reader.get("/api/leads/").status_code == 200


def test_using_a_token_stamps_last_used(ingest_token, api):
    token, _plain = ingest_token
    assert token.last_used_at is None
    api.post("/api/leads/", {"external_id": "1"}, format="json")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_requests_above_the_rate_limit_get_429_with_retry_after(revops_admin, monkeypatch):
    # Mid-minute: the count starts again each clock minute, so a real clock that ticks over
    # between the requests would reset it.
    monkeypatch.setattr("django.utils.timezone.now", lambda: datetime(2026, 3, 2, 9, 0, 20, tzinfo=timezone.utc))
    _token, plain = issue_token(revops_admin, requests_per_minute=3)
    client = client_with(f"Bearer {plain}")
    statuses = [client.post("/api/leads/", {"external_id": "1"}, format="json").status_code for _ in range(4)]
    assert statuses[:3] == [201, 200, 200]
    assert statuses[3] == 429
    limited = client.post("/api/leads/", {"external_id": "1"}, format="json")
    assert limited["Retry-After"] == "40"
    assert limited.json()["detail"].startswith("This API token sent more requests this minute than it may. Try again in")


def test_the_rate_limit_counts_per_clock_minute_in_the_database(revops_admin):
    token, _plain = issue_token(revops_admin)
    minute = datetime(2026, 3, 2, 9, 0, 5, tzinfo=timezone.utc)
    counts = [token.record_use(now=minute + timedelta(seconds=s)) for s in (0, 10, 50)]
    # A fresh instance (another server process) sees the same count.
    again = ApiToken.objects.get(pk=token.pk).record_use(now=minute + timedelta(seconds=54))
    next_minute = token.record_use(now=minute + timedelta(seconds=60))
    assert counts == [1, 2, 3]
    assert again == 4
    assert next_minute == 1


def test_each_token_has_its_own_rate_limit(revops_admin):
    first, _ = issue_token(revops_admin, requests_per_minute=1)
    second, _ = issue_token(revops_admin, name="Typeform", source_system="typeform")
    now = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    first.record_use(now=now)
    assert second.record_use(now=now) == 1


def test_browser_users_keep_session_auth_on_the_api(client, manager, lead):
    client.force_login(manager)
    response = client.get("/api/leads/")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


def test_a_sales_rep_reads_only_their_own_leads(client, other_rep, lead):
    client.force_login(other_rep)
    assert client.get("/api/leads/").json()["results"] == []


def test_a_session_user_without_revops_role_may_not_ingest(client, marketer):
    client.force_login(marketer)
    response = client.post("/api/leads/", {"external_id": "1"}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert response.json()["detail"] == "Your role does not allow this."


def test_a_user_without_any_role_may_not_read(client, outsider):
    client.force_login(outsider)
    assert client.get("/api/leads/").status_code == 403


def test_session_posts_need_the_csrf_token(revops_admin):
    client = APIClient(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(revops_admin)
    response = client.post("/api/leads/", {"external_id": "1"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_a_body_above_the_size_limit_gets_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = api.post("/api/activities/batch/", b"[" + b" " * 10_000 + b"]", content_type="application/json")
    assert response.status_code == 413
    assert "10000 bytes" in response.json()["detail"]
