"""Ids, slots arithmetic, time parsing, clock, payments, API shape."""

from __future__ import annotations

import random
from datetime import UTC

import pytest
from dateutil import tz
from hypothesis import given
from hypothesis import strategies as st

from charge_tui.domain.api import API_FIELDS, reservation_to_api
from charge_tui.domain.clock import FrozenClock, SystemClock, clock_from_env, parse_instant
from charge_tui.domain.errors import ConfigError
from charge_tui.domain.ids import RESERVATION_ID_RE, IdFactory, time_prefix
from charge_tui.domain.machine import create
from charge_tui.domain.model import evolve
from charge_tui.domain.payments import TestModeAuthorizer
from charge_tui.domain.slots import best_start, free_gaps
from charge_tui.domain.timeparse import TimeParseError, format_duration, parse_time
from charge_tui.domain.validation import validate_create
from tests.factories import NOW, params


def test_ids_shape_and_determinism():
    a = IdFactory(random.Random(1))
    b = IdFactory(random.Random(1))
    ids = [a.reservation(NOW) for _ in range(50)]
    assert ids == [b.reservation(NOW) for _ in range(50)]
    assert all(RESERVATION_ID_RE.match(i) for i in ids)
    assert len(set(ids)) == 50
    assert IdFactory().event(NOW).startswith("evt_") and len(IdFactory().event(NOW)) == 28
    assert RESERVATION_ID_RE.match(IdFactory().reservation(NOW))


def test_random_id_characters_are_uniform_and_never_short():
    ids = IdFactory(random.Random(4))
    chars = "".join(ids.new("x")[2:] for _ in range(6000))  # 144,000 characters
    counts = {c: chars.count(c) for c in set(chars)}
    assert len(counts) == 62  # every letter and digit, nothing else
    # 2,323 expected each; a byte-modulo mapping without dropping would put 8 of them at ~2,812.
    assert max(counts.values()) < 2550 and min(counts.values()) > 2100

    class Dropped(random.Random):
        """Bytes 248-255 (dropped) for the first draws, then the real thing."""

        calls = 0

        def randbytes(self, n):
            self.calls += 1
            return bytes([255] * n) if self.calls <= 2 else super().randbytes(n)

    rng = Dropped(5)
    made = IdFactory(rng).event(NOW)
    assert len(made) == 28 and RESERVATION_ID_RE.match("rsv_" + made[4:])
    assert rng.calls >= 3


@given(st.lists(st.integers(min_value=-10, max_value=70_000_000_000), min_size=2, max_size=20))
def test_timed_ids_sort_by_the_second_they_were_made(times):
    ids = IdFactory(random.Random(2))
    made = [(at, ids.reservation(at)) for at in times]
    for (t1, i1), (t2, i2) in zip(made, made[1:], strict=False):
        c1, c2 = max(0, min(t1, 62**6 - 1)), max(0, min(t2, 62**6 - 1))
        if c1 < c2:
            assert i1 < i2
        elif c1 > c2:
            assert i1 > i2
        else:
            assert i1[:10] == i2[:10]


def test_time_prefix_is_base62_in_byte_order():
    assert time_prefix(0) == "000000"
    assert time_prefix(61) == "00000z"
    assert time_prefix(62) == "000010"
    assert time_prefix(62**6 - 1) == "zzzzzz"
    assert time_prefix(62**6 + 5) == "zzzzzz"
    assert time_prefix(-3) == "000000"


def test_evolve_is_dataclasses_replace():
    import dataclasses

    from charge_tui.domain.enums import Status

    r = create(validate_create(params(), NOW), "rsv_" + "a" * 24, NOW)
    for changes in (
        {},
        {"status": Status.CONFIRMED, "version": 2, "evse": "evse_x", "next_check_at": None},
        {"metadata": {"k": "v"}, "updated": NOW + 9, "fees_charged": 300},
    ):
        out = evolve(r, changes)
        assert out == dataclasses.replace(r, **changes)
        assert out is not r and all(getattr(out, k) == v for k, v in changes.items())
    assert r.status is Status.PENDING and r.version == 1  # the original is untouched
    with pytest.raises(dataclasses.FrozenInstanceError):
        evolve(r, {}).status = Status.FAILED  # type: ignore[misc]
    with pytest.raises(AttributeError):
        evolve(r, {"no_such_field": 1})


def test_free_gaps_and_best_start():
    busy = [(100, 200), (150, 300), (400, 500)]
    assert free_gaps(busy, 0, 600) == [(0, 100), (300, 400), (500, 600)]
    assert best_start(busy, 0, 600, 100, 320) == 300
    assert best_start(busy, 0, 600, 100, 250) == 300
    assert best_start(busy, 0, 600, 100, 120) == 0  # 120 away, against 300 (180 away)
    assert best_start(busy, 0, 600, 100, 210) == 300  # 90 away, against 0 (210 away)
    assert best_start(busy, 0, 600, 100, 150) == 0  # tie (both 150 away): earlier wins
    assert best_start(busy, 0, 600, 101, 120) is None  # no gap is long enough
    assert best_start(busy, 0, 650, 101, 0) == 500
    assert best_start([], 0, 600, 600, 50) == 0


def test_parse_time_offsets_and_dates():
    utc = tz.UTC
    assert parse_time("+90m", NOW) == NOW + 5400
    assert parse_time("+2h", NOW) == NOW + 7200
    assert parse_time("+1d", NOW) == NOW + 86400
    assert parse_time("+1h30m", NOW) == NOW + 5400
    assert parse_time("-15m", NOW) == NOW - 900
    assert parse_time("+90 minutes", NOW) == NOW + 5400
    assert parse_time("+1 hour 30 mins", NOW) == NOW + 5400
    assert parse_time("+2 days", NOW) == NOW + 2 * 86400
    assert parse_time("+1w", NOW) == NOW + 7 * 86400
    assert parse_time("now", NOW) == NOW
    assert parse_time("2026-11-25 18:00", NOW, utc) == 1795629600
    assert parse_time("2026-11-25T18:00:00Z", NOW, tz.gettz("Europe/Paris")) == 1795629600
    assert parse_time("25 Nov 2026 6pm", NOW, utc) == 1795629600
    assert parse_time("1795629600", NOW) == 1795629600
    paris = tz.gettz("Europe/Paris")
    assert parse_time("2026-11-25 18:00", NOW, paris) == 1795629600 - 3600
    for bad in ("", "tomorrowish", "+5x", "+5 mice", "+", "2026-13-45"):
        with pytest.raises(TimeParseError):
            parse_time(bad, NOW, utc)


def test_format_duration():
    assert format_duration(5400) == "1h30m"
    assert format_duration(90000) == "1d1h"
    assert format_duration(0) == "0m"


def test_clock_env(monkeypatch):
    assert isinstance(clock_from_env({}), SystemClock)
    c = clock_from_env({"CHARGE_TUI_NOW": "1795000000"})
    assert isinstance(c, FrozenClock) and c.now() == 1795000000
    assert clock_from_env({"CHARGE_TUI_NOW": "2026-11-18T11:06:40Z"}).now() == 1795000000
    assert clock_from_env({"CHARGE_TUI_NOW": "2026-11-18T11:06:40"}).now() == 1795000000
    assert parse_instant("2026-11-18T12:06:40+01:00") == 1795000000
    with pytest.raises(ConfigError, match="CHARGE_TUI_NOW"):
        clock_from_env({"CHARGE_TUI_NOW": "yesterday"})
    assert UTC


def test_payments_test_mode():
    auth = TestModeAuthorizer()
    assert auth.authorize("pm_card_visa", 300, "usd").approved
    assert auth.authorize("pm_card_declined", 300, "usd").decline_code == "card_declined"
    assert not auth.authorize("pm_card_insufficient_funds", 300, "usd").approved
    assert not auth.authorize(None, 300, "usd").approved
    always = TestModeAuthorizer(decline_rate=1.0)
    assert not always.authorize("pm_card_visa", 300, "usd").approved
    some = TestModeAuthorizer(decline_rate=0.25, rng=random.Random(5))
    declines = sum(not some.authorize("pm_x", 1, "usd").approved for _ in range(4000))
    assert 800 < declines < 1200


def test_api_shape_has_exactly_the_spec_fields():
    r = create(validate_create(params(metadata={"fleet": "north"}), NOW), "rsv_" + "b" * 24, NOW)
    api = reservation_to_api(r)
    assert tuple(api) == API_FIELDS
    assert api["object"] == "reservation"
    assert api["service_area"] == {
        "latitude": 37.7749,
        "longitude": -122.4194,
        "radius_meters": 5000,
    }
    assert set(api["cancellation_policy"]) == {
        "free_cancellation_until",
        "late_cancellation_fee",
        "no_show_fee",
        "grace_period_seconds",
    }
    assert api["metadata"] == {"fleet": "north"}
    assert api["failure_reason"] is None and api["charging_station"] is None
    assert "version" not in api and "fees_charged" not in api
