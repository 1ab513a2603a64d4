"""The definition of a good lead, applied: a policy snapshot, one lead's facts, its activities
and `now` in; fit score, engagement score, intent tier, disqualifier and the explanation out.

Pure functions over plain data: no database, no clock. The single-lead path
(`qualification.decisions`) and the bulk path (`qualification.bulk`) both end here, so a lead
gets the same verdict whichever way it was scored. The bulk path counts activities in SQL and
hands over an `ActivitySummary`; `summarize()` builds the same summary from activity objects.

The explanation is a list of `{"kind", "label", "points"}` entries (see
`Lead.score_explanation`), in the order the rules were applied. A disqualifier's entry also
holds what it matched, as data (`"match": {"on": "job_title", "word": "Stagiaire", "keyword":
"stagiair*"}`), which `describe_match()` puts into words in the reader's language.

Keyword rules (job titles, students, competitors) match whole words or explicit prefixes and
suffixes: see `qualification.keywords`. What time alone does to a result — its temperature
and the next moment to re-score — is `qualification.aging`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.email_domains import PERSONAL_EMAIL_DOMAINS
from common.messages import choice, message
from leads.models import (
    Activity,
    ConversionAction,
    IntentTier,
    Lead,
    Sector,
        conversion_of,
)
from qualification.keywords import Keywords
from qualification.vocabulary import (
    NUMBER_OPERATORS,
    Attribute,
    Decision,
    DisqualifierKind,
    EmailDomainType,
    MatchedOn,
    Operator,
    split_list,
)

# The agreement most B2B teams start from; each policy stores its own copy.
DEFAULT_INTENT_TIERS = {
    ConversionAction.QUOTE_REQUEST: IntentTier.HIGH,
    ConversionAction.DEMO_REQUEST: IntentTier.HIGH,
    ConversionAction.CONTACT_FORM: IntentTier.HIGH,
    ConversionAction.CALLBACK: IntentTier.HIGH,
    ConversionAction.CALCULATOR: IntentTier.MID,
    ConversionAction.DOWNLOAD: IntentTier.MID,
    ConversionAction.WEBINAR: IntentTier.MID,
    ConversionAction.NEWSLETTER: IntentTier.LOW,
    ConversionAction.SOCIAL: IntentTier.LOW,
    ConversionAction.OTHER: IntentTier.LOW,
}
TIER_RANK = {IntentTier.LOW: 0, IntentTier.MID: 1, IntentTier.HIGH: 2}

# Job titles and organisations that say "student or academic", whatever the policy adds.
# Whole words: "intern" is a student, "International Sales Director" and "Hoofd Interne
# Logistiek" are not; Dutch writes compounds as one word, hence the stars.
STUDENT_WORDS = (
    "*student*", "stagiair*", "intern", "interns", "internship*", "afstudeer*", "promovend*", "phd",
)
ACADEMIC_WORDS = ("*universiteit*", "universit*", "*hogeschool*", "*academie", "college")
STUDENT_TITLES = Keywords(STUDENT_WORDS)
ACADEMIC_ORGANISATIONS = Keywords(ACADEMIC_WORDS)


# --- the snapshot: plain data, frozen ------------------------------------------------------


@dataclass(frozen=True)
class FitRuleSpec:
    attribute: str
    operator: str
    value: str
    points: int
    label: str

    @cached_property
    def words(self) -> tuple[str, ...]:
        return tuple(split_list(self.value))

    @cached_property
    def keywords(self) -> Keywords:
        return Keywords(self.words)


# The activities that can say how long the lead stayed on the website (`data.seconds`).
WEBSITE_KINDS = (Activity.Kind.PAGE_VISIT, Activity.Kind.PRICING_PAGE, Activity.Kind.CASE_STUDY)


def seconds_on_site(activity) -> float:
    """How long an activity kept the lead on the website, in seconds: an `ActivityRow`'s
    `seconds`, or an Activity's `data.seconds`; 0 when it does not say (or says something that
    is not a number of seconds)."""
    seconds = getattr(activity, "seconds", None)
    if seconds is None:
        data = getattr(activity, "data", None)
        seconds = data.get("seconds") if isinstance(data, dict) else None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
        return 0.0
    return float(seconds)


def minutes_label(activity_kind: str, min_minutes: int, window_days: int | None, own_label: str = "") -> dict:
    """How a minutes rule reads in an explanation, as a message: "15+ minutes on the website
    within 30 days"; a kind other than a page visit is named, and a label marketing typed
    comes first."""
    params = {"minutes": min_minutes}
    code = "score.minutes_on_site"
    if activity_kind != Activity.Kind.PAGE_VISIT:
        code += "_of_kind"
        params["kind"] = choice("activity", activity_kind)
    if window_days:
        code += "_within"
        params["days"] = window_days
    described = message(code, **params)
    return message("score.labelled_rule", label=own_label, rule=described) if own_label else described


@dataclass(frozen=True)
class EngagementRuleSpec:
    """Points per matching activity within the window, up to the cap; or, with `min_minutes`,
    the points once when the matching activities add up to that much time on the website."""

    activity_kind: str
    points: int
    label: str | dict  # as marketing typed it, or a message that describes the rule
    url_contains: str = ""
    title_contains: str = ""
    cap: int | None = None
    window_days: int | None = None
    min_count: int = 1
    min_minutes: int | None = None

    def matches(self, activity, *, now: datetime) -> bool:
        if activity.kind != self.activity_kind or activity.occurred_at > now:
            return False
        if self.window_days and activity.occurred_at < now - timedelta(days=self.window_days):
            return False
        if self.url_contains and self.url_contains.lower() not in (activity.url or "").lower():
            return False
        if self.title_contains and self.title_contains.lower() not in (activity.title or "").lower():
            return False
        return True

    def points_for(self, count: int, seconds: float = 0.0) -> int:
        """Points per matching activity, once at least `min_count` match, up to the cap. A
        minutes rule gives its points once, when the matching activities' time on the website
        reaches `min_minutes` (whole seconds: 15 minutes is 900 seconds or more)."""
        if count < max(1, self.min_count):
            return 0
        if self.min_minutes:
            if seconds < self.min_minutes * 60:
                return 0
            total = self.points
        else:
            total = self.points * count
        if self.cap is not None:
            total = min(total, self.cap) if self.points >= 0 else max(total, -abs(self.cap))
        return total


@dataclass(frozen=True)
class DisqualifierSpec:
    kind: str
    value: str
    reason: str | dict  # as marketing typed it, or a message naming the disqualifier

    @cached_property
    def words(self) -> tuple[str, ...]:
        return tuple(split_list(self.value))

    @cached_property
    def keywords(self) -> Keywords:
        return Keywords(self.words)

    @cached_property
    def student_titles(self) -> Keywords:
        return Keywords((*STUDENT_WORDS, *self.words))


@dataclass(frozen=True)
class PolicySnapshot:
    version: int
    fit_threshold: int
    engagement_threshold: int
    customer_engagement_threshold: int
    fit_rules: tuple[FitRuleSpec, ...] = ()
    engagement_rules: tuple[EngagementRuleSpec, ...] = ()
    disqualifiers: tuple[DisqualifierSpec, ...] = ()
    decay_points: int = 0
    decay_after_days: int | None = None
    intent_tiers: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_INTENT_TIERS))
    hot_within_days: int = 7  # the temperature bands: see temperature()
    warm_within_days: int = 30

    @property
    def rule_name(self) -> str:
        """How a stage change made by this policy names its rule."""
        return f"qualification policy v{self.version}"

    @cached_property
    def texts(self) -> dict[str, dict]:
        """The explanation's fixed lines as messages (put into words when read), built once
        per snapshot rather than once per lead: bulk re-scoring explains a million leads."""
        return {
            **{tier: choice("intent_tier", tier) for tier in IntentTier.values},
            "decay": message("score.decay", days=self.decay_after_days),
            "customer": message("score.customer"),
            "fit_alone": message("score.fit_alone"),
            "nurture_only": message("score.nurture_only"),
            "gone_quiet": message("score.gone_quiet"),
            "both": message("score.both"),
        }


@dataclass(frozen=True)
class LeadFacts:
    """What the fit rules and disqualifiers look at."""

    email: str = ""
    job_title: str = ""
    conversion_action: str = ConversionAction.OTHER
    channel: str = ""
    product_interest: str = ""
    source: str = ""
    campaign: str = ""
    company_name: str = ""
    company_domain: str = ""
    employees: int | None = None
    sector: str = ""
    country: str = ""
    region: str = ""
    is_customer: bool = False
    is_competitor: bool = False
    arrived_at: datetime | None = None  # the quiet period of a lead without activities

    @classmethod
    def from_lead(cls, lead: Lead) -> "LeadFacts":
        company = lead.company
        return cls(
            email=lead.email,
            job_title=lead.job_title,
            conversion_action=lead.conversion_action,
            channel=lead.channel,
            product_interest=lead.product_interest,
            source=lead.source,
            campaign=lead.campaign,
            company_name=company.name if company else "",
            company_domain=company.domain if company else "",
            employees=company.employees if company else None,
            sector=company.sector if company else "",
            country=company.country if company else "",
            region=company.region if company else "",
            is_customer=bool(company and company.is_customer),
            is_competitor=bool(company and company.is_competitor),
            arrived_at=lead.created_at,
        )

    @property
    def email_domain(self) -> str:
        return self.email.rpartition("@")[2].lower()

    @property
    def email_domain_type(self) -> str:
        if self.email_domain in PERSONAL_EMAIL_DOMAINS:
            return EmailDomainType.PERSONAL
        return EmailDomainType.BUSINESS

    def value_of(self, attribute: str):
        if attribute == Attribute.EXISTING_CUSTOMER:
            return self.is_customer
        if attribute == Attribute.COMPETITOR:
            return self.is_competitor
        if attribute == Attribute.EMAIL_DOMAIN_TYPE:
            return self.email_domain_type
        if attribute == Attribute.EMAIL_DOMAIN:
            return self.email_domain
        return getattr(self, attribute)


@dataclass(frozen=True)
class ActivitySummary:
    """Per engagement rule (in policy order) the number of matching activities, the latest
    activity, and the highest intent tier among the lead's later conversions (a demo request,
    a quote form: see `leads.models.conversion_of()`), empty when it had none."""

    counts: tuple[int, ...]
    last_activity_at: datetime | None
    conversion_tier: str = ""
    # Per engagement rule, its oldest counted activity when the rule has a window (it drops
    # out of the count window_days later), else None. Empty: not known.
    oldest_counted: tuple[datetime | None, ...] = ()
    # Per engagement rule, its matching activities' seconds on the website when it is a
    # minutes rule, else 0. Empty: none.
    seconds: tuple[float, ...] = ()


@dataclass(frozen=True)
class ScoreResult:
    fit_score: int
    engagement_score: int
    intent_tier: str
    disqualifier: str  # the reason, empty when none fired
    qualifies: bool
    for_account_management: bool
    explanation: list[dict]
    threshold_summary: dict | str  # a message: "fit 60 ≥ 40, engagement 35 ≥ 30"; "" when disqualified
    last_activity_at: datetime | None = None


# --- the rules ----------------------------------------------------------------------------


def fit_rule_fires(rule: FitRuleSpec, facts: LeadFacts) -> bool:
    actual = facts.value_of(rule.attribute)
    op = rule.operator
    if op == Operator.IS_TRUE:
        return bool(actual)
    if op == Operator.IS_FALSE:
        return not actual
    if op in NUMBER_OPERATORS:
        if actual is None:
            return False  # an unknown size neither earns nor costs points
        limit = int(rule.value)
        return actual >= limit if op == Operator.AT_LEAST else actual <= limit
    if op == Operator.CONTAINS_ANY and rule.attribute == Attribute.JOB_TITLE:
        return rule.keywords.find(actual) is not None
    text = str(actual or "").strip().lower()
    if op == Operator.CONTAINS_ANY:
        return bool(text) and any(word in text for word in rule.words)
    wanted = rule.words
    if op == Operator.EQUALS:
        return text == (wanted[0] if wanted else "")
    if op == Operator.NOT_EQUALS:
        return text != (wanted[0] if wanted else "")
    if op == Operator.IN:
        return text in wanted
    if op == Operator.NOT_IN:
        return text not in wanted
    raise ValueError(f"Unknown operator {op!r}")


@dataclass(frozen=True)
class Evidence:
    """What a disqualifier matched: the word as the lead wrote it, where, and the keyword."""

    on: str  # a MatchedOn
    word: str
    keyword: str = ""

    def as_data(self) -> dict[str, str]:
        return {"on": str(self.on), "word": self.word, "keyword": self.keyword}


def keyword_evidence(keywords: Keywords, on: str, text: str) -> Evidence | None:
    found = keywords.find(text)
    return Evidence(on, found.word, found.keyword) if found else None


def disqualifier_match(rule: DisqualifierSpec, facts: LeadFacts) -> Evidence | None:
    """What makes `rule` disqualify the lead; None when it does not."""
    listed = rule.words
    if rule.kind == DisqualifierKind.PERSONAL_EMAIL:
        domains = set(listed) or PERSONAL_EMAIL_DOMAINS
        return Evidence(MatchedOn.EMAIL_DOMAIN, facts.email_domain) if facts.email_domain in domains else None
    if rule.kind == DisqualifierKind.COMPETITOR:
        if facts.is_competitor:
            return Evidence(MatchedOn.COMPETITOR_FLAG, facts.company_name)
        return (
            keyword_evidence(rule.keywords, MatchedOn.COMPANY_NAME, facts.company_name)
            or keyword_evidence(rule.keywords, MatchedOn.COMPANY_DOMAIN, facts.company_domain)
            or keyword_evidence(rule.keywords, MatchedOn.EMAIL_DOMAIN, facts.email_domain)
        )
    if rule.kind == DisqualifierKind.STUDENT:
        if facts.sector == Sector.EDUCATION:
            return Evidence(MatchedOn.SECTOR, facts.sector)
        if facts.email_domain.endswith((".edu", ".ac.uk")):
            return Evidence(MatchedOn.EMAIL_DOMAIN, facts.email_domain)
        return keyword_evidence(rule.student_titles, MatchedOn.JOB_TITLE, facts.job_title) or keyword_evidence(
            ACADEMIC_ORGANISATIONS, MatchedOn.COMPANY_NAME, facts.company_name
        )
    if rule.kind == DisqualifierKind.TOO_SMALL:
        if facts.employees is not None and facts.employees < int(rule.value):
            return Evidence(MatchedOn.EMPLOYEES, str(facts.employees))
        return None
    if rule.kind == DisqualifierKind.SECTOR_OUTSIDE:
        return Evidence(MatchedOn.SECTOR, facts.sector) if facts.sector and facts.sector not in listed else None
    raise ValueError(f"Unknown disqualifier {rule.kind!r}")


def disqualifier_fires(rule: DisqualifierSpec, facts: LeadFacts) -> bool:
    return disqualifier_match(rule, facts) is not None


def describe_match(match: Mapping | None) -> str:
    """A disqualifier's match in words, in the active language: "“Stagiaire” in the job
    title". Empty for an explanation stored before matches were."""
    if not match:
        return ""
    on, word = match.get("on"), match.get("word", "")
    if on == MatchedOn.SECTOR:
        label = Sector(word).label if word in Sector.values else word
        return _("sector %(sector)s") % {"sector": label}
    if on == MatchedOn.EMPLOYEES:
        count = int(word) if word.isdigit() else 0
        return ngettext("%(count)s employee", "%(count)s employees", count) % {"count": word}
    if on == MatchedOn.COMPETITOR_FLAG:
        return _("the company is marked as a competitor")
    if on == MatchedOn.EMAIL_DOMAIN:
        return _("e-mail domain %(domain)s") % {"domain": word}
    if on == MatchedOn.JOB_TITLE:
        return _("“%(word)s” in the job title") % {"word": word}
    if on == MatchedOn.COMPANY_NAME:
        return _("“%(word)s” in the company name") % {"word": word}
    if on == MatchedOn.COMPANY_DOMAIN:
        return _("“%(word)s” in the company's domain") % {"word": word}
    return word


def tier_of(policy: PolicySnapshot, action: str) -> str:
    return policy.intent_tiers.get(action, IntentTier.LOW)


def higher_tier(first: str, second: str) -> str:
    """The higher of two intent tiers; "" counts as no tier at all."""
    if not second:
        return first
    if not first:
        return second
    return first if TIER_RANK[first] >= TIER_RANK[second] else second


def summarize(policy: PolicySnapshot, activities: Iterable, *, now: datetime) -> ActivitySummary:
    """Count each engagement rule's matching activities; anything with `kind`, `occurred_at`,
    `url`, `title` and (optionally) `data` will do (Activity rows, or plain tuples in tests)."""
    counts = [0] * len(policy.engagement_rules)
    oldest: list[datetime | None] = [None] * len(policy.engagement_rules)
    seconds = [0.0] * len(policy.engagement_rules)
    last_at = None
    conversion_tier = ""
    for activity in activities:
        if activity.occurred_at > now:
            continue
        if last_at is None or activity.occurred_at > last_at:
            last_at = activity.occurred_at
        action = conversion_of(activity.kind, getattr(activity, "data", None))
        if action:
            conversion_tier = higher_tier(conversion_tier, tier_of(policy, action))
        for index, rule in enumerate(policy.engagement_rules):
            if rule.matches(activity, now=now):
                counts[index] += 1
                if rule.min_minutes:
                    seconds[index] += seconds_on_site(activity)
                if rule.window_days and (oldest[index] is None or activity.occurred_at < oldest[index]):
                    oldest[index] = activity.occurred_at
    return ActivitySummary(tuple(counts), last_at, conversion_tier, tuple(oldest), tuple(seconds))


def intent_tier(policy: PolicySnapshot, facts: LeadFacts, summary: ActivitySummary) -> str:
    """The tier of the lead's first conversion action; a later conversion of a higher tier
    (a newsletter subscriber who asks for a quote) lifts it."""
    return higher_tier(tier_of(policy, facts.conversion_action), summary.conversion_tier)


def score(policy: PolicySnapshot, facts: LeadFacts, summary: ActivitySummary, *, now: datetime) -> ScoreResult:
    explanation: list[dict] = []
    tier = intent_tier(policy, facts, summary)
    texts = policy.texts
    tier_line = {"kind": "tier", "label": texts[tier], "points": 0}

    for rule in policy.disqualifiers:
        evidence = disqualifier_match(rule, facts)
        if evidence is not None:
            explanation.append(
                {"kind": "disqualifier", "label": rule.reason, "points": 0, "match": evidence.as_data()}
            )
            explanation.append(tier_line)
            return ScoreResult(
                0, 0, tier, rule.reason, False, facts.is_customer, explanation, "",
                summary.last_activity_at,
            )

    fit = 0
    for rule in policy.fit_rules:
        if fit_rule_fires(rule, facts):
            fit += rule.points
            explanation.append({"kind": "fit", "label": rule.label, "points": rule.points})

    engagement = 0
    seconds = summary.seconds or (0.0,) * len(policy.engagement_rules)
    for rule, count, rule_seconds in zip(policy.engagement_rules, summary.counts, seconds):
        points = rule.points_for(count, rule_seconds)
        if points:
            engagement += points
            label = rule.label if count == 1 or rule.min_minutes else f"{rule.label} ×{count}"
            explanation.append({"kind": "engagement", "label": label, "points": points})

    quiet_since = summary.last_activity_at or facts.arrived_at
    quiet = bool(
        policy.decay_points
        and policy.decay_after_days
        and quiet_since is not None
        and now - quiet_since >= timedelta(days=policy.decay_after_days)
    )
    if quiet:
        engagement += policy.decay_points
        explanation.append({"kind": "decay", "label": texts["decay"], "points": policy.decay_points})

    qualifies, summary_text, tier_note = thresholds_met(policy, facts, tier, fit, engagement, quiet=quiet)
    explanation.append({**tier_line, "label": message("score.tier", tier=tier_line["label"], note=tier_note, thresholds=summary_text)})
    if facts.is_customer:
        explanation.append({"kind": "tier", "label": texts["customer"], "points": 0})
    return ScoreResult(
        fit, engagement, tier, "", qualifies, facts.is_customer, explanation, summary_text,
        summary.last_activity_at,
    )


def thresholds_met(
    policy: PolicySnapshot, facts: LeadFacts, tier: str, fit: int, engagement: int, *, quiet: bool = False
) -> tuple[bool, str, str]:
    """(qualifies, "fit 60 ≥ 40 …", what the tier means), the last two as messages. High intent asked for contact, so it
    goes to sales on fit alone — while the request is fresh: once the decay applies, the old
    request no longer says "now" and the lead needs both thresholds like mid intent. Low
    intent only ever nurtures."""
    needed = policy.customer_engagement_threshold if facts.is_customer else policy.engagement_threshold
    fit_ok = fit >= policy.fit_threshold
    fit_sign = "≥" if fit_ok else "<"
    if tier == IntentTier.HIGH and not quiet:
        fit_text = message("score.fit_vs", fit=fit, sign=fit_sign, threshold=policy.fit_threshold)
        return fit_ok, fit_text, policy.texts["fit_alone"]
    engagement_ok = engagement >= needed
    both = message(
        "score.fit_and_engagement_vs", fit=fit, fit_sign=fit_sign, fit_threshold=policy.fit_threshold,
        engagement=engagement, sign="≥" if engagement_ok else "<", threshold=needed,
    )
    if tier == IntentTier.LOW:
        return False, both, policy.texts["nurture_only"]
    if tier == IntentTier.HIGH:
        return fit_ok and engagement_ok, both, policy.texts["gone_quiet"]
    return fit_ok and engagement_ok, both, policy.texts["both"]


# Stages in which sales has taken the lead: a score change never moves it back.
ACCEPTED_STAGES = (Lead.Stage.SAL, Lead.Stage.SQL, Lead.Stage.OPPORTUNITY)
# Stages the policy may move a lead out of.
UNDECIDED_STAGES = (Lead.Stage.NEW, Lead.Stage.NURTURE)
# A lead in nurture that had reached one of these was sent back by sales (recycled).
SALES_STAMPS = ("mql_at", "sal_at", "sql_at", "opportunity_at", "won_at", "lost_at")


def recycled_at(stage: str, stage_changed_at: datetime | None, stamps: Iterable) -> datetime | None:
    """When a lead in nurture was sent back there after sales had it; None otherwise."""
    if stage == Lead.Stage.NURTURE and any(stamp is not None for stamp in stamps):
        return stage_changed_at
    return None


def decide(result: ScoreResult, stage: str, *, recycled_at: datetime | None = None) -> str:
    """Where the score sends a lead in `stage`. Only marketing's stages move: once sales
    accepted a lead (or it closed), a score change never moves it — no bouncing.

    `recycled_at`: when sales sent the lead back to nurture. Such a lead becomes an MQL again
    only after it did something new; the score that sales already judged does not count twice.
    """
    if stage in UNDECIDED_STAGES:
        if result.disqualifier:
            return Decision.DISQUALIFY
        judged_already = recycled_at is not None and (
            result.last_activity_at is None or result.last_activity_at <= recycled_at
        )
        if result.qualifies and not judged_already:
            return Decision.QUALIFY
        if stage == Lead.Stage.NEW:
            return Decision.NURTURE
        return Decision.KEEP
    if stage == Lead.Stage.MQL and result.disqualifier:
        return Decision.DISQUALIFY  # sales has not accepted it yet: spare them the call
    return Decision.KEEP
