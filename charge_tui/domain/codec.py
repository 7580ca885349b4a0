"""The reservation's one codec: a table of its columns, from which every form of it is derived.

Each :class:`Column` says where its value lives in :class:`~charge_tui.domain.model.Reservation`
(a field, or a part of a nested object such as ``service_area.latitude``), how the store encodes
it, whether a transition may change it, and whether it is part of the API object of SPEC §2. A
:class:`Codec` derives from that table, and from nothing else:

- the row tuple the store inserts, and the reservation read back from a row (:meth:`Codec.values`,
  :meth:`Codec.from_values`, :meth:`Codec.from_mapping`);
- the columns a transition may change (:attr:`Codec.mutable`) and the update of those that did
  (:meth:`Codec.changed`);
- the flat tuple the simulator's request process sends (:meth:`Codec.flat`, :meth:`Codec.from_flat`);
- the API object (:meth:`Codec.api`, :attr:`Codec.api_fields`) and the API value of one field
  (:meth:`Codec.api_value`, for the events' previous values);
- the SQL table (``store/tables.py`` builds it from :attr:`Codec.columns`).

Adding a column is a line in :data:`COLUMNS`, the field on ``Reservation``, and a migration.

The functions on the hot paths (a simulated day encodes and decodes a few hundred thousand rows)
are generated once from the table as Python source, as :mod:`dataclasses` generates ``__init__``,
so a row costs what hand-written code would. Objects are built by setting their slots directly
(the dataclasses are frozen; their ``__init__`` only assigns).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from charge_tui.domain.enums import ConnectorType, FailureReason, Status
from charge_tui.domain.model import CancellationPolicy, Reservation, ServiceArea

#: Encodings a column may have (the store type of each is chosen in ``store/tables.py``).
KINDS = frozenset({"text", "int", "time", "float", "status", "failure", "connectors", "json"})


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the reservations table and the value it holds."""

    name: str
    field: str
    kind: str
    #: The attribute of the nested object ``field`` holds (``service_area.latitude``).
    part: str | None = None
    #: A transition may change it (everything but the request itself).
    mutable: bool = False
    #: Part of the API object (else internal bookkeeping).
    api: bool = True
    nullable: bool = False
    primary_key: bool = False
    #: Longest text (``VARCHAR(n)``); None: unbounded.
    length: int | None = None


def _col(name: str, kind: str, **kw: Any) -> Column:
    return Column(name, name, kind, **kw)


_AREA, _POLICY = "service_area", "cancellation_policy"

#: The reservations table, in column order (which is also the API's field order).
COLUMNS: tuple[Column, ...] = (
    _col("id", "text", primary_key=True, length=32),
    _col("created", "time"),
    _col("updated", "time", mutable=True),
    _col("status", "status", mutable=True, length=16),
    _col("driver", "text"),
    _col("vehicle", "text"),
    _col("connector_types", "connectors"),
    _col("preferred_start_time", "time"),
    _col("preferred_end_time", "time"),
    _col("earliest_start_time", "time"),
    _col("latest_end_time", "time"),
    Column("area_latitude", _AREA, "float", part="latitude"),
    Column("area_longitude", _AREA, "float", part="longitude"),
    Column("area_radius_meters", _AREA, "int", part="radius_meters"),
    Column("metadata_json", "metadata", "json"),
    _col("payment_method", "text", nullable=True),
    _col("reservation_fee", "int", mutable=True),
    _col("currency", "text", mutable=True),
    Column(
        "free_cancellation_until", _POLICY, "time", part="free_cancellation_until", mutable=True
    ),
    Column("late_cancellation_fee", _POLICY, "int", part="late_cancellation_fee", mutable=True),
    Column("no_show_fee", _POLICY, "int", part="no_show_fee", mutable=True),
    Column("grace_period_seconds", _POLICY, "int", part="grace_period_seconds", mutable=True),
    _col("charging_station", "text", nullable=True, mutable=True),
    _col("evse", "text", nullable=True, mutable=True),
    _col("confirmed_at", "time", nullable=True, mutable=True),
    _col("scheduled_start_time", "time", nullable=True, mutable=True),
    _col("scheduled_end_time", "time", nullable=True, mutable=True),
    _col("failure_reason", "failure", nullable=True, mutable=True),
    _col("version", "int", mutable=True, api=False),
    _col("fees_charged", "int", mutable=True, api=False),
    _col("next_check_at", "time", nullable=True, mutable=True, api=False),
)

#: The classes of the nested fields.
NESTED: dict[str, type] = {_AREA: ServiceArea, _POLICY: CancellationPolicy}

STATUS_BY_VALUE: dict[str, Status] = {s.value: s for s in Status}
FAILURE_BY_VALUE: dict[str, FailureReason] = {f.value: f for f in FailureReason}


@functools.lru_cache(maxsize=512)
def parse_connectors(text: str) -> tuple[ConnectorType, ...]:
    """``"ccs1,nacs"`` as connector types (how the store writes them)."""
    return tuple(ConnectorType(c) for c in text.split(",") if c)


def connectors_text(types: Sequence[ConnectorType]) -> str:
    return ",".join(c.value for c in types)


#: ``json.dumps(value, sort_keys=True, separators=(",", ":"))`` with one encoder made once.
canonical_json = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode


def parse_metadata(text: str | None) -> dict[str, str]:
    return json.loads(text) if text and text != "{}" else {}


# ------------------------------------------------------------------------------ code generation
#: How each kind is written to the store (``X``: the value), and read back.
_TO_ROW = {
    "status": "{x}.value",
    "failure": "(None if {x} is None else {x}.value)",
    "connectors": "connectors_text({x})",
    "json": '(canonical_json(dict({x})) if {x} else "{{}}")',
}
_FROM_ROW = {
    "status": "STATUS_BY_VALUE[{x}]",
    "failure": "(FAILURE_BY_VALUE[{x}] if {x} else None)",
    "connectors": "parse_connectors({x})",
    "json": "parse_metadata({x})",
}
_TO_API = {
    "status": "{x}.value",
    "failure": "(None if {x} is None else {x}.value)",
    "connectors": "[c.value for c in {x}]",
    "json": "dict({x})",
}
_ENV = {
    "STATUS_BY_VALUE": STATUS_BY_VALUE,
    "FAILURE_BY_VALUE": FAILURE_BY_VALUE,
    "parse_connectors": parse_connectors,
    "connectors_text": connectors_text,
    "canonical_json": canonical_json,
    "parse_metadata": parse_metadata,
    "new": object.__new__,
}


def _compile(source: str, name: str, env: dict[str, Any]) -> Callable[..., Any]:
    namespace = dict(env)
    exec(compile(source, f"<codec {name}>", "exec"), namespace)  # noqa: S102
    return namespace[name]


class Codec:
    """Every form of an object whose fields :data:`COLUMNS`-like ``columns`` describe (see the
    module docstring). ``cls``: a frozen dataclass with slots; ``nested``: the classes of its
    nested fields; ``api_object``: the ``object`` member of its API form."""

    def __init__(
        self,
        columns: Sequence[Column],
        cls: type = Reservation,
        nested: Mapping[str, type] = NESTED,
        api_object: str = "reservation",
    ) -> None:
        self.columns = tuple(columns)
        self.cls = cls
        self.nested = dict(nested)
        self.names: tuple[str, ...] = tuple(c.name for c in self.columns)
        #: Columns a transition may change, in table order.
        self.mutable: tuple[str, ...] = tuple(c.name for c in self.columns if c.mutable)
        self._check()
        self.fields: tuple[str, ...] = tuple(dict.fromkeys(c.field for c in self.columns))
        api = [c for c in self.columns if c.api]
        api_fields = list(dict.fromkeys(c.field for c in api))
        api_fields.insert(1, "object")
        #: The API object's fields, in order.
        self.api_fields: tuple[str, ...] = tuple(api_fields)
        #: API fields a transition may change, in API order (``updated`` aside: it is never
        #: reported as a previous value).
        self.changeable_api_fields: tuple[str, ...] = tuple(
            dict.fromkeys(c.field for c in api if c.mutable and c.field != "updated")
        )
        self.api_object = api_object
        env = {**_ENV, "cls": cls, **{f"N_{k}": v for k, v in self.nested.items()}}
        for f in self.fields:
            env[f"set_{f}"] = getattr(cls, f).__set__
        for field, kind in self.nested.items():
            for part in (c.part for c in self.columns if c.field == field):
                env[f"set_{field}__{part}"] = getattr(kind, part).__set__
        self.values: Callable[[Any], tuple[Any, ...]] = _compile(
            self._encoder("values", _TO_ROW), "values", env
        )
        self.from_values: Callable[[Sequence[Any]], Any] = _compile(
            self._decoder("from_values", _FROM_ROW), "from_values", env
        )
        flat_out = {k: v for k, v in _TO_ROW.items() if k != "json"}
        flat_in = {k: v for k, v in _FROM_ROW.items() if k != "json"}
        self.flat: Callable[[Any], tuple[Any, ...]] = _compile(
            self._encoder("flat", flat_out), "flat", env
        )
        self.from_flat: Callable[[Sequence[Any]], Any] = _compile(
            self._decoder("from_flat", flat_in), "from_flat", env
        )
        self.changed: Callable[[Any, Any], dict[str, Any]] = _compile(
            self._changed(), "changed", env
        )
        self.api: Callable[[Any], dict[str, Any]] = _compile(self._api(), "api", env)
        self._api_values = {f: self._api_value_of(f) for f in self.fields}

    def _check(self) -> None:
        covered = {c.field for c in self.columns}
        missing = [f.name for f in fields(self.cls) if f.name not in covered]
        if missing:
            raise ValueError(f"no column holds {', '.join(missing)}")
        for c in self.columns:
            if c.kind not in KINDS:
                raise ValueError(f"column {c.name}: unknown kind {c.kind!r}")
            if (c.part is None) == (c.field in self.nested):
                raise ValueError(f"column {c.name}: a part is needed exactly for nested fields")

    # -------------------------------------------------------------------- sources
    def _getter(self, c: Column) -> str:
        return f"r.{c.field}" if c.part is None else f"n_{c.field}.{c.part}"

    def _encoder(self, name: str, kinds: Mapping[str, str]) -> str:
        lines = [f"def {name}(r):"]
        lines += [f"    n_{f} = r.{f}" for f in self.nested]
        items = [kinds.get(c.kind, "{x}").format(x=self._getter(c)) for c in self.columns]
        lines.append("    return (" + ", ".join(items) + ",)")
        return "\n".join(lines)

    def _decoder(self, name: str, kinds: Mapping[str, str]) -> str:
        lines = [f"def {name}(v):", "    o = new(cls)"]
        for field, _kind in self.nested.items():
            lines.append(f"    n_{field} = new(N_{field})")
        for i, c in enumerate(self.columns):
            value = kinds.get(c.kind, "{x}").format(x=f"v[{i}]")
            if c.part is None:
                lines.append(f"    set_{c.field}(o, {value})")
            else:
                lines.append(f"    set_{c.field}__{c.part}(n_{c.field}, {value})")
        lines += [f"    set_{f}(o, n_{f})" for f in self.nested]
        lines.append("    return o")
        return "\n".join(lines)

    def _changed(self) -> str:
        lines = ["def changed(old, new):", "    out = {}"]
        opened: str | None = None
        for c in self.columns:
            if not c.mutable:
                continue
            if c.part is not None and opened != c.field:
                # A nested object is immutable: the same object means the same parts.
                lines.append(f"    po, pn = old.{c.field}, new.{c.field}")
                lines.append("    if po is not pn:")
                opened = c.field
            elif c.part is None:
                opened = None
            differs = "is not" if c.kind in ("status", "failure") else "!="
            if c.part is None:
                a, b, indent = f"old.{c.field}", f"new.{c.field}", "    "
            else:
                a, b, indent = f"po.{c.part}", f"pn.{c.part}", "        "
            lines.append(f"{indent}if {a} {differs} {b}:")
            lines.append(f"{indent}    out[{c.name!r}] = {_TO_ROW.get(c.kind, '{x}').format(x=b)}")
        lines.append("    return out")
        return "\n".join(lines)

    def _api(self) -> str:
        lines = ["def api(r):"]
        lines += [f"    n_{f} = r.{f}" for f in self.nested]
        items: list[str] = []
        done: set[str] = set()
        for c in self.columns:
            if not c.api or c.field in done:
                continue
            done.add(c.field)
            if c.part is None:
                items.append(f"{c.field!r}: {_TO_API.get(c.kind, '{x}').format(x=f'r.{c.field}')}")
            else:
                parts = [
                    f"{p.part!r}: {_TO_API.get(p.kind, '{x}').format(x=f'n_{c.field}.{p.part}')}"
                    for p in self.columns
                    if p.field == c.field
                ]
                items.append(f"{c.field!r}: {{{', '.join(parts)}}}")
            if len(items) == 1:
                items.append(f"'object': {self.api_object!r}")
        lines.append("    return {" + ", ".join(items) + "}")
        return "\n".join(lines)

    def _api_value_of(self, field: str) -> Callable[[Any], Any]:
        cols = [c for c in self.columns if c.field == field]
        if cols[0].part is None:
            source = f"def conv(x):\n    return {_TO_API.get(cols[0].kind, '{x}').format(x='x')}"
        else:
            parts = [
                f"{c.part!r}: {_TO_API.get(c.kind, '{x}').format(x=f'x.{c.part}')}" for c in cols
            ]
            source = "def conv(x):\n    return {" + ", ".join(parts) + "}"
        return _compile(source, "conv", _ENV)

    # -------------------------------------------------------------------- the rest
    def api_value(self, field: str, value: Any) -> Any:
        """The API form of the value of ``field`` (a status as its text, a nested object as a
        dict, ...)."""
        return self._api_values[field](value)

    def from_mapping(self, row: Mapping[str, Any]) -> Any:
        """The object a row read by column name holds."""
        return self.from_values([row[n] for n in self.names])

    def to_row(self, r: Any) -> dict[str, Any]:
        """Column name -> value, every column."""
        return dict(zip(self.names, self.values(r), strict=True))

    @property
    def select_list(self) -> str:
        """Every column, in order, for a ``SELECT`` read back with :meth:`from_values`."""
        return ", ".join(self.names)


#: The reservation's codec.
RESERVATION = Codec(COLUMNS)
