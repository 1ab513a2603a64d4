"""The production process layout in the Procfile: a pinned gunicorn and the worker."""

from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def processes() -> dict[str, str]:
    lines = (PROJECT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def test_the_web_process_is_gunicorn_serving_our_wsgi_app_with_its_access_log():
    web = processes()["web"]
    assert web.startswith("gunicorn revops.wsgi:application ")
    assert "--access-logfile -" in web  # through our logging, which blanks tokens


def test_the_worker_runs_beside_it():
    assert processes()["worker"] == "python manage.py runworker"


def test_a_release_migrates_and_checks_before_serving():
    release = processes()["release"]
    assert "migrate --noinput" in release and "check --deploy" in release


def test_gunicorn_is_pinned():
    pins = [line for line in (PROJECT / "requirements.txt").read_text().splitlines() if line.startswith("gunicorn")]
    assert len(pins) == 1 and pins[0].startswith("gunicorn==")
