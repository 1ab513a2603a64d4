"""The rotation: a fixed cycle of turns with weights, and whose turn it is from a stored
position, skipping who cannot take the lead."""

import random
from collections import Counter
from fractions import Fraction

import pytest

from handoff.models import RotationSeat, TeamRotation
from handoff.rotation import Rotations, next_turn, seats, turn_order
from leads.models import Team


def test_equal_weights_take_turns_in_order():
    assert turn_order([(11, 1), (12, 1), (13, 1)]) == [11, 12, 13]


def test_a_member_of_weight_two_has_two_turns_spread_over_the_cycle():
    order = turn_order([(11, 2), (12, 1), (13, 1)])

    assert Counter(order) == {11: 2, 12: 1, 13: 1}
    assert order[0] == 11 and order[-1] == 11  # not both turns in a row


def test_a_member_of_weight_zero_or_missing_has_no_turns():
    assert turn_order([(11, 0), (12, 1)]) == [12]
    assert turn_order([]) == []
    assert turn_order([(11, 3)]) == [11, 11, 11]


@pytest.mark.parametrize("seed", range(40))
def test_every_member_gets_its_weighted_share_within_one_after_any_number_of_leads(seed):
    rng = random.Random(seed)
    weights = [(member, rng.randint(1, 6)) for member in range(rng.randint(2, 7))]
    total = sum(weight for _member, weight in weights)
    cycle = turn_order(weights)
    counts = Counter()
    for n, member in enumerate(cycle * 3, start=1):
        counts[member] += 1
        for other, weight in weights:
            assert abs(counts[other] - Fraction(n * weight, total)) < 1, (weights, n, other)


def test_next_turn_skips_who_cannot_take_it_and_moves_past_the_one_who_does():
    order = [11, 12, 13]

    assert next_turn(order, start=0, can_take=lambda m: m != 11) == (12, 2)
    assert next_turn(order, start=2, can_take=lambda m: True) == (13, 0)
    assert next_turn(order, start=5, can_take=lambda m: True) == (13, 0)  # a cycle that got shorter
    assert next_turn(order, start=1, can_take=lambda m: False) == (None, 1)
    assert next_turn([], start=3, can_take=lambda m: True) == (None, 0)


@pytest.mark.parametrize(("k", "n", "start"), [(4, 12, 0), (4, 12, 3), (3, 10, 1), (5, 7, 4), (2, 81, 1), (4, 13, 2)])
def test_n_leads_to_k_present_members_give_each_the_floor_or_the_ceiling_wherever_the_rotation_stood(k, n, start):
    order = turn_order([(member, 1) for member in range(k + 1)])
    away = {0}
    counts = Counter()
    position = start
    for _lead in range(n):
        member, position = next_turn(order, start=position, can_take=lambda m: m not in away)
        counts[member] += 1

    assert set(counts) == set(range(1, k + 1))
    assert all(n // k <= count <= -(-n // k) for count in counts.values()), counts


def test_members_without_a_seat_take_leads_with_weight_one_and_a_seat_can_say_no(team, rep, other_rep, manager):
    team.members.add(manager)
    RotationSeat.objects.create(team=team, user=manager, takes_leads=False)
    RotationSeat.objects.create(team=team, user=other_rep, weight=3)

    assert seats(team, [rep.pk, other_rep.pk, manager.pk]) == [(rep.pk, 1), (other_rep.pk, 3)]


def test_handing_over_stores_the_position_and_the_dry_run_keeps_it_in_memory(team, rep):
    live = Rotations(lock=True)
    assert live.position(team) == 0
    live.move(team, to=2, member=rep.pk)
    assert TeamRotation.objects.get(team=team).next_turn == 2

    trial = Rotations(lock=False)
    assert trial.position(team) == 2
    trial.move(team, to=1, member=rep.pk)
    assert trial.position(team) == 1
    assert trial.extra_open == {rep.pk: 1}
    assert TeamRotation.objects.get(team=team).next_turn == 2


def test_a_seat_belongs_to_a_member_of_the_team(team, rep):
    from django.core.exceptions import ValidationError

    outsider_team = Team.objects.create(name="Elders", kind=Team.Kind.NEW_BUSINESS)
    with pytest.raises(ValidationError) as error:
        RotationSeat(team=outsider_team, user=rep).full_clean()
    assert "user" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        RotationSeat(team=team, user=rep, weight=0).full_clean()
    assert "weight" in error.value.message_dict
