"""The reservation codec: every form of a reservation comes from its one table of columns, so a
column added to the table (and to the object) goes through every path with nothing else edited:
the row written and read back (by position and by name, through real SQL), the update of what
changed, the request process's flat form, the API object and an event's previous values."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace

import pytest
from sqlalchemy import MetaData, Table, create_engine

from charge_tui.domain.codec import COLUMNS, RESERVATION, Codec, Column
from charge_tui.domain.enums import FailureReason, Status
from charge_tui.domain.machine import create
from charge_tui.domain.model import Reservation
from charge_tui.domain.validation import validate_create
from charge_tui.store.tables import reservation_columns
from charge_tui.store.writes import insert_sql
from tests.factories import NOW, params


@dataclass(frozen=True, slots=True)
class Tagged(Reservation):
    """A reservation with one more field, as a new column would bring."""

    priority: int = 0
    tag: str | None = None


EXTENDED = Codec(
    (
        *COLUMNS,
        Column("priority", "priority", "int", mutable=True),
        Column("tag", "tag", "text", nullable=True, api=False),
    ),
    cls=Tagged,
)


def tagged(**changes) -> Tagged:
    base = create(validate_create(params(metadata={"fleet": "acme"}), NOW), "rsv_" + "a" * 24, NOW)
    values = {f: getattr(base, f) for f in RESERVATION.fields}
    return Tagged(**{**values, "priority": 3, "tag": "vip", **changes})


def test_the_codec_covers_every_field_of_the_object():
    assert set(RESERVATION.fields) == {f for f in Reservation.__dataclass_fields__}
    with pytest.raises(ValueError, match="priority"):
        Codec(COLUMNS, cls=Tagged)


def test_a_new_column_round_trips_through_every_form():
    r = tagged()
    assert EXTENDED.names[-2:] == ("priority", "tag")
    assert EXTENDED.mutable[-1] == "priority" and "tag" not in EXTENDED.mutable
    assert EXTENDED.from_values(EXTENDED.values(r)) == r
    assert EXTENDED.from_mapping(EXTENDED.to_row(r)) == r
    assert EXTENDED.from_flat(EXTENDED.flat(r)) == r
    api = EXTENDED.api(r)
    assert list(api) == list(EXTENDED.api_fields) and api["priority"] == 3 and "tag" not in api
    assert list(api)[:2] == ["id", "object"] and api["object"] == "reservation"
    assert "priority" in EXTENDED.changeable_api_fields
    assert EXTENDED.api_value("priority", 7) == 7
    moved = replace(r, priority=9, status=Status.FAILED, failure_reason=FailureReason.OTHER)
    assert EXTENDED.changed(r, moved) == {
        "status": "failed",
        "failure_reason": "other",
        "priority": 9,
    }


@pytest.mark.parametrize("codec", [RESERVATION, EXTENDED], ids=["reservation", "extended"])
def test_rows_go_through_real_sql_and_come_back_equal(codec, tmp_path):
    """The table built from the codec, the insert it writes, the select list it reads, and the
    update of the changed columns: all from the table of columns."""
    path = tmp_path / "codec.db"
    engine = create_engine(f"sqlite:///{path}")
    Table("reservations", MetaData(), *reservation_columns(codec)).metadata.create_all(engine)
    engine.dispose()
    r = tagged() if codec is EXTENDED else create(validate_create(params(), NOW), "rsv_x", NOW)
    conn = sqlite3.connect(path)
    conn.execute(insert_sql(codec), codec.values(r))
    row = conn.execute(f"SELECT {codec.select_list} FROM reservations").fetchone()
    assert codec.from_values(row) == r
    changes = {"status": Status.CANCELLED, "updated": NOW + 60, "version": 2}
    if codec is EXTENDED:
        changes["priority"] = 1
    after = replace(r, **changes)
    cols = codec.changed(r, after)
    conn.execute(
        f"UPDATE reservations SET {', '.join(f'{c} = ?' for c in cols)} WHERE id = ?",
        (*cols.values(), r.id),
    )
    row = conn.execute(f"SELECT {codec.select_list} FROM reservations").fetchone()
    assert codec.from_values(row) == after
    conn.close()
