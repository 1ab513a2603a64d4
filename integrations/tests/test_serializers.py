"""The batch validator's fast road must give exactly what ActivityInSerializer gives, and
leave everything else to it."""

import pytest
from django.utils import timezone

from integrations.serializers import (
    ActivityInSerializer,
    KnownURLField,
    plain_activity,
    validate_batch,
)

GOOD = {
    "lead": "crm-1",
    "external_id": "ev-1",
    "kind": "page_visit",
    "occurred_at": "2026-11-20T10:00:00+01:00",
    "url": "https://www.example.nl/prijzen",
    "title": "Prijzen – Ñandú",
    "data": {"utm_source": "google", "nested": {"a": [1, 2]}},
}

VARIANTS = [
    {},
    {"url": ""},
    {"title": ""},
    {"data": {}},
    {"occurred_at": "2026-11-20T09:00:00Z"},
    {"occurred_at": "2026-11-20T09:00:00"},  # no offset
    {"occurred_at": "yesterday"},
    {"occurred_at": "9999-12-31T23:59:59-15:00"},  # beyond the range once in our zone
    {"occurred_at": 20261120},
    {"lead": ""},
    {"lead": "  crm-1  "},  # DRF strips it
    {"lead": 17},  # DRF takes numbers as text
    {"lead": "x" * 201},
    {"lead": "crm\x001"},
    {"lead": "crm\ud8001"},
    {"title": "line\nbreak"},
    {"title": "t" * 201},
    {"title": None},
    {"kind": "telepathy"},
    {"kind": ""},
    {"url": "not a url"},
    {"url": "https://never-seen.example/before"},
    {"data": None},
    {"data": []},
    {"data": {"answer": "nul\x00"}},
    {"unknown": "ignored"},
]


def serializer_result(item):
    serializer = ActivityInSerializer(data=item)
    return serializer.validated_data if serializer.is_valid() else None


@pytest.mark.parametrize("change", VARIANTS, ids=[repr(v)[:40] for v in VARIANTS])
def test_the_fast_road_agrees_with_the_serializer_or_leaves_the_item_to_it(change):
    KnownURLField.valid_urls.add(GOOD["url"])  # as after the first batch that sent it
    item = {**GOOD, **change}
    expected = serializer_result(item)
    plain = plain_activity(item, timezone.get_current_timezone())
    if plain is not None:
        assert expected is not None
        assert plain == dict(expected)


def test_plain_items_take_the_fast_road_and_optional_fields_stay_absent():
    KnownURLField.valid_urls.add(GOOD["url"])
    zone = timezone.get_current_timezone()
    assert plain_activity(GOOD, zone) == dict(serializer_result(GOOD))
    minimal = {key: GOOD[key] for key in ("lead", "external_id", "kind", "occurred_at")}
    assert set(plain_activity(minimal, zone)) == set(minimal)


def test_a_batch_mixing_both_roads_keeps_every_items_index_and_errors():
    KnownURLField.valid_urls.add(GOOD["url"])
    batch = [GOOD, {**GOOD, "lead": " padded "}, {**GOOD, "kind": "telepathy"}, {**GOOD, "occurred_at": "no"}]
    valid, errors = validate_batch(batch)
    assert sorted(valid) == [0, 1]
    assert valid[1]["lead"] == "padded"
    assert sorted(errors) == [2, 3]
    assert set(errors[2]) == {"kind"} and set(errors[3]) == {"occurred_at"}
