"""An in-memory index of the station network for the engine's candidate look-ups.

The network is small next to the reservations (hundreds to tens of thousands of EVSEs) and changes
rarely (a fault, a repair, a new station), so the engine keeps it in memory, sorted by latitude,
and answers "which available EVSEs with an acceptable connector lie inside this service area" with
a binary search on latitude plus a distance check, instead of one SQL query per reservation.

:func:`charge_tui.store.queries.network_signature` is a cheap, index-only summary of the network
that changes whenever an EVSE changes status or a station or EVSE is added; the engine reloads the
index when it changes.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import replace
from itertools import repeat
from typing import TYPE_CHECKING

from charge_tui.domain.enums import ConnectorType, EvseStatus
from charge_tui.domain.geo import EARTH_RADIUS_M, bounding_box, haversine_m
from charge_tui.domain.model import Evse, ServiceArea, Station
from charge_tui.store import queries

if TYPE_CHECKING:
    from charge_tui.store.db import Connection

Candidate = tuple[Station, Evse, float]


class NetworkIndex:
    def __init__(self, stations: Sequence[Station]) -> None:
        self.stations = sorted(stations, key=lambda s: (s.latitude, s.id))
        self._lats = [s.latitude for s in self.stations]
        # Per station: its EVSEs with their connector sets (all, and the available ones).
        self._all: list[tuple[tuple[Evse, frozenset[ConnectorType]], ...]] = [
            tuple((e, frozenset(e.connector_types)) for e in sorted(s.evses, key=lambda e: e.id))
            for s in self.stations
        ]
        self._up = [
            tuple(x for x in evses if x[0].status is EvseStatus.AVAILABLE) for evses in self._all
        ]
        # Per station, every connector type of its available EVSEs (to skip it in one test).
        self._up_types = [frozenset().union(*(t for _e, t in evses)) for evses in self._up]
        self.evse_count = sum(len(s.evses) for s in stations)
        # A grid for nearest-first searches (:class:`OptionCursor`), its cells sized for about
        # one station each.
        self.cell_deg = _cell_size(self.stations)
        self.grid: dict[tuple[int, int], list[int]] = {}
        for k, st in enumerate(self.stations):
            self.grid.setdefault(self.cell(st.latitude, st.longitude), []).append(k)
        cells = list(self.grid) or [(0, 0)]
        self.extent = (
            min(c[0] for c in cells),
            max(c[0] for c in cells),
            min(c[1] for c in cells),
            max(c[1] for c in cells),
        )
        self.by_evse: dict[str, tuple[Station, Evse]] = {
            e.id: (s, e) for s in stations for e in s.evses
        }
        self._position = {s.id: k for k, s in enumerate(self.stations)}
        # Per grid cell, its stations with what the distance computation needs.
        self.cells: dict[tuple[int, int], tuple[tuple[float, float, float, float, str, int], ...]]
        self.cells = {
            cell: tuple(
                (
                    st.latitude,
                    st.longitude,
                    math.radians(st.latitude),
                    math.cos(math.radians(st.latitude)),
                    st.id,
                    k,
                )
                for k in ks
                for st in (self.stations[k],)
            )
            for cell, ks in self.grid.items()
        }
        # Per station position: acceptable connectors -> ids of its available EVSEs with one.
        self._usable: list[dict[frozenset[ConnectorType], tuple[str, ...]]] = [
            {} for _ in self.stations
        ]
        # Acceptable connectors -> ``cells`` without the stations that have no available EVSE
        # with one of them (built on first use, kept up to date by :meth:`set_status`).
        self._cells_for: dict[frozenset[ConnectorType], dict[tuple[int, int], tuple]] = {}

    def usable(self, k: int, wanted: frozenset[ConnectorType]) -> tuple[str, ...]:
        """Ids of the available EVSEs of station ``k`` with a connector in ``wanted``."""
        cache = self._usable[k]
        found = cache.get(wanted)
        if found is None:
            found = cache[wanted] = tuple(
                e.id for e, types in self._up[k] if not types.isdisjoint(wanted)
            )
        return found

    def cells_for(
        self, wanted: frozenset[ConnectorType]
    ) -> dict[tuple[int, int], tuple[tuple[float, float, float, float, str, int], ...]]:
        """``cells`` restricted to the stations with an available EVSE with a connector in
        ``wanted`` (the others are never candidates: a search need not look at them)."""
        found = self._cells_for.get(wanted)
        if found is None:
            found = self._cells_for[wanted] = {}
            for cell in self.cells:
                self._filter_cell(cell, wanted, found)
        return found

    def _filter_cell(
        self, cell: tuple[int, int], wanted: frozenset[ConnectorType], out: dict
    ) -> None:
        up_types = self._up_types
        kept = tuple(x for x in self.cells[cell] if not up_types[x[5]].isdisjoint(wanted))
        if kept:
            out[cell] = kept
        else:
            out.pop(cell, None)

    def cell(self, lat: float, lon: float) -> tuple[int, int]:
        return (math.floor(lat / self.cell_deg), math.floor(lon / self.cell_deg))

    def set_status(self, evse_id: str, status: EvseStatus) -> None:
        """Record a fault or a repair made in this process (the same as reloading)."""
        station, evse = self.by_evse[evse_id]
        evse = replace(evse, status=status)
        self.by_evse[evse_id] = (station, evse)
        k = self._position[station.id]
        self._usable[k] = {}
        self._all[k] = tuple(
            (evse, types) if e.id == evse_id else (e, types) for e, types in self._all[k]
        )
        self._up[k] = tuple(x for x in self._all[k] if x[0].status is EvseStatus.AVAILABLE)
        self._up_types[k] = frozenset().union(*(t for _e, t in self._up[k]))
        cell = self.cell(station.latitude, station.longitude)
        for wanted, by_cell in self._cells_for.items():
            self._filter_cell(cell, wanted, by_cell)

    @classmethod
    def load(cls, conn: Connection) -> NetworkIndex:
        return cls(queries.list_stations(conn))

    def candidates(
        self,
        area: ServiceArea,
        connector_types: Iterable[ConnectorType],
        *,
        available_only: bool = True,
    ) -> list[Candidate]:
        """Available EVSEs (or all, out of order too) with an acceptable connector on stations
        inside ``area``, with the station's distance from the centre, ordered by (station id, EVSE
        id) like the store's own :func:`queries.candidate_evses`."""
        per_station = self._up if available_only else self._all
        wanted = frozenset(connector_types)
        min_lat, max_lat, min_lon, max_lon = bounding_box(
            area.latitude, area.longitude, area.radius_meters
        )
        i = bisect.bisect_left(self._lats, min_lat)
        j = bisect.bisect_right(self._lats, max_lat)
        out: list[Candidate] = []
        for k in range(i, j):
            evses = per_station[k]
            if not evses:
                continue
            s = self.stations[k]
            if not min_lon <= s.longitude <= max_lon:
                continue
            d = haversine_m(area.latitude, area.longitude, s.latitude, s.longitude)
            if d > area.radius_meters:
                continue
            out.extend((s, e, d) for e, types in evses if not types.isdisjoint(wanted))
        out.sort(key=lambda c: (c[0].id, c[1].id))
        return out


def _cell_size(stations: Sequence[Station]) -> float:
    """Degrees per grid cell: about one station per cell, between ~200 m and ~10 km."""
    if len(stations) < 2:
        return 0.05
    lats = [s.latitude for s in stations]
    lons = [s.longitude for s in stations]
    area = max(1e-6, (max(lats) - min(lats)) * (max(lons) - min(lons)))
    return min(0.1, max(0.002, math.sqrt(area / len(stations))))


class OptionCursor:
    """The candidate EVSEs of one request, nearest station first, found on demand.

    ``take(n)`` returns the first ``n`` options ``(evse_id, distance_m)`` (available EVSEs with an
    acceptable connector on stations inside the area; nearest station first, then station id, then
    EVSE id), searching the grid ring by ring only as far as needed: a request whose nearest EVSEs
    have room never looks at the rest of a dense network.
    """

    def __init__(
        self, index: NetworkIndex, area: ServiceArea, connector_types: Iterable[ConnectorType]
    ) -> None:
        self.index = index
        self.area = area
        self.wanted = frozenset(connector_types)
        self.options: list[tuple[str, float]] = []
        self.done = False
        self._pending: list[tuple[float, str, int]] = []  # heap of stations found, not emitted
        self._ring = 0
        lat, lon, radius = area.latitude, area.longitude, area.radius_meters
        cell_deg = index.cell_deg
        floor = math.floor
        self._center = ci, cj = (floor(lat / cell_deg), floor(lon / cell_deg))  # index.cell()
        # The narrower side of a cell anywhere in the area, in metres, with a 2 % margin for the
        # difference between great-circle and grid distances.
        lat_m = cell_deg * math.pi / 180 * EARTH_RADIUS_M
        span = math.degrees(radius / EARTH_RADIUS_M) + cell_deg
        cos_lat = max(1e-6, math.cos(math.radians(min(89.9, abs(lat) + span))))
        self._cell_m = 0.98 * lat_m * cos_lat
        # Past the radius, or once the ring encloses every cell of the grid, nothing is left.
        i0, i1, j0, j1 = index.extent
        enclosing = max(abs(ci - i0), abs(ci - i1), abs(cj - j0), abs(cj - j1))
        self._max_ring = min(int(radius / self._cell_m) + 2, enclosing)
        self._bbox = min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius)
        # Only the cells in the bounding box's cell range (and in the grid) can hold a station
        # that passes the bounding-box test (a cell is floor(degrees / cell_deg), monotonic in
        # each coordinate), so the rings look only at those, and a ring past ``_covering`` (which
        # encloses the whole range) at none. Such rings still count: what ``take`` emits, and
        # when, does not change (an EVSE's status may change between two calls).
        r0, r1 = max(i0, floor(min_lat / cell_deg)), min(i1, floor(max_lat / cell_deg))
        c0, c1 = max(j0, floor(min_lon / cell_deg)), min(j1, floor(max_lon / cell_deg))
        self._range = (r0, r1, c0, c1)
        self._covering = -1 if r0 > r1 or c0 > c1 else max(ci - r0, r1 - ci, cj - c0, c1 - cj)

    def may_reach(self, station: Station) -> bool:
        """Whether ``station`` lies in the area (a metre of margin for rounding): only then can a
        change to its EVSEs change what this cursor returns. A cursor kept across such a change
        elsewhere returns what a new one would."""
        area = self.area
        d = haversine_m(area.latitude, area.longitude, station.latitude, station.longitude)
        return d <= area.radius_meters + 1.0

    def take(self, n: int) -> tuple[tuple[str, float], ...]:
        options = self.options
        if len(options) < n and not self.done:
            self._search(n)
        return tuple(options[:n])

    def complete_within(self, n: int) -> bool:
        """Whether the request has at most ``n`` options (all of them are in ``take(n)``)."""
        if len(self.options) <= n and not self.done:
            self._search(n + 1)
        return len(self.options) <= n

    def _search(self, n: int) -> None:
        """Search ring after ring, emitting the stations known to be the nearest after each,
        until ``n`` options are known or nothing is left."""
        idx = self.index
        area = self.area
        wanted = self.wanted
        options = self.options
        min_lat, max_lat, min_lon, max_lon = self._bbox
        cells = idx.cells_for(wanted)  # only stations with an acceptable available EVSE
        ci, cj = self._center
        r0, r1, c0, c1 = self._range
        max_ring = self._max_ring
        lat1, lon1, radius = area.latitude, area.longitude, area.radius_meters
        p1 = math.radians(lat1)
        cos_p1 = math.cos(p1)
        sin, asin, sqrt, radians = math.sin, math.asin, math.sqrt, math.radians
        two_r = 2 * EARTH_RADIUS_M
        push, pending = heapq.heappush, self._pending
        covering = self._covering
        cell_m = self._cell_m
        r = self._ring
        # One ring per iteration: ring ``r`` is searched, then the stations not farther than ``r``
        # whole cells are emitted; stop as soon as ``n`` options are known.
        while r <= max_ring:
            if r <= covering:
                # The ring's cells inside the range: whole rows at its top and bottom, the two
                # end columns in between.
                top, bottom, left, right = ci - r, ci + r, cj - r, cj + r
                full = range(max(left, c0), min(right, c1) + 1)
                ends = [j for j in (left, right) if c0 <= j <= c1]
                for i in range(max(top, r0), min(bottom, r1) + 1):
                    for j in full if i in (top, bottom) else ends:
                        for lat, lon, p2, cos_p2, sid, k in cells.get((i, j), ()):
                            if not (min_lat <= lat <= max_lat and min_lon <= lon <= max_lon):
                                continue
                            # haversine_m, with the station's terms computed once (the same
                            # result).
                            h = sqrt(
                                sin((p2 - p1) / 2) ** 2
                                + cos_p1 * cos_p2 * sin(radians(lon - lon1) / 2) ** 2
                            )
                            d = two_r * asin(h if h < 1.0 else 1.0)  # min(1.0, h)
                            if d <= radius:
                                push(pending, (d, sid, k))
            # Anything not yet seen lies at least ``r`` whole cells away.
            bound = r * cell_m
            if pending and pending[0][0] <= bound:
                self._emit(bound)
            r += 1
            self._ring = r
            if len(options) >= n:
                return
        # Past the last ring: all the rest, in order.
        self._emit(math.inf)
        self.done = True

    def _emit(self, bound: float) -> None:
        """Move the pending stations not farther than ``bound`` to the options, in order."""
        pending = self._pending
        idx = self.index
        wanted = self.wanted
        caches = idx._usable
        extend = self.options.extend
        pop = heapq.heappop
        while pending and pending[0][0] <= bound:
            d, _sid, k = pop(pending)
            ids = caches[k].get(wanted)  # idx.usable(k, wanted), inlined for its cached case
            if ids is None:
                ids = idx.usable(k, wanted)
            extend(zip(ids, repeat(d)))
