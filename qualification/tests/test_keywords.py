"""Keyword lists match whole words, explicit prefixes and suffixes: no database."""

import pytest

from qualification.keywords import Keywords, Match, fold, keyword_pattern


def test_folding_drops_case_and_accents_and_keeps_the_length():
    assert fold("Coördinator Général") == "coordinator general"
    assert fold("İZMİR") == "izmir"
    for text in ("Coördinator", "İstanbul", "ﬁnance", "Straße", "Ærø"):
        assert len(fold(text)) == len(text)


@pytest.mark.parametrize(
    "keyword, text, word",
    [
        ("intern", "Intern", "Intern"),
        ("intern", "Marketing intern", "intern"),
        ("intern", "International Sales Director", None),
        ("intern", "Hoofd Interne Logistiek", None),
        ("stag*", "Stagiair marketing", "Stagiair"),
        ("stag*", "Stagiaire", "Stagiaire"),
        ("stag*", "Hoofd stage", "stage"),
        ("stagiair*", "Stagebegeleider", None),
        ("*manager", "Inkoopmanager", "Inkoopmanager"),
        ("*manager", "Manager", "Manager"),
        ("*manager", "Management", None),
        ("*hoofd*", "Afdelingshoofd", "Afdelingshoofd"),
        ("*hoofd*", "Hoofdinkoper", "Hoofdinkoper"),
        ("eigenaar", "Directeur-eigenaar", "eigenaar"),
        ("plant manager", "Senior Plant  Manager", "Plant  Manager"),
        ("plant manager", "Plant engineer, manager", None),
        ("coördinator", "COORDINATOR", "COORDINATOR"),
        ("coordinator", "Coördinator inkoop", "Coördinator"),
        ("général", "Directeur Général", "Général"),
        ("acme.nl", "sales.acme.nl", "acme.nl"),
        ("acme.nl", "notacme.nl", None),
        ("acme", "ACME B.V.", "ACME"),
        ("acme", "Acmeo", None),
    ],
)
def test_a_keyword_matches_whole_words_or_its_explicit_stars(keyword, text, word):
    found = Keywords([keyword]).find(text)
    assert (found.word if found else None) == word


def test_the_match_names_the_keyword_as_the_rule_wrote_it():
    keywords = Keywords(["student*", "stag*", " intern "])
    assert keywords.find("Marketing Intern") == Match("Intern", "intern")
    assert keywords.find("Stagiaire, studente") == Match("Stagiaire", "stag*")  # the first in the text
    assert keywords.find("") is None


def test_keywords_without_letters_are_ignored():
    assert keyword_pattern("*") == "" and keyword_pattern(" - ") == ""
    assert not Keywords(["*", ""])
    assert Keywords(["*", ""]).find("anything") is None
    assert Keywords(["*", "ceo"]).keywords == ("ceo",)


def test_punctuation_in_a_keyword_separates_words_and_is_never_a_pattern():
    assert Keywords(["(ceo)"]).find("Founder (CEO)") == Match("CEO", "(ceo)")
    assert Keywords(["sales.director"]).find("Sales Director") == Match("Sales Director", "sales.director")
    assert Keywords(["a.b"]).find("axb") is None  # a dot is not "any character"
