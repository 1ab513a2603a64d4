"""What converts: the traits won leads had, compared with the rest of the history.

Pure: `LeadRecord`s in (a lead's facts, what it did before it went to sales, whether it was
won), a table of traits and a few patterns out. For each trait value: the leads that had it,
how many of them were won, the won rate and its lift over the average rate; a row with fewer
than `SMALL_SAMPLE` leads is marked, its rate says little. `qualification.learning` reads the
records from the database; `qualification.proposal` fits a draft policy on the same traits.

Values are codes ("food", "3–4"); `trait_label()`, `value_label()` and `describe_pattern()`
put them into words in the reader's language when a page or a command shows them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from itertools import combinations

from django.db import models
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leads.models import Activity, Channel, ConversionAction, Sector
from qualification.keywords import Keywords, fold
from qualification.scoring import LeadFacts

SMALL_SAMPLE = 30  # fewer leads than this: the won rate is marked as a small sample
# (lower bound, upper bound, value): employees and activity counts in bands.
SIZE_BANDS = ((0, 10, "1–9"), (10, 50, "10–49"), (50, 100, "50–99"), (100, 250, "100–249"),
              (250, 1000, "250–999"), (1000, None, "1000+"))
COUNT_BANDS = ((0, 1, "0"), (1, 2, "1"), (2, 3, "2"), (3, 5, "3–4"), (5, 10, "5–9"), (10, None, "10+"))
# Behaviour in the window before a lead went to sales (or before its outcome when it never
# went): its touchpoints (activities of any kind), and its time on the website in minutes where
# its activities carry it (`data.seconds` on a page visit, as the X Education import writes it).
WINDOW_DAYS = 30
TOUCHPOINT_BANDS = ((0, 1, "0"), (1, 2, "1"), (2, 4, "2–3"), (4, None, "4+"))
MINUTES_BANDS = ((0, 1, "0"), (1, 5, "1–4"), (5, 15, "5–14"), (15, 30, "15–29"), (30, None, "30+"))
ACTIVITY_KINDS = tuple(Activity.Kind.values)
COUNT_SUFFIX = "_count"


class Trait(models.TextChoices):
    SECTOR = "sector", gettext_lazy("Sector")
    SIZE = "size", gettext_lazy("Company size")
    TITLE_WORD = "title_word", gettext_lazy("Word in the job title")
    SENIORITY = "seniority", gettext_lazy("Seniority")
    COUNTRY = "country", gettext_lazy("Country")
    REGION = "region", gettext_lazy("Region")
    CHANNEL = "channel", gettext_lazy("Source channel")
    SOURCE = "source", gettext_lazy("Original source")
    CAMPAIGN = "campaign", gettext_lazy("Campaign")
    CONVERSION_ACTION = "conversion_action", gettext_lazy("First conversion action")
    PRODUCT_INTEREST = "product_interest", gettext_lazy("Product interest")
    EXISTING_CUSTOMER = "existing_customer", gettext_lazy("Existing customer")
    TOUCHPOINTS = "touchpoints_30d", gettext_lazy("Touchpoints in the 30 days before MQL")
    TIME_ON_SITE = "minutes_on_site_30d", gettext_lazy("Minutes on the website in the 30 days before MQL")


class Seniority(models.TextChoices):
    EXECUTIVE = "executive", gettext_lazy("Owner, director or executive")
    MANAGER = "manager", gettext_lazy("Manager or head")
    OTHER = "other", gettext_lazy("Other job title")
    NONE = "none", gettext_lazy("No job title")


# The words that place a job title, in Dutch and English (matched as in a policy's keyword
# rules: whole words, `*` for the rest of a Dutch compound).
SENIORITY_WORDS = {
    Seniority.EXECUTIVE: (
        "ceo", "cfo", "coo", "cto", "cmo", "owner", "*eigenaar", "founder", "oprichter", "*directeur",
        "director", "president", "dga", "vp", "bestuurder", "partner", "businessman",
    ),
    Seniority.MANAGER: ("*manager", "head", "hoofd*", "*leider", "lead", "teamlead", "supervisor", "chef"),
}
SENIORITY_KEYWORDS = {level: Keywords(words) for level, words in SENIORITY_WORDS.items()}
# Fact traits: (trait, LeadFacts attribute) read as they are.
PLAIN_TRAITS = (
    (Trait.SECTOR, "sector"),
    (Trait.COUNTRY, "country"),
    (Trait.REGION, "region"),
    (Trait.CHANNEL, "channel"),
    (Trait.SOURCE, "source"),
    (Trait.CAMPAIGN, "campaign"),
    (Trait.CONVERSION_ACTION, "conversion_action"),
    (Trait.PRODUCT_INTEREST, "product_interest"),
)
TRAIT_ORDER = {
    name: index
    for index, name in enumerate(
        [Trait.SECTOR, Trait.SIZE, Trait.TITLE_WORD, Trait.SENIORITY, Trait.COUNTRY, Trait.REGION,
         Trait.CHANNEL, Trait.SOURCE, Trait.CAMPAIGN, Trait.CONVERSION_ACTION, Trait.PRODUCT_INTEREST,
         Trait.EXISTING_CUSTOMER, Trait.TOUCHPOINTS, Trait.TIME_ON_SITE, *(kind + COUNT_SUFFIX for kind in ACTIVITY_KINDS)]
    )
}


@dataclass(frozen=True)
class ActivityRow:
    kind: str
    occurred_at: datetime
    url: str = ""
    title: str = ""
    seconds: float | None = None  # time on the website, when the activity carries it


@dataclass(frozen=True)
class LeadRecord:
    """One lead of the history: its facts, its activities before it went to sales (before its
    MQL, or all of them when it never got there), whether it was won, and the end of the window
    its behaviour traits are measured in (its hand-over to sales, else its outcome, else the end
    of the history; by default its last activity before sales)."""

    facts: LeadFacts
    activities: tuple[ActivityRow, ...] = ()
    won: bool = False
    window_end: datetime | None = None

    @property
    def arrived_at(self) -> datetime:
        return self.facts.arrived_at

    @cached_property
    def counts(self) -> Counter:
        return Counter(activity.kind for activity in self.activities)

    @cached_property
    def traits(self) -> tuple[tuple[str, str], ...]:
        return tuple(traits_of(self))

    @cached_property
    def as_of(self) -> datetime:
        """The moment its engagement peaked: its last activity before sales, or its arrival."""
        return max([self.facts.arrived_at, *(activity.occurred_at for activity in self.activities)])

    @cached_property
    def in_window(self) -> tuple[ActivityRow, ...]:
        """Its activities in the WINDOW_DAYS days up to the end of its window."""
        end = self.window_end or self.as_of
        start = end - timedelta(days=WINDOW_DAYS)
        return tuple(activity for activity in self.activities if start <= activity.occurred_at <= end)


def band(number: int | None, bands) -> str:
    if number is None:
        return ""
    for low, high, label in bands:
        if number >= low and (high is None or number < high):
            return label
    return ""


def title_words(title: str) -> set[str]:
    """The words of a job title, folded ("Hoofd Inkoop" → {"hoofd", "inkoop"})."""
    return {word for word in re.split(r"[^\w]+", fold(title or "")) if len(word) >= 2 and not word.isdigit()}


def seniority(title: str) -> str:
    if not (title or "").strip():
        return Seniority.NONE
    for level, keywords in SENIORITY_KEYWORDS.items():
        if keywords.find(title):
            return level
    return Seniority.OTHER


def traits_of(record: LeadRecord) -> list[tuple[str, str]]:
    """Every (trait, value) the lead has; a job title gives one row per word."""
    facts = record.facts
    traits = [(name, str(getattr(facts, attribute) or "").strip()) for name, attribute in PLAIN_TRAITS]
    traits.append((Trait.SIZE, band(facts.employees, SIZE_BANDS)))
    traits.append((Trait.SENIORITY, seniority(facts.job_title)))
    traits.extend((Trait.TITLE_WORD, word) for word in sorted(title_words(facts.job_title)))
    traits.append((Trait.EXISTING_CUSTOMER, "yes" if facts.is_customer else "no"))
    counts = record.counts
    traits.extend((kind + COUNT_SUFFIX, band(counts[kind], COUNT_BANDS)) for kind in ACTIVITY_KINDS)
    traits.extend(window_traits(record))
    return [(str(name), value) for name, value in traits]


def window_traits(record: LeadRecord) -> list[tuple[str, str]]:
    """Its touchpoints in the window (banded), and its minutes on the website there when any
    of its activities says how long it stayed; a lead whose activities never say has no time
    on site, rather than zero minutes."""
    window = record.in_window
    traits = [(Trait.TOUCHPOINTS, band(len(window), TOUCHPOINT_BANDS))]
    timed = [activity.seconds for activity in record.activities if activity.seconds is not None]
    if timed:
        seconds = sum(activity.seconds for activity in window if activity.seconds is not None)
        traits.append((Trait.TIME_ON_SITE, band(int(seconds // 60), MINUTES_BANDS)))
    return traits


@dataclass(frozen=True)
class TraitRow:
    attribute: str
    value: str
    leads: int
    won: int
    average_rate: float

    @property
    def rate(self) -> float:
        return self.won / self.leads if self.leads else 0.0

    @property
    def lift(self) -> float | None:
        return self.rate / self.average_rate if self.average_rate else None

    @property
    def small_sample(self) -> bool:
        return self.leads < SMALL_SAMPLE

    def as_data(self) -> dict:
        return {
            "attribute": self.attribute,
            "value": self.value,
            "leads": self.leads,
            "won": self.won,
            "rate": round(self.rate, 4),
            "lift": None if self.lift is None else round(self.lift, 3),
            "small_sample": self.small_sample,
        }


@dataclass
class TraitTable:
    leads: int
    won: int
    rows: list[TraitRow] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.won / self.leads if self.leads else 0.0

    def row(self, attribute: str, value: str) -> TraitRow | None:
        return next((r for r in self.rows if r.attribute == attribute and r.value == value), None)


def trait_table(records: Iterable[LeadRecord]) -> TraitTable:
    leads = won = 0
    counted: Counter = Counter()
    won_with: Counter = Counter()
    for record in records:
        leads += 1
        won += record.won
        for trait in record.traits:
            counted[trait] += 1
            if record.won:
                won_with[trait] += 1
    average = won / leads if leads else 0.0
    rows = [TraitRow(attribute, value, n, won_with[(attribute, value)], average) for (attribute, value), n in counted.items()]
    rows.sort(key=lambda row: (TRAIT_ORDER.get(row.attribute, 99), -row.leads, row.value))
    return TraitTable(leads, won, rows)


@dataclass(frozen=True)
class Pattern:
    """Traits that went together with winning: the share of won leads that had them all, and
    the won rate of the leads that had them."""

    traits: tuple[tuple[str, str], ...]
    leads: int
    won: int
    won_share: float
    average_rate: float

    @property
    def rate(self) -> float:
        return self.won / self.leads if self.leads else 0.0

    @property
    def lift(self) -> float:
        return self.rate / self.average_rate if self.average_rate else 0.0


MIN_PATTERN_LIFT = 1.2
PATTERN_SEEDS = 8
PAIR_GAIN = 1.1
# Values that say nothing a reader can act on: no pattern is made of them.
VAGUE_VALUES = ("", "0", "other", "unknown", Seniority.OTHER, Seniority.NONE)


def patterns(records: Sequence[LeadRecord], table: TraitTable, *, limit: int = 3) -> list[Pattern]:
    """The traits (alone or two together) that most won leads had while winning clearly more
    often than average (lift ≥ 1.2, no small samples); a pair only when it wins clearly more
    often than either of its traits alone (1.1×). Vague values ("other", unknown) are no
    pattern."""
    if not table.won:
        return []
    seeds = [
        row for row in table.rows
        if row.value not in VAGUE_VALUES and not row.small_sample and (row.lift or 0) >= MIN_PATTERN_LIFT
    ]
    seeds.sort(key=lambda row: (-row.won, -(row.lift or 0)))
    seeds = seeds[:PATTERN_SEEDS]
    found = [Pattern(((row.attribute, row.value),), row.leads, row.won, row.won / table.won, table.rate) for row in seeds]
    pairs = [(a, b) for a, b in combinations(seeds, 2) if a.attribute != b.attribute]
    if pairs:
        together: Counter = Counter()
        won_together: Counter = Counter()
        for record in records:
            have = set(record.traits)
            for a, b in pairs:
                key = ((a.attribute, a.value), (b.attribute, b.value))
                if key[0] in have and key[1] in have:
                    together[key] += 1
                    won_together[key] += record.won
        lifts = {(row.attribute, row.value): row.lift or 0 for row in seeds}
        for key, leads in together.items():
            pattern = Pattern(key, leads, won_together[key], won_together[key] / table.won, table.rate)
            # A pair says more than its traits alone only when together they win clearly more.
            stronger = pattern.lift >= PAIR_GAIN * max(lifts[key[0]], lifts[key[1]])
            if leads >= SMALL_SAMPLE and pattern.lift >= MIN_PATTERN_LIFT and stronger:
                found.append(pattern)
    # Two traits say more than one: a pair ranks ahead of a single trait covering as many.
    found.sort(key=lambda p: (-round(p.won_share, 2), -len(p.traits), -p.lift))
    chosen: list[Pattern] = []
    for pattern in found:
        if not any(set(pattern.traits) <= set(other.traits) for other in chosen):
            chosen.append(pattern)
        if len(chosen) == limit:
            break
    return chosen


# --- in words, in the reader's language ----------------------------------------------------


def trait_label(attribute: str) -> str:
    if attribute.endswith(COUNT_SUFFIX) and attribute[: -len(COUNT_SUFFIX)] in ACTIVITY_KINDS:
        kind = Activity.Kind(attribute[: -len(COUNT_SUFFIX)]).label
        return _("%(kind)s before MQL (count)") % {"kind": kind}
    return str(Trait(attribute).label) if attribute in Trait.values else attribute


CHOICES_OF = {Trait.SECTOR: Sector, Trait.CHANNEL: Channel, Trait.CONVERSION_ACTION: ConversionAction, Trait.SENIORITY: Seniority}


def value_label(attribute: str, value: str) -> str:
    if value == "":
        return _("unknown")
    choices = CHOICES_OF.get(attribute)
    if choices is not None and value in choices.values:
        return str(choices(value).label)
    if attribute == Trait.EXISTING_CUSTOMER:
        return _("yes") if value == "yes" else _("no")
    if attribute == Trait.SIZE and value == "1000+":
        return number_format(1000, force_grouping=True) + "+"
    return value


def describe_trait(attribute: str, value: str) -> str:
    shown = value_label(attribute, value)
    if attribute.endswith(COUNT_SUFFIX):
        kind = Activity.Kind(attribute[: -len(COUNT_SUFFIX)]).label
        return _("%(count)s × “%(kind)s” before MQL") % {"count": shown, "kind": kind}
    if attribute == Trait.SIZE:
        return _("%(band)s employees") % {"band": shown}
    if attribute == Trait.TOUCHPOINTS:
        return _("%(band)s touchpoints within a month before MQL") % {"band": shown}
    if attribute == Trait.TIME_ON_SITE:
        return _("%(band)s minutes on the website within a month before MQL") % {"band": shown}
    if attribute == Trait.TITLE_WORD:
        return _("“%(word)s” in the job title") % {"word": shown}
    if attribute == Trait.EXISTING_CUSTOMER:
        return _("a customer account") if value == "yes" else _("no customer account yet")
    return _("%(value)s as %(trait)s") % {"trait": trait_label(attribute).lower(), "value": shown}


def percent(share: float) -> str:
    return _("%(number)s %%") % {"number": number_format(round(share * 100))}


def describe_pattern(pattern: Pattern) -> str:
    """"80 % of won leads had 100–249 employees and source channel LinkedIn (won rate 40 %,
    2.0× the average)"."""
    traits = [describe_trait(attribute, value) for attribute, value in pattern.traits]
    joined = traits[0] if len(traits) == 1 else _("%(first)s and %(second)s") % {"first": traits[0], "second": traits[1]}
    return _("%(share)s of won leads had %(traits)s (won rate %(rate)s, %(lift)s× the average)") % {
        "share": percent(pattern.won_share),
        "traits": joined,
        "rate": percent(pattern.rate),
        "lift": number_format(round(pattern.lift, 1), decimal_pos=1),
    }


def rows_by_trait(table: TraitTable, *, limit: int) -> list[tuple[str, list[TraitRow], int]]:
    """(attribute, its `limit` most common values, how many more there are), in trait order."""
    grouped: dict[str, list[TraitRow]] = {}
    for row in table.rows:
        grouped.setdefault(row.attribute, []).append(row)
    return [(attribute, rows[:limit], max(0, len(rows) - limit)) for attribute, rows in grouped.items()]
