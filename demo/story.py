"""A deterministic, realistic demo world: Dutch manufacturers, their people, and a year of
leads moving (or not) through the funnel.

Everything comes from one seed: lead number `n` is always the same person with the same story,
so a data set of any size can be built in independent chunks with bounded memory. The numbers
are made to look like a B2B funnel: channels with different intent (Google high, Meta low),
drop-off at every step, and lead times from minutes (a quote request) to months (a deal).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from common.messages import message, split
from demo.world import (
    ACTION_WEIGHTS,
    CAMPAIGNS,
    CASE_STUDIES,
    CHANNEL_QUALITY,
    CHANNEL_WEIGHTS,
    DOWNLOADS,
    EVENTS,
    FIRST_NAMES,
    JOB_TITLES,
    LAST_NAMES,
    LOST_REASONS,
    ORIGINAL_SOURCES,
    PAGES,
    PERSONAL_DOMAINS,
    PRODUCTS,
    QUALITY_COMMENTS,
    REJECTION_REASONS,
    SITE,
    SOURCE,
    SPECIAL_COMPANIES,
    STALLED_AFTER,
    TARGET_SECTORS,
    TEAM_ACCOUNTS,
    TEAM_NORTH,
    TEAM_SOUTH,
    TIER_OF_ACTION,
    USERS,
    WEBINARS,
    A,
    DemoCompany,
    S,
    slug,
    source_owner_of,
    weighted,
)
from leads.models import (
    Activity,
    ContactAttempt,
    Feedback,
    IntentTier,
    Sector,
)
from qualification.decisions import nurture_reason, why_now
from qualification.scoring import (
    SALES_STAMPS,
    LeadFacts,
    PolicySnapshot,
    ScoreResult,
    decide,
    recycled_at,
    score,
    summarize,
)
from qualification.texts import STRAIGHT_TO_SALES_RULE
from qualification.vocabulary import Decision
from sales.texts import reason_with_note


@dataclass
class LeadStory:
    """One lead and every row that tells its story, ready for the bulk writer."""

    lead: dict
    activities: list[dict] = field(default_factory=list)
    stage_changes: list[dict] = field(default_factory=list)
    attempts: list[dict] = field(default_factory=list)
    feedback: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class World:
    """What every lead's story draws on: the companies (with their database ids) and the
    people and teams (ids by username and team name)."""

    seed: int
    until: datetime
    companies: list[DemoCompany]
    company_ids: list[int]
    user_ids: dict[str, int]
    team_ids: dict[str, int]
    time_zone: ZoneInfo
    # The active qualification policy: it, not chance, decides where marketing sends a lead,
    # so each lead's stage agrees with the score the demo then stores.
    policy: PolicySnapshot

    def reps_of(self, team: str) -> list[str]:
        return [u.username for u in USERS if u.team == team and u.takes_leads]


class StoryTeller:
    """Writes lead number `n`'s story. Times run forward from its arrival; whatever would
    happen after `until` has not happened yet, so young leads are still open."""

    def __init__(self, world: World):
        self.world = world

    def story(self, n: int, *, ids: "IdBlock") -> LeadStory:
        world = self.world
        rng = random.Random(world.seed * 1_000_003 + n)
        lead_id = ids.take("lead")
        company_index = self._pick_company(rng)
        company = world.companies[company_index]
        created_at = self._arrival(rng)
        channel = weighted(rng, CHANNEL_WEIGHTS)
        action = weighted(rng, ACTION_WEIGHTS[channel])
        tier = TIER_OF_ACTION[action]

        first = rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES)
        is_student = company.sector == Sector.EDUCATION or rng.random() < 0.015
        title = "Student" if is_student else weighted(rng, dict(JOB_TITLES))
        personal_email = rng.random() < 0.11
        local_part = slug(f"{first}.{last}").replace("-", ".")
        email_domain = rng.choice(PERSONAL_DOMAINS) if personal_email else company.domain
        email = f"{local_part}{rng.randint(1, 99) if personal_email else ''}@{email_domain}"

        lead = {
            "id": lead_id,
            "first_name": first,
            "last_name": last,
            "email": email,
            "phone": f"+31 6 {rng.randint(10000000, 99999999)}",
            "job_title": title,
            "company_id": world.company_ids[company_index],
            "channel": channel,
            "campaign": rng.choice(CAMPAIGNS[channel]),
            # Picked by the lead's number, not the generator: the rest of the story stays as it was.
            "source": ORIGINAL_SOURCES[channel][n % len(ORIGINAL_SOURCES[channel])],
            "conversion_action": action,
            "product_interest": weighted(rng, dict(PRODUCTS)),
            "owner_id": None,
            "team_id": None,
            "source_system": SOURCE,
            "external_id": f"demo-{n:07d}",
            "stage": S.NEW,
            "stage_changed_at": None,
            "version": 1,
            "created_at": created_at,
            "updated_at": created_at,
            "intent_tier": tier,
            "score_explanation": [],
            "attempt_count": 0,
        }
        lead["source_owner"] = source_owner_of(channel, lead["campaign"], n)
        story = LeadStory(lead=lead)
        self._activities(rng, story, ids, n, created_at, action)

        good_fit = (
            company.sector in TARGET_SECTORS
            and company.employees >= 50
            and not personal_email
            and not is_student
        )
        verdict = self._verdict_of(story, company)
        self._journey(rng, story, ids, company, tier, channel, good_fit, verdict)
        self._recycle_if_stalled(story, ids)
        self._settle(rng, story, ids, company, verdict)
        return story

    def _verdict_of(self, story: LeadStory, company: DemoCompany):
        """The policy's verdict on the lead at a moment: what it did up to then, scored."""
        lead = story.lead
        facts = LeadFacts(
            email=lead["email"], job_title=lead["job_title"], conversion_action=lead["conversion_action"],
            channel=lead["channel"], product_interest=lead["product_interest"], company_name=company.name,
            company_domain=company.domain, employees=company.employees, sector=company.sector,
            country=company.country, region=company.region, is_customer=company.is_customer,
            is_competitor=company.is_competitor, arrived_at=lead["created_at"],
        )
        activities = [SimpleNamespace(**a) for a in story.activities]
        policy = self.world.policy

        def verdict(at: datetime) -> ScoreResult:
            return score(policy, facts, summarize(policy, activities, now=at), now=at)

        return verdict

    def _settle(self, rng, story, ids, company, verdict):
        """What the policy would do if it ran at the end of the demo year, done: a lead in
        nurture that its activities qualify (since sales last saw it) became an MQL when it
        last did something, and waits for sales, or went back after a month without progress."""
        lead = story.lead
        if lead["stage"] != S.NURTURE:
            return
        until = self.world.until
        final = verdict(until)
        stamps = [lead.get(stamp) for stamp in SALES_STAMPS]
        recycled = recycled_at(lead["stage"], lead["stage_changed_at"], stamps)
        if decide(final, lead["stage"], recycled_at=recycled) != Decision.QUALIFY:
            return
        tipped_at = max(lead["stage_changed_at"], final.last_activity_at or lead["stage_changed_at"])
        at = min(until, tipped_at + timedelta(minutes=1))
        if lead["owner_id"] is None:
            owner = self._assign(rng, story, company)
        else:
            owner = next(name for name, pk in self.world.user_ids.items() if pk == lead["owner_id"])
        self._move(story, ids, S.MQL, at, rule=self.world.policy.rule_name, reason=why_now(final, None))
        tier = IntentTier(final.intent_tier)
        self._with_sales(rng, story, ids, company, tier, lead["channel"], final.fit_score >= 60, owner=owner, since=at)
        self._recycle_if_stalled(story, ids)

    def _assign(self, rng, story, company) -> str:
        """Who gets it: existing customers go to account management, others by territory.
        Returns the owner's username."""
        team = TEAM_ACCOUNTS if company.is_customer else company.territory
        owner = rng.choice(self.world.reps_of(team))
        story.lead["team_id"] = self.world.team_ids[team]
        story.lead["owner_id"] = self.world.user_ids[owner]
        return owner

    def _move(self, story, ids, to, at, *, by=None, rule="", reason=""):
        """The bulk twin of Lead.move_to(): the history row and the lead's stamps."""
        lead = story.lead
        story.stage_changes.append(
            {
                "id": ids.take("stage_change"),
                "lead_id": lead["id"],
                "from_stage": lead["stage"],
                "to_stage": to,
                "changed_at": at,
                "changed_by_id": self.world.user_ids[by] if by else None,
                "rule": rule,
                "reason": split(reason)[0],
                "reason_message": split(reason)[1],
            }
        )
        lead["stage"] = to
        lead["stage_changed_at"] = at
        lead["version"] += 1
        lead["updated_at"] = at
        lead.setdefault(f"{to}_at", at)

    def _recycle_if_stalled(self, story, ids):
        """Leads that sat with sales for weeks without progress went back to marketing, as
        the agreement between the teams says; only recent ones are still waiting."""
        lead = story.lead
        if lead["stage"] not in (S.MQL, S.SAL, S.SQL):
            return
        recycled_at = lead["stage_changed_at"] + STALLED_AFTER
        if recycled_at <= self.world.until:
            self._move(
                story, ids, S.NURTURE, recycled_at,
                rule="follow-up agreement", reason=message("agreement.stalled", days=STALLED_AFTER.days),
            )

    # --- who and when -------------------------------------------------------------------

    def _pick_company(self, rng: random.Random) -> int:
        specials = len(SPECIAL_COMPANIES)
        if rng.random() < 0.03:
            return rng.randrange(specials)
        # Squaring skews the pick: some companies produce many leads, most only a few.
        others = len(self.world.companies) - specials
        return specials + int(others * rng.random() ** 2)

    def _arrival(self, rng: random.Random) -> datetime:
        """A moment in the last year, mostly on working days during office hours, a little
        more often recently (marketing grew its budget)."""
        until = self.world.until
        days_back = int(365 * rng.random() ** 1.15)
        day = (until - timedelta(days=days_back)).astimezone(self.world.time_zone).date()
        if day.weekday() >= 5 and rng.random() < 0.65:
            day -= timedelta(days=day.weekday() - 4)
        if rng.random() < 0.8:
            minute = rng.randint(8 * 60, 18 * 60 - 1)
        else:
            minute = rng.randint(0, 24 * 60 - 1)
        local = datetime.combine(day, time(minute // 60, minute % 60, rng.randint(0, 59)))
        at = local.replace(tzinfo=self.world.time_zone).astimezone(timezone.utc)
        return min(at, until - timedelta(minutes=rng.randint(1, 600)))

    # --- what they did ------------------------------------------------------------------

    def _activities(self, rng, story: LeadStory, ids, n, created_at, action) -> None:
        count = rng.randint(3, 17)
        before = rng.randint(0, count - 1)
        high = TIER_OF_ACTION[action] == IntentTier.HIGH
        for k in range(count):
            if k < before:
                at = created_at - timedelta(minutes=rng.randint(5, 60 * 24 * 30))
            elif k == before:
                at = created_at  # the conversion that made them a lead
            else:
                at = created_at + timedelta(minutes=int(rng.expovariate(1 / (60 * 24 * 20))))
            if at > self.world.until:
                continue
            kind, url, title, data = self._activity_content(rng, k == before, action, high)
            story.activities.append(
                {
                    "id": ids.take("activity"),
                    "lead_id": story.lead["id"],
                    "kind": kind,
                    "occurred_at": at,
                    "url": url,
                    "title": title,
                    "data": data,
                    "source_system": SOURCE,
                    "external_id": f"demo-{n:07d}-{k}",
                    "received_at": at,
                }
            )

    def _activity_content(self, rng, is_conversion, action, high):
        K = Activity.Kind
        if is_conversion:
            if action == A.DEMO_REQUEST:
                return K.DEMO_REQUEST, f"{SITE}/demo", "Demo aanvragen", {"preferred": "op locatie"}
            if action == A.DOWNLOAD:
                title = rng.choice(DOWNLOADS)
                return K.DOWNLOAD, f"{SITE}/downloads/{slug(title)}", title, {}
            if action == A.WEBINAR:
                return K.WEBINAR, "", rng.choice(WEBINARS), {"attended": rng.random() < 0.6}
            form = {
                A.QUOTE_REQUEST: ("Offerte aanvragen", {"volume": f"{rng.randint(1, 40) * 50} stuks/uur", "timing": rng.choice(["dit kwartaal", "binnen 6 maanden", "volgend jaar"])}),
                A.CONTACT_FORM: ("Contact", {"vraag": rng.choice(["Graag meer informatie over levertijden", "Kunnen jullie onze lijn automatiseren?", "Wat kost onderhoud per jaar?"])}),
                A.CALLBACK: ("Terugbelverzoek", {"wanneer": rng.choice(["ochtend", "middag"])}),
                A.CALCULATOR: ("ROI-calculator", {"besparing": f"€ {rng.randint(20, 400)}k per jaar"}),
                A.NEWSLETTER: ("Nieuwsbrief", {}),
                A.SOCIAL: ("Social lead form", {}),
                A.OTHER: ("Formulier", {}),
            }[action]
            return K.FORM_SUBMISSION, f"{SITE}/{slug(form[0])}", form[0], {"conversion_action": action, **form[1]}
        roll = rng.random()
        if roll < (0.22 if high else 0.1):
            return K.PRICING_PAGE, f"{SITE}/prijzen", "Prijzen", {}
        if roll < 0.32:
            title = rng.choice(CASE_STUDIES)
            return K.CASE_STUDY, f"{SITE}/cases/{slug(title)}", title, {}
        if roll < 0.42:
            return K.EMAIL_OPEN, "", "Nieuwsbrief", {}
        if roll < 0.48:
            return K.EMAIL_CLICK, f"{SITE}/blog/predictief-onderhoud", "Nieuwsbrief", {}
        if roll < 0.52:
            title = rng.choice(DOWNLOADS)
            return K.DOWNLOAD, f"{SITE}/downloads/{slug(title)}", title, {}
        if roll < 0.55:
            return K.WEBINAR, "", rng.choice(WEBINARS), {"attended": True}
        if roll < 0.57:
            return K.EVENT_VISIT, "", rng.choice(EVENTS), {}
        path, title = rng.choice(PAGES)
        return K.PAGE_VISIT, f"{SITE}{path}", title, {}

    # --- the way through the funnel -----------------------------------------------------

    def _journey(self, rng, story, ids, company, tier, channel, good_fit, verdict):
        world = self.world
        lead = story.lead
        clock = lead["created_at"]
        rule = world.policy.rule_name

        def happens(after: timedelta) -> datetime | None:
            at = clock + after
            return at if at <= world.until else None

        def move(to, at, *, by=None, rule="", reason=""):
            self._move(story, ids, to, at, by=by, rule=rule, reason=reason)

        # The policy scores the lead as it arrives: disqualified, an MQL, or nurture until
        # what it does later tips it (high intent at once, mid intent after hours, low never).
        scored_at = min(world.until, clock + timedelta(minutes=rng.randint(1, 5)))
        first = verdict(scored_at)
        if first.disqualifier:
            move(S.DISQUALIFIED, scored_at, rule=rule, reason=first.disqualifier)
            return
        if tier == IntentTier.HIGH:
            delay = timedelta(minutes=rng.randint(1, 20))
        elif tier == IntentTier.MID:
            delay = timedelta(hours=rng.lognormvariate(3.0, 1.3))
        else:
            delay = timedelta(days=rng.lognormvariate(2.5, 1.0))
        at = happens(delay)
        qualified = verdict(at) if at else first
        if not qualified.qualifies:
            move(S.NURTURE, scored_at, rule=rule, reason=nurture_reason(first))
            return
        if not at:  # qualified on arrival, moments before the demo year ends
            at = scored_at
        if at > scored_at and not first.qualifies:
            move(S.NURTURE, scored_at, rule=rule, reason=nurture_reason(first))
        owner = self._assign(rng, story, company)
        straight_to_sql = tier == IntentTier.HIGH and good_fit and rng.random() < 0.2
        if straight_to_sql:
            move(S.SQL, at, rule=STRAIGHT_TO_SALES_RULE, reason=why_now(qualified, None))
        else:
            move(S.MQL, at, rule=rule, reason=why_now(qualified, None))
        self._with_sales(rng, story, ids, company, tier, channel, good_fit, owner=owner, since=at)

    def _with_sales(self, rng, story, ids, company, tier, channel, good_fit, *, owner, since):
        """What sales does with the lead `owner` got at `since`: calls, a verdict, a deal."""
        world = self.world
        lead = story.lead
        team = TEAM_ACCOUNTS if company.is_customer else company.territory
        straight_to_sql = lead["stage"] == S.SQL
        clock = since
        earlier_attempts = len(story.attempts)  # a recycled lead's earlier round

        def happens(after: timedelta) -> datetime | None:
            at = clock + after
            return at if at <= world.until else None

        def move(to, at, *, by=None, rule="", reason=""):
            self._move(story, ids, to, at, by=by, rule=rule, reason=reason)

        # Contact attempts: most leads get called, some after too long, some never.
        responsiveness = {TEAM_NORTH: 1.0, TEAM_SOUTH: 1.6, TEAM_ACCOUNTS: 0.8}[team]
        # A straight-to-SQL lead asked for a quote and is always called: an SQL nobody spoke
        # to would contradict itself.
        never_contacted = rng.random() < 0.08 * responsiveness and not straight_to_sql
        reached = False
        attempt_at = clock
        if not never_contacted:
            # A demo or quote request is called within minutes (the agreement gives it 15
            # business minutes), mostly in time; other MQLs within hours.
            first_gap = timedelta(
                minutes=rng.lognormvariate(2.0, 1.0) if tier == IntentTier.HIGH else rng.lognormvariate(5.3, 1.2)
            ) * responsiveness
            attempt_at = clock + first_gap
            for attempt in range(rng.randint(1, 5)):
                if attempt_at > world.until:
                    break
                reached = rng.random() < 0.32 + 0.1 * attempt
                channel_used = rng.choice([ContactAttempt.Channel.CALL] * 3 + [ContactAttempt.Channel.EMAIL, ContactAttempt.Channel.LINKEDIN])
                outcome = (
                    ContactAttempt.Outcome.SPOKE if reached
                    else ContactAttempt.Outcome.EMAIL_SENT if channel_used != ContactAttempt.Channel.CALL
                    else rng.choice([ContactAttempt.Outcome.NO_ANSWER, ContactAttempt.Outcome.VOICEMAIL])
                )
                story.attempts.append(
                    {
                        "id": ids.take("attempt"),
                        "lead_id": lead["id"],
                        "made_by_id": world.user_ids[owner],
                        "made_at": attempt_at,
                        "channel": channel_used,
                        "outcome": outcome,
                        "note": "",
                    }
                )
                lead["attempt_count"] += 1
                lead.setdefault("first_attempt_at", attempt_at)
                if reached:
                    break
                attempt_at += timedelta(hours=rng.lognormvariate(3.0, 0.8))
        attempts = len(story.attempts) - earlier_attempts
        if never_contacted or not attempts:
            return
        clock = max(clock, min(attempt_at, world.until))

        def feedback(disposition, at, **extra):
            feedback_id = ids.take("feedback")
            # A third of the verdicts on quality come with a comment, picked by the row's id
            # so the random story stays the same.
            comments = QUALITY_COMMENTS.get(extra.get("quality", ""), [])
            comment = comments[feedback_id % len(comments)] if comments and feedback_id % 3 == 0 else ""
            story.feedback.append(
                {
                    "id": feedback_id,
                    "lead_id": lead["id"],
                    "given_by_id": world.user_ids[owner],
                    "given_at": at,
                    "disposition": disposition,
                    "no_fit_reason": extra.get("no_fit_reason", ""),
                    "reason_text": extra.get("reason_text", ""),
                    "quality": extra.get("quality", ""),
                    "quality_comment": comment,
                    "confirmed_need": extra.get("facts", 0) >= 1,
                    "confirmed_timing": extra.get("facts", 0) >= 2,
                    "confirmed_budget": extra.get("facts", 0) >= 3,
                    "confirmed_decision_maker": extra.get("facts", 0) >= 4,
                    "confirmed_scope": extra.get("facts", 0) >= 5,
                    "right_contact_name": extra.get("right_contact_name", ""),
                }
            )
            # What sales.actions.give_feedback() writes in the stage history for it.
            return Feedback(**story.feedback[-1]).summary()

        if lead["stage"] == S.MQL:
            accepted = rng.random() < 0.82
            at = happens(timedelta(minutes=rng.lognormvariate(3.5, 1.5)))
            if not at:
                return
            if not accepted:
                # Sent back with the reject button, as sales.actions.reject does: no feedback row.
                # As the workspace's reject form writes them: the chosen reason and the note.
                move(S.NURTURE, at, by=owner, reason=reason_with_note("reject_reason", *REJECTION_REASONS[lead["id"] % len(REJECTION_REASONS)]))
                return
            clock = at
            move(S.SAL, at, by=owner)  # accepting says nothing more, as sales.actions.accept()

            if not reached:
                if attempts >= 3:
                    at = happens(timedelta(hours=rng.randint(1, 48)))
                    if at:
                        feedback(Feedback.Disposition.NOT_REACHED, at)
                        move(S.NURTURE, at, by=owner, reason=message("sales.not_reached", count=attempts))
                return
            chance_sql = 0.42 * (1.0 if good_fit else 0.4) * {IntentTier.HIGH: 1.25, IntentTier.MID: 0.85, IntentTier.LOW: 0.5}[tier] * CHANNEL_QUALITY[channel]
            at = happens(timedelta(hours=rng.lognormvariate(4.0, 1.0)))
            if not at:
                return
            clock = at
            if rng.random() >= chance_sql:
                roll = rng.random()
                if roll < 0.45:
                    said = feedback(Feedback.Disposition.NO_URGENCY, at, quality=rng.choice(["", Feedback.Quality.GOOD]))
                    move(S.NURTURE, at, by=owner, reason=said)
                elif roll < 0.85:
                    reason = rng.choice(
                        [Feedback.NoFitReason.TOO_SMALL] * 3
                        + [Feedback.NoFitReason.WRONG_SECTOR] * 2
                        + [Feedback.NoFitReason.NO_BUDGET] * 3
                        + [Feedback.NoFitReason.OTHER]
                    )
                    text = "buiten ons werkgebied" if reason == Feedback.NoFitReason.OTHER else ""
                    said = feedback(Feedback.Disposition.NO_FIT, at, no_fit_reason=reason, reason_text=text, quality=Feedback.Quality.BAD)
                    move(S.DISQUALIFIED, at, by=owner, reason=said)
                else:
                    feedback(Feedback.Disposition.WRONG_CONTACT, at, right_contact_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}")
                return
            said = feedback(Feedback.Disposition.BECAME_SQL, at, facts=rng.randint(2, 5), quality=Feedback.Quality.GOOD)
            move(S.SQL, at, by=owner, reason=said)

        # SQL → opportunity → won or lost
        at = happens(timedelta(days=rng.lognormvariate(2.0, 0.8)))
        if not at:
            return
        clock = at
        if rng.random() >= 0.62:
            if rng.random() < 0.6:
                move(S.NURTURE, at, by=owner, reason="project uitgesteld")  # typed by a Dutch rep
            else:
                reason = rng.choice(["chose a competitor", "price", "no decision"])
                lead["lost_reason"] = LOST_REASONS[reason]
                move(S.LOST, at, by=owner, reason=reason_with_note("lost_reason", LOST_REASONS[reason], ""))
            return
        move(S.OPPORTUNITY, at, by=owner, reason="offerte verstuurd")
        at = happens(timedelta(days=rng.lognormvariate(3.6, 0.6)))
        if not at:
            return
        if rng.random() < 0.42 * (1.1 if company.is_customer else 1.0):
            value = rng.lognormvariate(10.7 if not company.is_customer else 9.9, 0.7)
            lead["deal_value"] = Decimal(int(value // 100 * 100))
            move(S.WON, at, by=owner, reason="order getekend")
        else:
            reason = rng.choice(["chose a competitor", "price", "no decision", "timing"])
            lead["lost_reason"] = LOST_REASONS[reason]
            # The proposal's value, from the lead's id rather than the generator (see above).
            lead["deal_value"] = Decimal((lead["id"] * 7919 % 60 + 8) * 1000)
            move(S.LOST, at, by=owner, reason=reason_with_note("lost_reason", LOST_REASONS[reason], ""))


class IdBlock:
    """Hands out primary keys per table, counting up from the first free one."""

    def __init__(self, start: dict[str, int]):
        self.next = dict(start)

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value
