"""Whose turn it is in a team: a fixed cycle of turns and a stored position in it.

Each member who takes leads has `weight` turns in every cycle of sum(weights) turns, spread
out so that after any number of turns from the cycle's start every member has had their
weighted share within one (`turn_order`). The team's `TeamRotation` row says which turn
comes next; a lead goes to the first member from there who is present and under the cap, and
the position moves past them (`next_turn`). Leads handed over in one batch or one policy
activation share one `now`, so the position, not a timestamp, decides: with equal weights,
N leads to k present members give each ⌊N/k⌋ or ⌈N/k⌉, wherever the rotation stood.

`turn_order` and `next_turn` are pure; `Rotations` reads (and, when handing over, locks and
moves) the team's position.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction

from django.db import transaction

from handoff.models import RotationSeat, TeamRotation
from leads.models import Team


def turn_order(weights: Sequence[tuple[int, int]]) -> list[int]:
    """One cycle of turns for (member, weight) pairs, in the order given. The turn goes to a
    member whose share is due and who would otherwise fall behind first (Tijdeman's solution
    of the "chairman assignment problem"): after every prefix of the cycle each member's count
    is within 1 − 1/(2k−2) of its exact share, so within one."""
    members = [(member, weight) for member, weight in weights if weight > 0]
    if len(members) <= 1:
        return [member for member, weight in members for _turn in range(weight)]
    total = sum(weight for _member, weight in members)
    slack = Fraction(1, 2 * len(members) - 2)
    counts = [0] * len(members)
    order: list[int] = []
    for turn in range(1, total + 1):
        due = [
            i for i, (_member, weight) in enumerate(members) if Fraction(turn * weight, total) - counts[i] >= slack
        ]
        # The one whose share reaches the next whole lead soonest (ties: the earlier member).
        chosen = min(due, key=lambda i: ((counts[i] + 1 - slack) * total / members[i][1], i))
        counts[chosen] += 1
        order.append(members[chosen][0])
    return order


def next_turn(order: Sequence[int], *, start: int, can_take: Callable[[int], bool]) -> tuple[int | None, int]:
    """The first member from turn `start` (counted round the cycle) for whom `can_take` is
    true, and the turn after theirs. (None, start) when nobody can."""
    if not order:
        return None, 0
    for step in range(len(order)):
        turn = (start + step) % len(order)
        if can_take(order[turn]):
            return order[turn], (turn + 1) % len(order)
    return None, start % len(order)


def seats(team: Team, member_ids: Sequence[int]) -> list[tuple[int, int]]:
    """(member, weight) of the members who take leads, in the given order; a member without a
    seat takes leads with weight 1."""
    settings = {
        seat.user_id: seat for seat in RotationSeat.objects.filter(team=team, user_id__in=member_ids)
    }
    weighted = []
    for member in member_ids:
        seat = settings.get(member)
        if seat is None:
            weighted.append((member, 1))
        elif seat.takes_leads:
            weighted.append((member, seat.weight))
    return weighted


def set_seats(team: Team, settings: Sequence[tuple[object, bool, int]]) -> None:
    """Save (member, takes leads, weight) for members of `team`, all or none."""
    with transaction.atomic():
        for member, takes_leads, weight in settings:
            RotationSeat.objects.update_or_create(
                team=team, user=member, defaults={"takes_leads": takes_leads, "weight": weight}
            )


def up_next(team: Team, *, can_take: Callable[[int], bool]) -> int | None:
    """Who the team's next lead would go to, as things stand."""
    member_ids = list(team.members.filter(is_active=True).order_by("id").values_list("id", flat=True))
    position = TeamRotation.objects.filter(pk=team.pk).values_list("next_turn", flat=True).first() or 0
    return next_turn(turn_order(seats(team, member_ids)), start=position, can_take=can_take)[0]


class Rotations:
    """Where each team's rotation stands during one routing run. `lock=True` (handing over,
    inside the transaction) locks each team's row before reading it and saves every move;
    otherwise (the dry run) the rotation moves in memory only, so a trial over many leads
    takes turns as the real thing would, and nothing is written."""

    def __init__(self, *, lock: bool):
        self.lock = lock
        self._positions: dict[int, int] = {}
        self.extra_open: dict[int, int] = {}  # leads a dry run has given each member so far

    def position(self, team: Team) -> int:
        if team.pk in self._positions and not self.lock:
            return self._positions[team.pk]
        if self.lock:
            # The row exists once; racing first leads to a new team insert it once.
            TeamRotation.objects.bulk_create([TeamRotation(team=team)], ignore_conflicts=True)
            position = TeamRotation.objects.select_for_update().values_list("next_turn", flat=True).get(pk=team.pk)
        else:
            position = TeamRotation.objects.filter(pk=team.pk).values_list("next_turn", flat=True).first() or 0
        self._positions[team.pk] = position
        return position

    def move(self, team: Team, *, to: int, member: int) -> None:
        self._positions[team.pk] = to
        if self.lock:
            TeamRotation.objects.filter(pk=team.pk).update(next_turn=to)
        else:
            self.extra_open[member] = self.extra_open.get(member, 0) + 1
