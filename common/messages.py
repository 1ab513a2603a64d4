"""Text that Handoff writes for people to read later — a stage change's reason, a score's
explanation, a routing trace — is stored as a code and its parameters and put into words
when it is read, in the reader's language. A stored sentence would stay in the language of
whoever happened to trigger it.

Each app keeps its codes in its own catalogue (`<app>/texts.py`, loaded when the app is
ready): `define()` registers them, `message()` builds the stored form, `render()` reads it.

The stored form, JSON: {"code": "routing.rule", "params": {...}}. A parameter is
- plain: a name, a number, a text someone typed — shown as it is;
- another message, rendered in its turn;
- {"items": [...], "sep": "; "}: messages or plain values, joined;
- {"choice": "stage", "value": "mql"}: the label of a value, from a vocabulary an app
  registered with `define_choices()`;
- {"moment": "2026-12-03T13:05:00+00:00"}: a day and time, written the reader's way.

Anything else `render()` is given — a plain string, as rows written before codes were, or a
reason a person typed — is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format

_catalogue: dict[str, object] = {}  # code → English text with %(name)s placeholders (lazy)
_placeholders: dict[str, frozenset[str]] = {}  # worked out once per code: bulk scoring builds millions
_choices: dict[str, Mapping] = {}  # vocabulary name → {value: label (lazy)}
_rules: list[tuple[re.Pattern, str]] = []  # a stored rule name's pattern → its code
PLACEHOLDER = re.compile(r"%\((\w+)\)")


def define(codes: dict[str, object]) -> dict[str, object]:
    """Register a catalogue: code → the English text, wrapped in gettext_lazy so that
    makemessages finds it and it is translated when rendered. A code is defined once."""
    for code in codes:
        if code in _catalogue and _catalogue[code] is not codes[code]:
            raise ValueError(f"The message code {code!r} is defined twice.")
    _catalogue.update(codes)
    return codes


def define_choices(name: str, choices) -> None:
    """A vocabulary messages may name by value: a TextChoices class, or {value: label}."""
    _choices[name] = dict(choices.choices) if hasattr(choices, "choices") else dict(choices)


def define_rule(pattern: str, code: str) -> None:
    """An automatic rule's stored name (a stage change's `rule`, an identifier written in
    English: "qualification policy v3") shown through `code`, its named groups the
    parameters. Names that match no pattern are shown as stored."""
    if code not in _catalogue:
        raise ValueError(f"Unknown message code {code!r}.")
    _rules.append((re.compile(pattern), code))


def rule_name(stored: str) -> str:
    for pattern, code in _rules:
        match = pattern.fullmatch(stored)
        if match:
            return str(_catalogue[code]) % match.groupdict()
    return stored


def codes() -> dict[str, object]:
    return dict(_catalogue)


def placeholders(code: str) -> frozenset[str]:
    if code not in _placeholders:
        _placeholders[code] = frozenset(PLACEHOLDER.findall(str(_catalogue[code])))
    return _placeholders[code]


def message(code: str, **params) -> dict:
    """The stored form of `code` with `params`. Refuses an unknown code and parameters that
    do not match the text's placeholders, so a mistake fails where it is made, not when
    someone reads the row."""
    if code not in _catalogue:
        raise ValueError(f"Unknown message code {code!r}.")
    wanted = placeholders(code)
    if params.keys() != wanted:
        raise ValueError(f"Message {code!r} takes {sorted(wanted)}, not {sorted(params)}.")
    return {"code": code, "params": params}


def joined(items: Iterable, sep: str = "; ") -> dict:
    return {"items": list(items), "sep": sep}


def choice(name: str, value: str) -> dict:
    if name not in _choices:
        raise ValueError(f"Unknown vocabulary {name!r}.")
    return {"choice": name, "value": value}


def moment(at: datetime) -> dict:
    return {"moment": at.isoformat()}


def is_message(value) -> bool:
    return isinstance(value, dict) and isinstance(value.get("code"), str)


def split(reason) -> tuple[str, dict | None]:
    """(text, message) to store for `reason`, which is either a message or a text a person
    typed: a model keeps the two in separate fields, the typed words as they were written."""
    return ("", reason) if isinstance(reason, dict) else (str(reason or ""), None)


def render(stored) -> str:
    """`stored` in words, in the active language."""
    if is_message(stored):
        text = _catalogue.get(stored["code"])
        if text is None:  # a code since removed: say what was stored rather than fail
            return stored["code"]
        params = {name: render(value) for name, value in (stored.get("params") or {}).items()}
        return str(text) % params
    if isinstance(stored, dict):
        if "items" in stored:
            return str(stored.get("sep", "; ")).join(render(item) for item in stored["items"])
        if "choice" in stored:
            label = _choices.get(stored["choice"], {}).get(stored.get("value", ""))
            return str(stored.get("value", "")) if label is None else str(label)
        if "moment" in stored:
            return date_format(timezone.localtime(datetime.fromisoformat(stored["moment"])), "DATETIME_FORMAT")
    if stored is None:
        return ""
    return str(stored)
