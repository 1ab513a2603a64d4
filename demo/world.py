"""The demo's cast and scenery: Dutch manufacturers, the sales and marketing people who use
Handoff, and the channels, campaigns and pages their leads come through. Plain data and
small helpers; demo.story turns them into leads."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from common.roles import Role
from leads.models import (
    Channel,
    ConversionAction,
    IntentTier,
    Lead,
    Sector,
    SourceOwner,
    Team,
)

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
    deputy: str = ""  # takes over their accounts while they are away

    @property
    def takes_leads(self) -> bool:
        """The demo's managers are members of their team to see its leads, not to get them."""
        return self.role == Role.SALES_REP


TEAM_NORTH = "Nieuwe klanten Noord"
TEAM_SOUTH = "Nieuwe klanten Zuid"
TEAM_ACCOUNTS = "Accountmanagement"

TEAMS = [
    (TEAM_NORTH, Team.Kind.NEW_BUSINESS, "mark"),
    (TEAM_SOUTH, Team.Kind.NEW_BUSINESS, "inge"),
    (TEAM_ACCOUNTS, Team.Kind.ACCOUNT_MANAGEMENT, "karin"),
]

USERS = [
    DemoUser("sanne", "Sanne", "de Jong", Role.SALES_REP, TEAM_NORTH),
    DemoUser("daan", "Daan", "Visser", Role.SALES_REP, TEAM_NORTH),
    DemoUser("lotte", "Lotte", "Bakker", Role.SALES_REP, TEAM_NORTH),
    DemoUser("bram", "Bram", "Hendriks", Role.SALES_REP, TEAM_SOUTH),
    DemoUser("eva", "Eva", "Smit", Role.SALES_REP, TEAM_SOUTH),
    DemoUser("thijs", "Thijs", "van den Berg", Role.SALES_REP, TEAM_SOUTH),
    DemoUser("fleur", "Fleur", "Mulder", Role.SALES_REP, TEAM_ACCOUNTS, deputy="ruben"),
    DemoUser("ruben", "Ruben", "de Groot", Role.SALES_REP, TEAM_ACCOUNTS, deputy="fleur"),
    DemoUser("mark", "Mark", "Jansen", Role.SALES_MANAGER, TEAM_NORTH),
    DemoUser("inge", "Inge", "Peters", Role.SALES_MANAGER, TEAM_SOUTH),
    DemoUser("karin", "Karin", "Vos", Role.SALES_MANAGER, TEAM_ACCOUNTS),
    DemoUser("noor", "Noor", "Willems", Role.MARKETING),
    DemoUser("joris", "Joris", "Kok", Role.MARKETING),
    DemoUser("admin", "Anouk", "Dekker", Role.REVOPS_ADMIN),
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


def source_owner_of(channel: str, campaign: str, n: int) -> str:
    """Who sourced demo lead number `n`: a referral through the partner programme is a
    partner's, another a customer's; one in four direct leads is a prospect a rep found."""
    if channel == Channel.REFERRAL:
        return SourceOwner.PARTNER if campaign == "Partnerprogramma" else SourceOwner.REFERRAL
    if channel == Channel.DIRECT and n % 4 == 0:
        return SourceOwner.SALES
    return SourceOwner.MARKETING


# The sending systems' own words for where leads came from (UTM source / medium, a CRM's lead
# source): more kinds than channels, so the dashboard's breakdown by original source has rows.
ORIGINAL_SOURCES = {
    Channel.GOOGLE_ADS: ["google / cpc", "bing / cpc"],
    Channel.META: ["facebook / paid_social", "instagram / paid_social"],
    Channel.LINKEDIN: ["linkedin / paid_social", "linkedin / organic_social"],
    Channel.ORGANIC: ["google / organic", "bing / organic", "duckduckgo / organic"],
    Channel.DIRECT: [""],
    Channel.EMAIL: ["nieuwsbrief / email", "klantenmailing / email"],
    Channel.REFERRAL: ["partnerportaal / referral", "metaalnieuws.nl / referral", "Aanbeveling klant"],
    Channel.EVENT: ["Technische Beurs Utrecht", "Empack Gorinchem", "Vision & Robotics"],
}
# What reps write for marketing with their verdict on a lead's quality.
QUALITY_COMMENTS = {
    "good": ["Precies ons profiel, meer van deze graag.", "Had al een concreet project en budget.",
             "Snel te bereiken, wist wat hij wilde."],
    "bad": ["Zocht alleen prijsinformatie voor een scriptie.", "Bedrijf te klein voor onze lijnen.",
            "Formulier ingevuld met een privéadres, geen functie bekend.", "Geen plannen voor volgend jaar."],
}
# What the demo's sales people say when a deal is lost, as a lost reason.
LOST_REASONS = {
    "chose a competitor": "competitor", "price": "price", "no decision": "no_decision",
    "timing": "timing",
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


# The reject form's reasons (sales/texts.py), with the note a Dutch rep sometimes adds.
REJECTION_REASONS = [
    ("not_sales_ready", ""),
    ("too_little_information", ""),
    ("not_our_target_group", ""),
    ("not_sales_ready", "volgend kwartaal terugbellen"),
    ("duplicate", ""),
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
