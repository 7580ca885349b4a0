"""Fuzzing create through the service, on SQLite and PostgreSQL: whatever the body, either a
reservation that reads back the same through retrieve, search and export, or the error of SPEC §2
naming what is wrong, with nothing written."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, event, given, settings

from charge_tui.domain.api import reservation_to_api
from charge_tui.domain.errors import ChargeError
from charge_tui.domain.export import lines
from charge_tui.domain.text import json_text
from charge_tui.store.listquery import ListQuery
from tests.strategies import create_bodies, idempotency_keys

CODES = {"parameter_missing", "parameter_invalid", "parameter_unknown", "idempotency_key_reused"}


def _count(service) -> int:
    return sum(service.counts().values())


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=create_bodies(), key=idempotency_keys())
def test_any_body_is_created_whole_or_refused_with_nothing_written(service, network, body, key):
    before = _count(service)
    try:
        r = service.create(body, idempotency_key=key)
    except ChargeError as e:
        event(f"refused: {e.code} {e.param if e.param is None else e.param.split('[')[0]}")
        assert e.code in CODES, e
        shown = json_text(e.to_dict())
        shown.encode("utf-8")  # every refusal can be printed
        if isinstance(body, dict) and e.code != "idempotency_key_reused":
            assert e.param is not None or "nest" in e.message, e
        assert _count(service) == before
        return
    event("created")
    if _count(service) == before:  # a replay of an idempotent request
        assert key is not None
    else:
        assert _count(service) == before + 1
    api = reservation_to_api(r)
    json_text(api).encode("utf-8")
    assert service.retrieve(r.id) == r
    with service.view(ListQuery(search=r.id)) as rows:
        found = list(rows)
    assert [x.id for x in found] == [r.id]
    (line,) = lines(found, "jsonl")
    assert json.loads(line) == api
    header, row = lines(found, "csv")
    assert row.startswith(r.id + ",")
