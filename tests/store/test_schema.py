"""Schema versions, in-place upgrades, and what the database itself enforces."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError, IntegrityError

from charge_tui.domain.errors import ChargeError, StoreUnavailable
from charge_tui.service import ReservationService
from charge_tui.store import migrations
from charge_tui.store.db import Database
from tests.factories import params


def test_new_store_is_at_latest_version(db):
    with db.read() as conn:
        assert migrations.current_version(conn) == migrations.LATEST
        names = {ix["name"] for ix in inspect(conn).get_indexes("reservations")}
    assert {
        "ix_reservations_created_id",
        "ix_reservations_status_created_id",
        "ix_reservations_evse_start",
        "ix_reservations_status_next_check",
    } <= names


def test_upgrade_in_place_keeps_data(db_url, clock):
    # A store as version 1 wrote it: tables only, without the later indexes and constraints.
    old = Database(db_url, create=False)
    with old.write() as conn:
        migrations.upgrade(conn, old.dialect, target=1)
        conn.exec_driver_sql("DROP INDEX ix_reservations_status_next_check")
        # version 1 also had an index on `updated` alone, which migration 4 drops
        conn.exec_driver_sql("CREATE INDEX ix_reservations_updated ON reservations (updated)")
    svc = ReservationService(old, clock=clock)
    r = svc.create(params())
    with old.read() as conn:
        assert migrations.current_version(conn) == 1
    old.dispose()

    upgraded = Database(db_url)  # opening upgrades
    with upgraded.read() as conn:
        assert migrations.current_version(conn) == migrations.LATEST
        names = {ix["name"] for ix in inspect(conn).get_indexes("reservations")}
    assert "ix_reservations_status_next_check" in names
    assert "ix_reservations_updated" not in names
    assert ReservationService(upgraded, clock=clock).retrieve(r.id) == r
    Database(db_url).dispose()  # opening again is a no-op
    upgraded.dispose()


def test_newer_store_is_refused(db_url):
    db = Database(db_url)
    with db.write() as conn:
        conn.execute(text("UPDATE schema_meta SET value = '999' WHERE key = 'schema_version'"))
    db.dispose()
    with pytest.raises(StoreUnavailable, match="newer charge-tui"):
        Database(db_url)


def _make_table(db_url: str, name: str) -> None:
    """Another application's table in the database, before charge-tui ever opened it."""
    other = Database(db_url, create=False)
    with other.write() as conn:
        conn.exec_driver_sql(f"CREATE TABLE {name} (name VARCHAR(40))")
        conn.exec_driver_sql(f"INSERT INTO {name} VALUES ('ann')")
    other.dispose()


def _tables(db_url: str) -> set[str]:
    probe = Database(db_url, create=False)
    with probe.read() as conn:
        names = set(inspect(conn).get_table_names())
    probe.dispose()
    return names


def test_a_database_of_ours_without_a_version_is_refused_and_left_alone(db_url):
    # On both back ends: a table named like ours, but no schema_meta (not a store we wrote).
    _make_table(db_url, "reservations")
    with pytest.raises(StoreUnavailable, match=r"not a charge-tui database \(.+\).*reservations"):
        Database(db_url)
    assert _tables(db_url) == {"reservations"}


def test_another_applications_sqlite_file_is_refused_and_left_alone(tmp_path):
    url = f"sqlite:///{tmp_path / 'contacts.db'}"
    _make_table(url, "contacts")
    with pytest.raises(StoreUnavailable, match="not a charge-tui database.*contacts"):
        Database(url)
    assert _tables(url) == {"contacts"}


def test_upgrade_itself_refuses_a_sqlite_file_with_other_tables(tmp_path):
    # What Database checks before connecting, the upgrade checks again inside its transaction.
    url = f"sqlite:///{tmp_path / 'contacts.db'}"
    _make_table(url, "contacts")
    raw = Database(url, create=False)
    with pytest.raises(StoreUnavailable, match="contacts"), raw.write() as conn:
        migrations.upgrade(conn, raw.dialect)
    raw.dispose()
    assert _tables(url) == {"contacts"}


def test_postgresql_shares_a_database_with_other_applications(db_url, clock):
    if not db_url.startswith("postgresql"):
        pytest.skip("a SQLite file holding other tables is refused (test above)")
    _make_table(db_url, "contacts")
    db = Database(db_url)
    assert {"contacts", "reservations", "schema_meta"} <= _tables(db_url)
    r = ReservationService(db, clock=clock).create(params())
    assert ReservationService(db, clock=clock).retrieve(r.id) == r
    db.dispose()


def test_postgresql_refuses_double_booking_itself(db, service, network):
    if db.dialect != "postgresql":
        pytest.skip("the exclusion constraint is PostgreSQL's; SQLite serialises writers")
    a = service.confirm(service.create(params()).id)
    b = service.create(params())
    with pytest.raises(IntegrityError), db.write() as conn:  # bypass the service on purpose
        conn.execute(
            text(
                "UPDATE reservations SET status='confirmed', evse=:e, charging_station=:s, "
                "scheduled_start_time=:st, scheduled_end_time=:en WHERE id=:id"
            ),
            {
                "e": a.evse,
                "s": a.charging_station,
                "st": a.scheduled_start_time + 60,
                "en": a.scheduled_end_time + 60,
                "id": b.id,
            },
        )
    # Touching slots (end == start) are fine: ranges are half-open.
    with db.write() as conn:
        conn.execute(
            text(
                "UPDATE reservations SET status='confirmed', evse=:e, charging_station=:s, "
                "scheduled_start_time=:st, scheduled_end_time=:en WHERE id=:id"
            ),
            {
                "e": a.evse,
                "s": a.charging_station,
                "st": a.scheduled_end_time,
                "en": a.scheduled_end_time + 1800,
                "id": b.id,
            },
        )


def test_events_cannot_be_rewritten(db, service):
    service.create(params())
    for stmt in ("UPDATE reservation_events SET actor = 'x'", "DELETE FROM reservation_events"):
        with pytest.raises(DatabaseError, match="append-only"), db.write() as conn:
            conn.execute(text(stmt))


def test_postgresql_race_for_a_slot_is_a_clean_refusal(db, network, clock):
    """Two transactions book overlapping slots on one EVSE at once (each unaware of the other):
    the database refuses the second at commit and the service reports ``slot_unavailable``."""
    if db.dialect != "postgresql":
        pytest.skip("SQLite serialises writers, so this race cannot happen there")
    first = ReservationService(db, clock=clock)
    second = ReservationService(Database(db.url), clock=clock)
    a = first.create(params())
    b = first.create(params())
    evse = first.confirm(first.create(params()).id).evse  # find a usable EVSE ...
    first.cancel(first.list(status="confirmed").data[0].id)  # ... and free it again
    a_flushed, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def book_a():
        with first.transaction() as uow:
            uow.confirm(a.id, evse_id=evse)
            uow.flush()
            a_flushed.set()
            release.wait(10)

    def book_b():
        a_flushed.wait(10)
        try:
            second.confirm(b.id, evse_id=evse)  # its look-up cannot see a's uncommitted slot
            outcome["b"] = "confirmed"
        except ChargeError as exc:
            outcome["b"] = exc.code

    ta, tb = threading.Thread(target=book_a), threading.Thread(target=book_b)
    ta.start()
    tb.start()
    a_flushed.wait(10)
    time.sleep(0.5)  # let b reach the constraint check and wait on a's transaction
    release.set()
    ta.join(10)
    tb.join(10)
    assert outcome["b"] == "slot_unavailable"
    assert first.retrieve(a.id).status.value == "confirmed"
    assert first.retrieve(b.id).status.value == "pending"
    second.db.dispose()
