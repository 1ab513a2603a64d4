"""A team's rotation: each member's seat in it (whether they take leads, and how many) and
where the rotation stands, the row locked while a lead is handed to the team."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from leads.models import Team


class RotationSeat(models.Model):
    """One member's settings in a team's rotation. A member without a seat takes leads with
    weight 1; a manager who is a member only to see the team's leads gets a seat that takes
    none."""

    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="rotation_seats")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("member"), on_delete=models.CASCADE, related_name="rotation_seats"
    )
    takes_leads = models.BooleanField(_("takes leads"), default=True)
    weight = models.PositiveSmallIntegerField(
        _("weight"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("A member with weight 2 gets twice as many of the team's leads as one with weight 1."),
    )

    class Meta:
        ordering = ["team", "user"]
        verbose_name = _("rotation seat")
        verbose_name_plural = _("rotation seats")
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="rotationseat_one_per_member"),
            models.CheckConstraint(condition=Q(weight__gte=1, weight__lte=10), name="rotationseat_weight_1_to_10"),
        ]

    def __str__(self):
        return f"{self.team}: {self.user}"

    def clean(self):
        if self.team_id and self.user_id and not self.team.members.filter(pk=self.user_id).exists():
            raise ValidationError({"user": _("Only a member of the team has a seat in its rotation.")})


class TeamRotation(models.Model):
    """Where a team's rotation stands: the turn that comes next. Handing a lead to the team
    locks this row, so leads arriving together (one batch, one policy activation, racing
    requests) take turns instead of sharing one "who waited longest"."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, primary_key=True, related_name="rotation")
    next_turn = models.PositiveIntegerField(_("next turn"), default=0)

    class Meta:
        verbose_name = _("team rotation")
        verbose_name_plural = _("team rotations")

    def __str__(self):
        return str(self.team)
