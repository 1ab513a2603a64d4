"""Keyword rules match words, not fragments of words.

People write a keyword list ("student*, stagiair*, intern"); each keyword matches whole words
of a text, whatever the case or accents. A `*` stands for any letters: `stagiair*` matches
"Stagiaire", `*manager` matches "Inkoopmanager", while `intern` matches "Intern" but neither
"International" nor "Interne". A keyword of several words matches those words in that order
("plant manager"); hyphens and dots separate words ("Directeur-eigenaar", "acme.nl").

Pure Python: no Django, no database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache


def fold(text: str) -> str:
    """Lower case without accents, one character for one ("Coördinator" → "coordinator"):
    keeping the length lets a match point back at the word as the person wrote it."""
    if text.isascii():
        return text.lower()
    return "".join(map(fold_character, text))


@lru_cache(maxsize=4096)
def fold_character(character: str) -> str:
    base = "".join(c for c in unicodedata.normalize("NFKD", character) if not unicodedata.combining(c))
    if len(base) == 1:
        return base.lower()
    lowered = character.lower()  # a ligature ("ﬁ") stays itself rather than become two letters
    return lowered if len(lowered) == 1 else character


def keyword_pattern(keyword: str) -> str:
    """The regular expression of one keyword, empty when it has no letters ("*", ",")."""
    words = [word for word in re.split(r"[^\w*]+", fold(keyword)) if word.strip("*")]
    return r"\W+".join(r"\w*".join(map(re.escape, word.split("*"))) for word in words)


@dataclass(frozen=True)
class Match:
    word: str  # as it is written in the text: "Stagiaire"
    keyword: str  # as it is written in the rule: "stagiair*"


class Keywords:
    """A list of keywords, compiled once into one expression (bulk re-scoring matches a
    million job titles against it)."""

    def __init__(self, keywords: Iterable[str]):
        self.keywords = tuple(keyword.strip() for keyword in keywords if keyword_pattern(keyword))
        alternatives = "|".join(
            f"(?P<k{index}>{keyword_pattern(keyword)})" for index, keyword in enumerate(self.keywords)
        )
        self.expression = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)") if self.keywords else None

    def __bool__(self) -> bool:
        return self.expression is not None

    def __repr__(self) -> str:
        return f"Keywords({', '.join(self.keywords)})"

    def find(self, text: str) -> Match | None:
        """The first keyword found in `text`, with the word it matched there."""
        if self.expression is None or not text:
            return None
        found = self.expression.search(fold(text))
        if found is None:
            return None
        return Match(text[found.start() : found.end()], self.keywords[int(found.lastgroup[1:])])
