import pytest

from qualification.models import QualificationPolicy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_marketing_fixes_a_bad_rule_and_saves_the_draft(page, live_server, log_in, screenshot, marketer):
    from qualification.tests.conftest import make_policy

    make_policy()
    log_in(marketer)
    page.goto(f"{live_server.url}/qualification/")
    screenshot("policy")
    page.click("button:has-text('Nieuw concept vanuit deze versie')")
    page.wait_for_load_state()
    page.fill("#id_fit-2-value", "vijftig")
    page.click("button:has-text('Concept opslaan')")
    page.wait_for_load_state()
    screenshot("error")
    assert "“vijftig” is geen geheel getal." in page.inner_text(".rule-table")
    page.fill("#id_fit-2-value", "100")
    page.click("button:has-text('Concept opslaan')")
    page.wait_for_load_state()
    screenshot("saved")
    assert page.url.endswith("/qualification/v2/")
    assert QualificationPolicy.objects.get(version=2).fit_rules.get(label="Right size").value == "100"


def test_marketing_reads_what_converts_and_adopts_the_proposal(page, live_server, log_in, screenshot, console_problems, marketer):
    from django.utils import timezone

    from qualification import stored_reports
    from qualification.tests.conftest import make_policy
    from qualification.tests.test_learning import make_history

    make_policy()
    make_history()
    stored_reports.compute_and_store(until=timezone.now(), now=timezone.now())  # as the worker would
    log_in(marketer)
    page.goto(f"{live_server.url}/qualification/")
    page.click("a:has-text('Wat converteert')")
    page.wait_for_load_state()
    screenshot("what-converts")
    assert "van de gewonnen leads had" in page.inner_text("main")
    assert "Actief beleid v1" in page.inner_text("main")
    page.click("button:has-text('Overnemen als nieuw concept')")
    page.wait_for_load_state()
    screenshot("adopted")
    assert page.url.endswith("/qualification/v2/")
    draft = QualificationPolicy.objects.get(version=2)
    assert draft.is_draft and draft.rule_count() > 0
    assert console_problems == []
