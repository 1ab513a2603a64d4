from datetime import datetime, timedelta, timezone

import pytest

from common.roles import Role
from conftest import make_user
from demo.notifications import send_demo_notifications
from handoff.models import Notification
from leads.models import Lead

UTC = timezone.utc
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_each_owned_lead_gets_one_sent_message_after_its_first_handoff():
    owner = make_user("sanne", Role.SALES_REP)
    handed = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    skipped = Lead.objects.create(owner=owner, created_at=handed, sql_at=handed, mql_at=handed + timedelta(days=3))
    Lead.objects.create(owner=owner, created_at=handed)  # never handed over
    Lead.objects.create(created_at=handed, mql_at=handed)  # no owner
    Lead.objects.create(owner=owner, created_at=NOW, mql_at=NOW)  # its message would be after now

    assert send_demo_notifications(now=NOW) == 1
    message = Notification.objects.get()
    assert (message.lead_id, message.recipient_id, message.kind) == (skipped.pk, owner.pk, Notification.Kind.ASSIGNED)
    assert message.status == Notification.Status.SENT
    assert handed < message.sent_at <= handed + timedelta(hours=30)  # from the SQL, the first stamp
    assert send_demo_notifications(now=NOW) == 0  # once per lead
