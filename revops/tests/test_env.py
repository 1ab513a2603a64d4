import pytest
from django.core.exceptions import ImproperlyConfigured

from revops.env import database_from_url, env_bool, env_int, env_list, env_str


@pytest.mark.parametrize("word", ["1", "true", "True", "YES", "on"])
def test_env_bool_accepts_true_words(monkeypatch, word):
    monkeypatch.setenv("FLAG", word)
    assert env_bool("FLAG", default=False) is True


@pytest.mark.parametrize("word", ["0", "false", "No", "off"])
def test_env_bool_accepts_false_words(monkeypatch, word):
    monkeypatch.setenv("FLAG", word)
    assert env_bool("FLAG", default=True) is False


@pytest.mark.parametrize("word", ["ture", "2", "enabled", "y"])
def test_env_bool_refuses_anything_else(monkeypatch, word):
    monkeypatch.setenv("DEBUG", word)
    with pytest.raises(ImproperlyConfigured, match=f"DEBUG={word!r} is not a boolean"):
        env_bool("DEBUG", default=False)


def test_env_bool_uses_the_default_when_unset_or_empty(monkeypatch):
    monkeypatch.delenv("FLAG", raising=False)
    assert env_bool("FLAG", default=True) is True
    monkeypatch.setenv("FLAG", "  ")
    assert env_bool("FLAG", default=False) is False


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "handoff.example.nl, .example.nl,,")
    assert env_list("ALLOWED_HOSTS", default=[]) == ["handoff.example.nl", ".example.nl"]


def test_env_int_refuses_words(monkeypatch):
    monkeypatch.setenv("EMAIL_PORT", "twenty-five")
    with pytest.raises(ImproperlyConfigured, match="not a whole number"):
        env_int("EMAIL_PORT", default=25)


def test_env_str_strips_and_defaults(monkeypatch):
    monkeypatch.setenv("NAME", "  value ")
    assert env_str("NAME", default="x") == "value"
    monkeypatch.delenv("NAME")
    assert env_str("NAME", default="x") == "x"


def test_postgres_url_uses_the_postgresql_backend():
    config = database_from_url("postgres://handoff:s3cret@db.internal:5433/handoff_prod")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == ("handoff_prod", "handoff", "s3cret")
    assert (config["HOST"], config["PORT"]) == ("db.internal", 5433)
    assert config["CONN_MAX_AGE"] == 60
    assert config["OPTIONS"] == {"options": "-c jit=off"}  # the dashboard's aggregates


def test_sqlite_url_waits_for_locks_and_starts_transactions_immediately(tmp_path):
    config = database_from_url(f"sqlite:///{tmp_path}/handoff.sqlite3")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == f"{tmp_path}/handoff.sqlite3"
    assert config["OPTIONS"] == {"timeout": 20, "transaction_mode": "IMMEDIATE"}


def test_unknown_database_scheme_fails_loudly():
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        database_from_url("oracle-ish://somewhere/db")
