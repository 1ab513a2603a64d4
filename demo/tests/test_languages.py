"""After `seeddemo`, each reader sees the demo in their own language: an English reader no
Dutch sentence Handoff wrote, a Dutch reader no English one (names and what people typed
aside). The pages are fetched as the demo's people, with their language chosen."""

import html
import re
from datetime import datetime
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from handoff.models import choose_language
from leads.models import Lead

pytestmark = pytest.mark.django_db

# Words only Handoff's own texts use, in each language; the demo's typed labels (its
# policy's rule labels, activity titles, notes) are the writer's words and not listed.
DUTCH = [
    "de doorslag gaf", "Regel “", "om de beurt", "Geen fit", "(Nog) geen MQL", "Niet bereikt",
    "kwalificatiebeleid", "Nog niet", "opvolgafspraak", "voortgang bij sales", "drempel", "Bestaande klant",
    "Gemiddelde intentie", "Hoge intentie", " nov 2026", " dec 2026", " okt 2026",
]
ENGLISH = [
    "tipped by", "thresholds hold", "Not (yet) an MQL", "round robin", "Rule “", "qualification policy",
    "No fit", "Not sales-ready", "straight to sales", "Not reached", "follow-up agreement", "No activity for",
    "Existing customer", "Mid intent", "High intent", " Nov 2026", " Dec 2026", " Oct 2026",
]


def visible_text(response) -> str:
    page = response.content.decode()
    main = page[page.index("<main"):page.index("</main>")]
    return html.unescape(re.sub(r"<[^>]+>", " ", main))


def pages_of_leads(user) -> list[str]:
    """A few leads of each stage the rep can see: their history, card and routing trace."""
    urls = []
    for stage in Lead.Stage.values:
        for pk in Lead.objects.filter(owner=user, stage=stage).values_list("pk", flat=True)[:2]:
            urls += [f"/leads/{pk}/", f"/handoff/leads/{pk}/", f"/qualification/leads/{pk}/"]
    return urls


@pytest.fixture
def demo():
    call_command("seeddemo", leads=400, until=datetime.fromisoformat("2026-11-20"), stdout=StringIO(), verbosity=0)


@pytest.mark.parametrize("language, foreign", [("en", DUTCH), ("nl", ENGLISH)])
def test_each_reader_sees_the_demo_in_their_own_language(demo, client, language, foreign):
    sanne, mark = User.objects.get(username="sanne"), User.objects.get(username="mark")
    seen = []
    for user, urls in [
        (sanne, ["/leads/my-day/", "/leads/", *pages_of_leads(sanne)]),
        (mark, ["/review/?week=2026-W46", "/dashboard/", "/dashboard/overview/", "/qualification/asking/"]),
    ]:
        choose_language(user, language)
        client.force_login(user)
        for url in urls:
            response = client.get(url, follow=True)
            assert response.status_code == 200, url
            text = visible_text(response)
            seen += [f"{url}: …{text[max(0, m.start() - 40):m.end() + 40]}…" for word in foreign for m in re.finditer(re.escape(word), text)]
    assert len(pages_of_leads(sanne)) >= 12  # leads of several stages were looked at
    assert seen == []
