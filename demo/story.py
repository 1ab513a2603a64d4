"""A deterministic, realistic demo world: Dutch manufacturers, their people, and a year of
leads moving (or not) through the funnel.

Everything comes from one seed: lead number `n` is always the same person with the same story,
so a data set of any size can be built in independent chunks with bounded memory. The numbers
are made to look like a B2B funnel: channels with different intent (Google high, Meta low),
drop-off at every step, and lead times from minutes (a quote request) to months (a deal).
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from leads.models import Activity, Channel, ContactAttempt, ConversionAction, Feedback, Lead
from leads.models import IntentTier, Sector, Team

SOURCE = "demo"
SITE = "https://www.machinefabriek-demo.example"
PASSWORD = "handoff-demo"

S = Lead.Stage
STALLED_AFTER = timedelta(days=30)


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    team: str = ""


TEAM_NORTH = "Nieuwe klanten Noord"
TEAM_SOUTH = "Nieuwe klanten Zuid"
TEAM_ACCOUNTS = "Accountmanagement"

TEAMS = [
    (TEAM_NORTH, Team.Kind.NEW_BUSINESS, "mark"),
    (TEAM_SOUTH, Team.Kind.NEW_BUSINESS, "inge"),
    (TEAM_ACCOUNTS, Team.Kind.ACCOUNT_MANAGEMENT, "karin"),
]

USERS = [
    DemoUser("sanne", "Sanne", "de Jong", "Sales rep", TEAM_NORTH),
    DemoUser("daan", "Daan", "Visser", "Sales rep", TEAM_NORTH),
    DemoUser("lotte", "Lotte", "Bakker", "Sales rep", TEAM_NORTH),
    DemoUser("bram", "Bram", "Hendriks", "Sales rep", TEAM_SOUTH),
    DemoUser("eva", "Eva", "Smit", "Sales rep", TEAM_SOUTH),
    DemoUser("thijs", "Thijs", "van den Berg", "Sales rep", TEAM_SOUTH),
    DemoUser("fleur", "Fleur", "Mulder", "Sales rep", TEAM_ACCOUNTS),
    DemoUser("ruben", "Ruben", "de Groot", "Sales rep", TEAM_ACCOUNTS),
    DemoUser("mark", "Mark", "Jansen", "Sales manager", TEAM_NORTH),
    DemoUser("inge", "Inge", "Peters", "Sales manager", TEAM_SOUTH),
    DemoUser("karin", "Karin", "Vos", "Sales manager", TEAM_ACCOUNTS),
    DemoUser("noor", "Noor", "Willems", "Marketing"),
    DemoUser("joris", "Joris", "Kok", "Marketing"),
    DemoUser("admin", "Anouk", "Dekker", "RevOps admin"),
]

# Provinces (and two neighbours) with a postcode prefix, a town, and the sales territory.
REGIONS = [
    ("Groningen", "97", "Groningen", TEAM_NORTH, 3),
    ("Friesland", "89", "Leeuwarden", TEAM_NORTH, 3),
    ("Drenthe", "94", "Assen", TEAM_NORTH, 2),
    ("Overijssel", "75", "Enschede", TEAM_NORTH, 6),
    ("Gelderland", "73", "Apeldoorn", TEAM_NORTH, 9),
    ("Flevoland", "13", "Almere", TEAM_NORTH, 2),
    ("Noord-Holland", "15", "Zaandam", TEAM_NORTH, 8),
    ("Utrecht", "34", "Nieuwegein", TEAM_NORTH, 5),
    ("Zuid-Holland", "31", "Rotterdam", TEAM_SOUTH, 11),
    ("Zeeland", "43", "Goes", TEAM_SOUTH, 2),
    ("Noord-Brabant", "56", "Eindhoven", TEAM_SOUTH, 14),
    ("Limburg", "59", "Venlo", TEAM_SOUTH, 6),
    ("Antwerpen", "BE-2", "Antwerpen", TEAM_SOUTH, 3),
    ("Nordrhein-Westfalen", "DE-4", "Düsseldorf", TEAM_NORTH, 2),
]

SURNAMES = [
    "Van der Meer", "De Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder",
    "De Boer", "Bos", "Vos", "Peters", "Hendriks", "Dekker", "Brouwer", "Kok", "Jacobs",
    "Vermeulen", "Van Leeuwen", "Willems", "Schouten", "Hoekstra", "Koster", "Prins",
    "Huisman", "Kuipers", "Van Dam", "Postma", "Wouters", "Maas", "Kramer", "Van Wijk",
    "Verhoeven", "Scholten", "Post", "Timmermans", "Groen", "Van Dijk", "Bosman", "Sanders",
]
FIRST_NAMES = [
    "Jan", "Pieter", "Kees", "Willem", "Erik", "Martijn", "Jeroen", "Bas", "Ruud", "Stefan",
    "Niels", "Joost", "Marco", "Tim", "Sander", "Wouter", "Arjan", "Hans", "Frank", "Rob",
    "Anne", "Marieke", "Linda", "Esther", "Sandra", "Ilse", "Femke", "Mirjam", "Karin",
    "Petra", "Judith", "Astrid", "Marloes", "Nicole", "Saskia", "Yvonne", "Ingrid", "Lisa",
    "Emma", "Julia", "Mohamed", "Ahmet", "Priya", "Tomasz", "Chen",
]
LAST_NAMES = [
    "de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen",
    "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters",
    "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra", "Smits", "de Graaf",
    "van der Meer", "van der Linden", "Kok", "Jacobs", "de Haan", "Vermeulen", "van den Heuvel",
    "van der Veen", "van den Broek", "de Bruijn", "de Bruin", "van der Heijden", "Schouten",
    "van Beek", "Willems", "van Vliet", "Yilmaz", "El Amrani", "Nowak", "Wang",
]

SECTOR_NAMES = {
    Sector.FOOD: ["Zuivel", "Voedingsmiddelen", "Bakkerijen", "Food Processing", "Vleeswaren"],
    Sector.PHARMA: ["Pharma", "Life Sciences", "Farmaceutica"],
    Sector.AUTOMOTIVE: ["Automotive", "Carrosseriebouw", "Auto Parts"],
    Sector.ELECTRONICS: ["Elektronica", "Electronics", "Printplaten"],
    Sector.MACHINERY: ["Machinebouw", "Machinefabriek", "Engineering"],
    Sector.METAL: ["Metaalbewerking", "Staalbouw", "Precisietechniek"],
    Sector.PLASTICS: ["Kunststoffen", "Spuitgiettechniek"],
    Sector.PACKAGING: ["Verpakkingen", "Packaging"],
    Sector.CHEMICALS: ["Chemie", "Coatings"],
    Sector.LOGISTICS: ["Logistiek", "Distributie"],
}
SECTOR_WEIGHTS = {
    Sector.FOOD: 16, Sector.PHARMA: 7, Sector.AUTOMOTIVE: 9, Sector.ELECTRONICS: 9,
    Sector.MACHINERY: 16, Sector.METAL: 13, Sector.PLASTICS: 8, Sector.PACKAGING: 7,
    Sector.CHEMICALS: 6, Sector.LOGISTICS: 9,
}
TARGET_SECTORS = {
    Sector.FOOD, Sector.PHARMA, Sector.AUTOMOTIVE, Sector.ELECTRONICS, Sector.MACHINERY,
    Sector.METAL, Sector.PLASTICS, Sector.PACKAGING,
}
# A few special organisations: the leads the definition of a good lead must keep out.
SPECIAL_COMPANIES = [
    ("Hogeschool Rijnland", "hsrijnland.example", Sector.EDUCATION, 2400, False),
    ("Technische Universiteit Oost", "tu-oost.example", Sector.EDUCATION, 5200, False),
    ("Konings Automation B.V.", "konings-automation.example", Sector.MACHINERY, 140, True),
    ("Lean Advies Groep", "leanadviesgroep.example", Sector.CONSULTING, 12, False),
]
PERSONAL_DOMAINS = ["gmail.com", "hotmail.com", "outlook.com", "live.nl", "ziggo.nl", "kpnmail.nl"]

JOB_TITLES = [
    ("Algemeen directeur", 6), ("Operations manager", 10), ("Productiemanager", 10),
    ("Hoofd engineering", 8), ("Technisch directeur", 5), ("Inkoper", 12),
    ("Plant manager", 5), ("Maintenance engineer", 10), ("Procesengineer", 10),
    ("Projectleider", 8), ("Werkvoorbereider", 5), ("Marketing manager", 3),
    ("Medewerker kwaliteit", 4), ("CEO", 2), ("Eigenaar", 2),
]
DECISION_MAKER_WORDS = ("directeur", "ceo", "eigenaar", "manager", "hoofd")

PRODUCTS = [
    ("Transportbanden", 22), ("Verpakkingslijnen", 18), ("Robotcellen", 16),
    ("Vision-inspectie", 12), ("Service & onderhoud", 20), ("Retrofit", 12),
]

CHANNEL_WEIGHTS = {
    Channel.GOOGLE_ADS: 24, Channel.ORGANIC: 20, Channel.LINKEDIN: 14, Channel.META: 14,
    Channel.DIRECT: 8, Channel.EMAIL: 8, Channel.REFERRAL: 6, Channel.EVENT: 6,
}
# How likely a lead from each channel is to turn out well, all else equal.
CHANNEL_QUALITY = {
    Channel.GOOGLE_ADS: 1.1, Channel.ORGANIC: 1.0, Channel.LINKEDIN: 0.9, Channel.META: 0.55,
    Channel.DIRECT: 1.1, Channel.EMAIL: 0.9, Channel.REFERRAL: 1.25, Channel.EVENT: 1.0,
}
CAMPAIGNS = {
    Channel.GOOGLE_ADS: ["Search - Transportbanden", "Search - Verpakkingslijnen",
                         "Search - Merknaam", "Performance Max - Robotcellen"],
    Channel.META: ["Lookalike - Food", "Retargeting - Website", "Video - Robotcellen"],
    Channel.LINKEDIN: ["Lead Gen - Operations managers", "Sponsored - Case study Zuivel",
                       "Webinar - Predictief onderhoud"],
    Channel.ORGANIC: [""],
    Channel.DIRECT: [""],
    Channel.EMAIL: ["Nieuwsbrief maand", "Webinar-uitnodiging", "Klantenmailing service"],
    Channel.REFERRAL: ["Partnerprogramma", ""],
    Channel.EVENT: ["Technische Beurs Utrecht", "Empack Gorinchem", "Vision & Robotics"],
}
A = ConversionAction
ACTION_WEIGHTS = {
    Channel.GOOGLE_ADS: {A.QUOTE_REQUEST: 18, A.DEMO_REQUEST: 14, A.CONTACT_FORM: 14,
                         A.CALLBACK: 6, A.CALCULATOR: 10, A.DOWNLOAD: 22, A.WEBINAR: 8,
                         A.NEWSLETTER: 8},
    Channel.META: {A.QUOTE_REQUEST: 3, A.DEMO_REQUEST: 4, A.CONTACT_FORM: 5, A.CALLBACK: 2,
                   A.CALCULATOR: 8, A.DOWNLOAD: 35, A.WEBINAR: 13, A.NEWSLETTER: 20,
                   A.SOCIAL: 10},
    Channel.LINKEDIN: {A.QUOTE_REQUEST: 5, A.DEMO_REQUEST: 10, A.CONTACT_FORM: 6,
                       A.DOWNLOAD: 34, A.WEBINAR: 30, A.NEWSLETTER: 10, A.SOCIAL: 5},
    Channel.ORGANIC: {A.QUOTE_REQUEST: 12, A.DEMO_REQUEST: 10, A.CONTACT_FORM: 16,
                      A.CALLBACK: 4, A.CALCULATOR: 12, A.DOWNLOAD: 26, A.WEBINAR: 8,
                      A.NEWSLETTER: 12},
    Channel.DIRECT: {A.QUOTE_REQUEST: 20, A.DEMO_REQUEST: 15, A.CONTACT_FORM: 25,
                     A.CALLBACK: 10, A.DOWNLOAD: 15, A.NEWSLETTER: 15},
    Channel.EMAIL: {A.QUOTE_REQUEST: 8, A.DEMO_REQUEST: 10, A.CONTACT_FORM: 7,
                    A.CALCULATOR: 10, A.DOWNLOAD: 25, A.WEBINAR: 35, A.NEWSLETTER: 5},
    Channel.REFERRAL: {A.QUOTE_REQUEST: 25, A.DEMO_REQUEST: 20, A.CONTACT_FORM: 30,
                       A.CALLBACK: 10, A.DOWNLOAD: 15},
    Channel.EVENT: {A.QUOTE_REQUEST: 15, A.DEMO_REQUEST: 25, A.CONTACT_FORM: 20,
                    A.DOWNLOAD: 20, A.NEWSLETTER: 20},
}
# The usual agreement between the teams; the qualification policy makes it configurable.
TIER_OF_ACTION = {
    A.QUOTE_REQUEST: IntentTier.HIGH, A.DEMO_REQUEST: IntentTier.HIGH,
    A.CONTACT_FORM: IntentTier.HIGH, A.CALLBACK: IntentTier.HIGH,
    A.CALCULATOR: IntentTier.MID, A.DOWNLOAD: IntentTier.MID, A.WEBINAR: IntentTier.MID,
    A.NEWSLETTER: IntentTier.LOW, A.SOCIAL: IntentTier.LOW, A.OTHER: IntentTier.LOW,
}
PAGES = [
    ("/producten/transportbanden", "Transportbanden"),
    ("/producten/verpakkingslijnen", "Verpakkingslijnen"),
    ("/producten/robotcellen", "Robotcellen"),
    ("/producten/vision-inspectie", "Vision-inspectie"),
    ("/service", "Service & onderhoud"),
    ("/over-ons", "Over ons"),
    ("/vacatures", "Vacatures"),
    ("/blog/predictief-onderhoud", "Blog: predictief onderhoud"),
]
CASE_STUDIES = ["Case: Zuivelfabriek Friesland", "Case: Automotive toeleverancier Helmond",
                "Case: Farma-verpakking Leiden"]
DOWNLOADS = ["Whitepaper: OEE verhogen", "Checklist: CE-markering machines",
             "Brochure Robotcellen", "Gids: retrofit of nieuwbouw?"]
WEBINARS = ["Webinar: Predictief onderhoud in de praktijk", "Webinar: Cobots in de food"]
EVENTS = ["Technische Beurs Utrecht", "Empack Gorinchem", "Vision & Robotics"]


# As the workspace's reject form writes them (in English, like the rest of the demo's texts).
REJECTION_REASONS = [
    "Not sales-ready yet",
    "Too little information to act on",
    "Not our target group",
    "Not sales-ready yet: call back next quarter",
    "Duplicate of another lead",
]


def weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c if c.isalnum() else "-" for c in ascii_text.lower()).strip("-")


@dataclass(frozen=True)
class DemoCompany:
    name: str
    domain: str
    employees: int
    sector: str
    country: str
    region: str
    postcode: str
    territory: str
    is_customer: bool
    is_competitor: bool


def build_companies(count: int, *, seed: int) -> list[DemoCompany]:
    """`count` distinct companies, the special ones first; the same list for the same seed."""
    rng = random.Random(f"{seed}:companies")
    companies = [
        DemoCompany(name, domain, employees, sector, "NL", "Utrecht", "3521 AB", TEAM_NORTH,
                    False, competitor)
        for name, domain, sector, employees, competitor in SPECIAL_COMPANIES
    ]
    seen_domains = {company.domain for company in companies}
    region_weights = {region: region[4] for region in REGIONS}
    while len(companies) < count:
        sector = weighted(rng, SECTOR_WEIGHTS)
        region = weighted(rng, region_weights)
        province, prefix, town, territory, _ = region
        if rng.random() < 0.25:
            name = f"{rng.choice(SECTOR_NAMES[sector])} {town}"
        else:
            name = f"{rng.choice(SURNAMES)} {rng.choice(SECTOR_NAMES[sector])}"
        name += rng.choice([" B.V."] * 8 + [" Holding B.V.", " N.V."])
        tld = ".be" if prefix.startswith("BE") else ".de" if prefix.startswith("DE") else ".nl"
        domain = slug(name.replace(" B.V.", "").replace(" N.V.", "")) + tld
        if domain in seen_domains:
            domain = f"{domain.removesuffix(tld)}-{len(companies)}{tld}"
        seen_domains.add(domain)
        country = "BE" if prefix.startswith("BE") else "DE" if prefix.startswith("DE") else "NL"
        number = prefix.split("-")[-1] + "".join(str(rng.randint(0, 9)) for _ in range(4 - len(prefix.split("-")[-1])))
        postcode = number + (f" {rng.choice('ABCDEGHJKLMNPRST')}{rng.choice('ABCDEGHJKLMNPRSTVWXZ')}" if country == "NL" else "")
        employees = max(2, min(8000, int(rng.lognormvariate(4.3, 1.1))))
        companies.append(
            DemoCompany(
                name=name,
                domain=domain,
                employees=employees,
                sector=sector,
                country=country,
                region=province,
                postcode=postcode,
                territory=territory,
                is_customer=rng.random() < 0.12,
                is_competitor=False,
            )
        )
    return companies


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

    def reps_of(self, team: str) -> list[str]:
        return [u.username for u in USERS if u.team == team and u.role == "Sales rep"]


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
        story = LeadStory(lead=lead)
        self._activities(rng, story, ids, n, created_at, action)

        good_fit = (
            company.sector in TARGET_SECTORS
            and company.employees >= 50
            and not personal_email
            and not is_student
        )
        bad_fit = is_student or company.is_competitor or company.sector == Sector.CONSULTING
        self._journey(rng, story, ids, company, tier, channel, good_fit, bad_fit, personal_email)
        self._recycle_if_stalled(story, ids)
        return story

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
                "reason": reason,
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
                rule="follow-up agreement", reason="no progress with sales for 30 days",
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
            return K.FORM_SUBMISSION, f"{SITE}/{slug(form[0])}", form[0], form[1]
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

    def _journey(self, rng, story, ids, company, tier, channel, good_fit, bad_fit, personal):
        world = self.world
        lead = story.lead
        clock = lead["created_at"]

        def happens(after: timedelta) -> datetime | None:
            at = clock + after
            return at if at <= world.until else None

        def move(to, at, *, by=None, rule="", reason=""):
            self._move(story, ids, to, at, by=by, rule=rule, reason=reason)

        if bad_fit or (personal and rng.random() < 0.5):
            at = happens(timedelta(minutes=rng.randint(1, 5)))
            if at:
                reason = (
                    "competitor" if company.is_competitor
                    else "personal e-mail domain" if personal
                    else "student or academic institution" if company.sector == Sector.EDUCATION
                    else "consultant"
                )
                move(S.DISQUALIFIED, at, rule="qualification policy", reason=reason)
            return

        quality = CHANNEL_QUALITY[channel] * (1.0 if good_fit else 0.45)
        chance_mql = {IntentTier.HIGH: 0.85, IntentTier.MID: 0.38, IntentTier.LOW: 0.08}[tier]
        if rng.random() >= min(0.95, chance_mql * quality):
            at = happens(timedelta(minutes=rng.randint(1, 10)))
            if at and rng.random() < 0.9:
                move(S.NURTURE, at, rule="qualification policy", reason="below threshold")
            return

        # Who gets it: existing customers go to account management, others by territory.
        if company.is_customer:
            team = TEAM_ACCOUNTS
        else:
            team = company.territory
        owner = rng.choice(world.reps_of(team))
        lead["team_id"] = world.team_ids[team]

        straight_to_sql = tier == IntentTier.HIGH and good_fit and rng.random() < 0.2
        if tier == IntentTier.HIGH:
            delay = timedelta(minutes=rng.randint(1, 20))
        elif tier == IntentTier.MID:
            delay = timedelta(hours=rng.lognormvariate(3.0, 1.3))
        else:
            delay = timedelta(days=rng.lognormvariate(2.5, 1.0))
        at = happens(delay)
        if not at:
            return
        clock = at
        lead["owner_id"] = world.user_ids[owner]
        if straight_to_sql:
            move(S.SQL, at, rule="high intent: straight to sales", reason="quote request")
        else:
            move(S.MQL, at, rule="qualification policy", reason="fit and engagement thresholds met")

        # Contact attempts: most leads get called, some after too long, some never.
        responsiveness = {TEAM_NORTH: 1.0, TEAM_SOUTH: 1.6, TEAM_ACCOUNTS: 0.8}[team]
        never_contacted = rng.random() < 0.08 * responsiveness
        reached = False
        attempt_at = clock
        if not never_contacted:
            first_gap = timedelta(
                minutes=rng.lognormvariate(4.0 if tier == IntentTier.HIGH else 5.3, 1.2)
                * responsiveness
            )
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
        if never_contacted or not story.attempts:
            return
        clock = max(clock, min(attempt_at, world.until))

        def feedback(disposition, at, **extra):
            story.feedback.append(
                {
                    "id": ids.take("feedback"),
                    "lead_id": lead["id"],
                    "given_by_id": world.user_ids[owner],
                    "given_at": at,
                    "disposition": disposition,
                    "no_fit_reason": extra.get("no_fit_reason", ""),
                    "reason_text": extra.get("reason_text", ""),
                    "quality": extra.get("quality", ""),
                    "quality_comment": "",
                    "confirmed_need": extra.get("facts", 0) >= 1,
                    "confirmed_timing": extra.get("facts", 0) >= 2,
                    "confirmed_budget": extra.get("facts", 0) >= 3,
                    "confirmed_decision_maker": extra.get("facts", 0) >= 4,
                    "confirmed_scope": extra.get("facts", 0) >= 5,
                    "right_contact_name": extra.get("right_contact_name", ""),
                }
            )

        if lead["stage"] == S.MQL:
            accepted = rng.random() < 0.82
            at = happens(timedelta(minutes=rng.lognormvariate(3.5, 1.5)))
            if not at:
                return
            if not accepted:
                move(S.NURTURE, at, by=owner, reason=REJECTION_REASONS[lead["id"] % len(REJECTION_REASONS)])
                feedback(Feedback.Disposition.NO_URGENCY, at, quality=Feedback.Quality.BAD)
                return
            clock = at
            move(S.SAL, at, by=owner, reason="accepted")

            if not reached:
                if lead["attempt_count"] >= 3:
                    at = happens(timedelta(hours=rng.randint(1, 48)))
                    if at:
                        feedback(Feedback.Disposition.NOT_REACHED, at)
                        move(S.NURTURE, at, by=owner, reason="not reached after 3 attempts")
                return
            chance_sql = 0.42 * (1.0 if good_fit else 0.4) * {IntentTier.HIGH: 1.25, IntentTier.MID: 0.85, IntentTier.LOW: 0.5}[tier] * CHANNEL_QUALITY[channel]
            at = happens(timedelta(hours=rng.lognormvariate(4.0, 1.0)))
            if not at:
                return
            clock = at
            if rng.random() >= chance_sql:
                roll = rng.random()
                if roll < 0.45:
                    feedback(Feedback.Disposition.NO_URGENCY, at, quality=rng.choice(["", Feedback.Quality.GOOD]))
                    move(S.NURTURE, at, by=owner, reason="no urgency")
                elif roll < 0.85:
                    reason = rng.choice(
                        [Feedback.NoFitReason.TOO_SMALL] * 3
                        + [Feedback.NoFitReason.WRONG_SECTOR] * 2
                        + [Feedback.NoFitReason.NO_BUDGET] * 3
                        + [Feedback.NoFitReason.OTHER]
                    )
                    text = "buiten ons werkgebied" if reason == Feedback.NoFitReason.OTHER else ""
                    feedback(Feedback.Disposition.NO_FIT, at, no_fit_reason=reason, reason_text=text, quality=Feedback.Quality.BAD)
                    move(S.DISQUALIFIED, at, by=owner, reason=f"no fit: {Feedback.NoFitReason(reason).label}")
                else:
                    feedback(Feedback.Disposition.WRONG_CONTACT, at, right_contact_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}")
                return
            feedback(Feedback.Disposition.BECAME_SQL, at, facts=rng.randint(2, 5), quality=Feedback.Quality.GOOD)
            move(S.SQL, at, by=owner, reason="qualified in conversation")

        # SQL → opportunity → won or lost
        at = happens(timedelta(days=rng.lognormvariate(2.0, 0.8)))
        if not at:
            return
        clock = at
        if rng.random() >= 0.62:
            if rng.random() < 0.6:
                move(S.NURTURE, at, by=owner, reason="project postponed")
            else:
                move(S.LOST, at, by=owner, reason=rng.choice(["chose a competitor", "price", "no decision"]))
            return
        move(S.OPPORTUNITY, at, by=owner, reason="proposal sent")
        at = happens(timedelta(days=rng.lognormvariate(3.6, 0.6)))
        if not at:
            return
        if rng.random() < 0.42 * (1.1 if company.is_customer else 1.0):
            value = rng.lognormvariate(10.7 if not company.is_customer else 9.9, 0.7)
            lead["deal_value"] = Decimal(int(value // 100 * 100))
            move(S.WON, at, by=owner, reason="order signed")
        else:
            move(S.LOST, at, by=owner, reason=rng.choice(["chose a competitor", "price", "no decision", "timing"]))


class IdBlock:
    """Hands out primary keys per table, counting up from the first free one."""

    def __init__(self, start: dict[str, int]):
        self.next = dict(start)

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


def business_time_zone() -> ZoneInfo:
    from django.conf import settings

    return ZoneInfo(settings.BUSINESS_TIME_ZONE)
