"""Leads handed to one team from racing transactions take turns: each transaction locks the
team's rotation row (PostgreSQL)."""

import threading
from collections import Counter
from datetime import UTC, datetime

import pytest
from django.db import connections, transaction

from common.roles import Role
from conftest import make_user
from handoff import handover
from handoff.models import RotationSeat, RoutingRule, TeamRotation
from leads.models import Lead

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
NOW = datetime(2026, 1, 13, 9, 0, tzinfo=UTC)


def hand_over_racing(leads: list[Lead]) -> list[BaseException]:
    """Every lead becomes an MQL and is handed over in its own transaction, all at once."""
    barrier = threading.Barrier(len(leads))
    errors: list[BaseException] = []

    def one(lead):
        try:
            barrier.wait()
            with transaction.atomic():
                lead.move_to(Lead.Stage.MQL, rule="qualification policy", reason="demo request", at=NOW)
                handover.hand_over(lead, now=NOW)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one, args=(lead,)) for lead in leads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.parametrize("rounds", [1, 2])
def test_racing_handovers_to_a_four_person_team_give_each_member_a_fair_share(company, team, rep, other_rep, manager, rounds):
    for name in ("third", "fourth"):
        team.members.add(make_user(name, Role.SALES_REP))
    team.members.add(manager)
    RotationSeat.objects.create(team=team, user=manager, takes_leads=False)
    RoutingRule.objects.create(name="Everyone to the team", position=50, target="team", team=team)

    for round_number in range(rounds):
        leads = [
            Lead.objects.create(first_name=f"R{round_number}L{n}", company=company, conversion_action="demo_request")
            for n in range(6)
        ]
        assert hand_over_racing(leads) == []

    counts = Counter(Lead.objects.values_list("owner__username", flat=True))
    total = 6 * rounds
    assert sum(counts.values()) == total and "manager" not in counts
    assert set(counts) == {"rep", "otherrep", "third", "fourth"}
    assert all(total // 4 <= n <= -(-total // 4) for n in counts.values()), counts
    assert TeamRotation.objects.get(team=team).next_turn == total % 4
