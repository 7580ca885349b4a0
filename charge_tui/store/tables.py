"""The store's tables. Reservations are stored flat (service area and cancellation policy as
columns); their columns come from the reservation codec (``domain/codec.py``), the indexes are
here."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, Index, Integer, String, Table, Text, text
from sqlmodel import Field, SQLModel

from charge_tui.domain.codec import RESERVATION, Codec


class StationRow(SQLModel, table=True):
    __tablename__ = "stations"
    __table_args__ = (
        Index("ix_stations_lat_lon", "latitude", "longitude"),
        # The station board pages stations by name (keyset on name, id).
        Index("ix_stations_name_id", "name", "id"),
    )

    id: str = Field(primary_key=True, max_length=64)
    name: str
    latitude: float
    longitude: float
    address: str
    currency: str = "usd"
    reservation_fee: int = 300
    late_cancellation_fee: int = 300
    no_show_fee: int = 200
    grace_period_seconds: int = 1200
    free_cancellation_seconds: int = 86400
    created: int = Field(sa_column=Column(BigInteger, nullable=False))


class EvseRow(SQLModel, table=True):
    __tablename__ = "evses"
    # The change token's look-up of out-of-order EVSEs (a few, among thousands).
    __table_args__ = (Index("ix_evses_status_id", "status", "id"),)

    id: str = Field(primary_key=True, max_length=64)
    station_id: str = Field(foreign_key="stations.id", index=True)
    #: Comma-separated connector types, e.g. ``ccs1,chademo``.
    connector_types: str
    power_kw: float
    status: str = "available"


#: The store type of each kind of reservation column (see ``domain/codec.py``).
_SQL_TYPES = {
    "text": String,
    "int": Integer,
    "time": BigInteger,
    "float": Float,
    "status": String,
    "failure": String,
    "connectors": String,
    "json": Text,
}


def reservation_columns(codec: Codec = RESERVATION) -> list[Column]:
    """The reservations table's columns, from the codec's table."""
    out = []
    for c in codec.columns:
        kind = _SQL_TYPES[c.kind]
        sql_type = kind(c.length) if c.length else kind()
        default = "{}" if c.kind == "json" else None
        out.append(
            Column(
                c.name,
                sql_type,
                primary_key=c.primary_key,
                nullable=c.nullable,
                default=default,
            )
        )
    return out


reservations = Table(
    "reservations",
    SQLModel.metadata,
    *reservation_columns(),
    # List screen: newest first, overall and per status (keyset on created, id).
    Index("ix_reservations_created_id", "created", "id"),
    Index("ix_reservations_status_created_id", "status", "created", "id"),
    # Slot look-ups: what holds an EVSE around a time.
    Index("ix_reservations_evse_start", "evse", "scheduled_start_time"),
    # The engine's work queue: what is due, per status.
    Index("ix_reservations_status_next_check", "status", "next_check_at"),
    Index("ix_reservations_driver", "driver"),
    # Console list (store/listing.py): the other sort orders, overall and per status, keyset on
    # (sort value, id); exact and prefix search on vehicle and station.
    Index("ix_reservations_preferred_id", "preferred_start_time", "id"),
    Index("ix_reservations_status_preferred_id", "status", "preferred_start_time", "id"),
    # Also the live refresh's "what changed since" and max(updated).
    Index("ix_reservations_updated_id", "updated", "id"),
    Index("ix_reservations_status_updated_id", "status", "updated", "id"),
    Index("ix_reservations_vehicle", "vehicle"),
    Index("ix_reservations_station", "charging_station"),
    # The KPI strip's held slots by start, across EVSEs (only rows that hold a slot: pending
    # ones cost nothing).
    Index(
        "ix_reservations_held_start",
        "scheduled_start_time",
        sqlite_where=text("scheduled_start_time IS NOT NULL"),
        postgresql_where=text("scheduled_start_time IS NOT NULL"),
    ),
)


class EventRow(SQLModel, table=True):
    """Append-only (triggers refuse UPDATE and DELETE)."""

    __tablename__ = "reservation_events"
    __table_args__ = (Index("ix_events_reservation_seq", "reservation_id", "seq"),)

    seq: int | None = Field(default=None, primary_key=True)
    id: str = Field(sa_column=Column(String(32), unique=True, nullable=False))
    reservation_id: str = Field(max_length=32)
    type: str
    created: int = Field(sa_column=Column(BigInteger, nullable=False))
    actor: str
    status: str
    previous_json: str = Field(sa_column=Column(Text, nullable=False, default="{}"))
    data_json: str = Field(sa_column=Column(Text, nullable=False, default="{}"))


class IdempotencyRow(SQLModel, table=True):
    __tablename__ = "idempotency_keys"

    key: str = Field(primary_key=True, max_length=255)
    request_hash: str
    reservation_id: str
    created: int = Field(sa_column=Column(BigInteger, nullable=False))


class MetaRow(SQLModel, table=True):
    __tablename__ = "schema_meta"

    key: str = Field(primary_key=True, max_length=64)
    value: str


stations = StationRow.__table__
evses = EvseRow.__table__
events = EventRow.__table__
idempotency = IdempotencyRow.__table__
meta = MetaRow.__table__

#: A reservation's status in a form no index serves, for reads that must go by another index:
#: without statistics, SQLite's planner prefers ``(status, next_check_at)`` for a status test
#: and reads every confirmed row, rather than a range of slots by EVSE or by start.
unindexed_status = reservations.c.status.concat("")
