"""python manage.py whatconverts [--until DAY] [--json]."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from qualification.tests.test_learning import make_history


def run(*args) -> str:
    out = StringIO()
    call_command("whatconverts", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_it_prints_the_traits_the_proposal_and_the_validation(policy):
    make_history()
    text = run()
    assert "200 leads, 100 won (50.0%)" in text
    assert "Food & beverages                     100 leads     66 won  66.0%  lift 1.32×" in text
    assert "Proposal (" in text and "AUC" in text and "active policy" in text


@pytest.mark.django_db
def test_the_json_has_traits_suggestion_and_validation(policy):
    make_history()
    data = json.loads(run("--json"))
    assert {"traits", "suggestion", "validation"} <= set(data)
    assert {"attribute", "value", "leads", "won", "rate", "lift"} <= set(data["traits"][0])
    assert {"auc", "active_auc", "top_decile_rate", "holdout_leads"} <= set(data["validation"])


@pytest.mark.django_db
def test_until_leaves_out_the_later_leads(policy):
    make_history()
    assert json.loads(run("--json", "--until", "2026-01-01"))["leads"] < 200


@pytest.mark.django_db
def test_a_bad_day_is_refused():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("--until", "tomorrow")


@pytest.mark.django_db
def test_store_saves_the_report_it_prints_for_the_page(policy):
    from qualification import stored_reports

    make_history()
    printed = json.loads(run("--json", "--store"))
    stored = stored_reports.newest()
    assert stored is not None and (stored.leads, stored.won) == (printed["leads"], printed["won"])
    assert printed == stored_reports.report_of(stored).as_data()
    assert stored.data["suggestion"] == printed["suggestion"]
    run("--json")
    assert stored_reports.newest() == stored  # without --store nothing is stored
