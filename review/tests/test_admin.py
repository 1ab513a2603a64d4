import pytest
from django.urls import reverse

from handoff.models import Agreement, current_agreement

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("boss", "boss@example.nl", "pw")
    client.force_login(user)
    return client, user


def test_a_draft_is_edited_and_activated_in_the_admin(admin_client):
    client, user = admin_client
    draft = current_agreement().copy_as_draft(by=user)
    change = reverse("admin:handoff_agreement_change", args=[draft.pk])
    form = client.get(change)
    assert form.status_code == 200 and b'name="mql_to_sql_percent"' in form.content

    data = {
        "notes": "Higher bar", "mqls_per_month": 150, "accepted_percent": 85, "complete_percent": 100,
        "first_contact_high_intent": "00:10:00", "first_contact_customer": "02:00:00",
        "first_contact_within": "08:00:00", "within_sla_percent": 95, "min_attempts": 5,
        "feedback_percent": 100, "mql_to_sql_percent": 35, "amber_margin_percent": 10,
    }
    assert client.post(change, data).status_code == 302
    client.post(
        reverse("admin:handoff_agreement_changelist"),
        {"action": "activate", "_selected_action": [draft.pk]},
    )
    active = current_agreement()
    assert (active.pk, active.mql_to_sql_percent, active.mqls_per_month) == (draft.pk, 35, 150)
    assert Agreement.objects.get(version=1).status == Agreement.Status.RETIRED


def test_an_active_agreement_cannot_be_changed_in_the_admin(admin_client):
    client, _ = admin_client
    active = current_agreement()
    page = client.get(reverse("admin:handoff_agreement_change", args=[active.pk]))
    assert page.status_code == 200 and b'name="mql_to_sql_percent"' not in page.content
    response = client.post(reverse("admin:handoff_agreement_change", args=[active.pk]), {"mql_to_sql_percent": 1})
    assert response.status_code == 403
    assert current_agreement().mql_to_sql_percent == 30


def test_the_meetings_log_and_actions_are_read_in_the_admin(admin_client, week_world, manager, rep):
    from review import acts
    from review.tests.world import NOW, WEEK

    client, _ = admin_client
    action = acts.record_action(text="Call the fair's leads", owner=rep, due_week=WEEK, by=manager, now=NOW, week=WEEK, team=None)
    assert b"Call the fair" in client.get(reverse("admin:review_actionitem_changelist")).content
    log = client.get(reverse("admin:review_meetingact_changelist"))
    assert log.status_code == 200 and b"Action agreed" in log.content
    assert client.post(reverse("admin:review_actionitem_change", args=[action.pk]), {"text": "y"}).status_code == 403
