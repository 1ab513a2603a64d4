"""The demo's campaigns: what marketing tells sales about the campaigns its leads carry (the
names in world.CAMPAIGNS), some with a budget, so the dashboard can show what they cost."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction

from common.business_time import business_time_zone
from leads.models import Campaign, Channel, ConversionAction

A = ConversionAction
# name, channel, goal, audience, offer, expected responses (how many, what kind), brief, budget
CAMPAIGNS = [
    (
        "Search - Verpakkingslijnen", Channel.GOOGLE_ADS,
        "Offerteaanvragen voor verpakkingslijnen", "Productie- en technisch managers in food en farma",
        "Gratis lijnscan van de huidige verpakkingslijn", 220, A.QUOTE_REQUEST,
        "Ze zochten zelf op verpakkingslijnen en vroegen een offerte: bel dezelfde dag. Vraag naar "
        "de huidige lijn, de capaciteit per uur en wanneer de nieuwe lijn moet draaien.",
        Decimal("18000"),
    ),
    (
        "Performance Max - Robotcellen", Channel.GOOGLE_ADS,
        "Demo's van de robotcel voor palletiseren", "Operations managers in de maakindustrie",
        "Live demo in ons testcentrum in Eindhoven", 140, A.DEMO_REQUEST,
        "De advertentie beloofde een demo in het testcentrum: plan die in, en vraag welk product "
        "ze willen laten palletiseren.",
        Decimal("24000"),
    ),
    (
        "Lookalike - Food", Channel.META,
        "Bekendheid en downloads bij voedingsmiddelenbedrijven", "Lijkt op onze klanten in food",
        "Whitepaper ‘Hygiënisch ontwerp van transportbanden’", 400, A.DOWNLOAD,
        "Vroege interesse: ze downloadden een whitepaper. Stuur iets nuttigs; bel alleen als ze "
        "ook naar prijzen keken.",
        Decimal("9000"),
    ),
    (
        "Lead Gen - Operations managers", Channel.LINKEDIN,
        "Gesprekken met operations managers", "Operations managers, 50+ medewerkers",
        "Benchmark van de eigen lijnefficiëntie (OEE)", 160, A.CONTACT_FORM,
        "Ze vulden hun OEE-cijfers in voor de benchmark: begin met hun eigen getal en wat "
        "vergelijkbare fabrieken halen.",
        Decimal("15000"),
    ),
    (
        "Webinar - Predictief onderhoud", Channel.LINKEDIN,
        "Deelnemers aan het webinar over predictief onderhoud", "Onderhoudsmanagers",
        "Webinar met een klantcase uit de zuivel", 120, A.WEBINAR,
        "Ze volgden het webinar: vraag wat ze ervan meenamen en hoe zij nu onderhoud plannen.",
        Decimal("6000"),
    ),
    (
        "Technische Beurs Utrecht", Channel.EVENT,
        "Gesprekken op de stand en afspraken na de beurs", "Bezoekers van de beurs",
        "Een proefopstelling van de vision-inspectie", 90, A.CONTACT_FORM,
        "Gescand op de stand: noem de beurs en de proefopstelling, en vraag wat hen daar opviel.",
        Decimal("35000"),
    ),
    (
        "Nieuwsbrief maand", Channel.EMAIL,
        "Bestaande contacten warm houden", "Iedereen op de nieuwsbrieflijst",
        "Maandelijkse nieuwsbrief met een klantverhaal", None, "",
        "Meestal bestaande contacten: kijk eerst of er al een accountmanager is.",
        None,
    ),
]


def ensure_campaigns(*, until: datetime) -> int:
    """The demo's campaigns (each once, by name), running for the year of demo leads, and the
    leads carrying their names linked to them. Returns how many leads were linked."""
    starts_on = (until - timedelta(days=365)).astimezone(business_time_zone()).date()
    linked = 0
    with transaction.atomic():
        for name, channel, goal, audience, offer, expected, kind, brief, budget in CAMPAIGNS:
            campaign, _created = Campaign.objects.get_or_create(
                name=name,
                defaults=dict(
                    channel=channel, starts_on=starts_on, goal=goal, audience=audience, offer=offer,
                    expected_responses=expected, expected_response_kind=kind, brief=brief, budget=budget,
                ),
            )
            linked += campaign.link_leads()
    return linked
