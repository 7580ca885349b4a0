"""Object IDs: a prefix and 24 characters of [A-Za-z0-9].

Reservation and event ids are **time-ordered**: their first :data:`TIME_CHARS` characters are the
second they were made (the transaction's clock) in base 62, digits before capitals before small
letters, so they sort by creation time in byte order (SQLite's ``BINARY`` collation; a PostgreSQL
database with a linguistic collation may order them otherwise, which costs locality, nothing
else); the other 18 characters are random. New rows then land at the end of the unique indexes on
``id`` and close to each other in ``(reservation_id, seq)`` instead of on a random page each: a
mid-run tick of the throughput benchmark writes ~1,700 WAL frames instead of ~2,200 (README,
Performance). The format stays the one SPEC §1 gives (``rsv_`` + 24 characters of
``[A-Za-z0-9]``); nothing reads a time back out of an id, and ids made in the same second are
ordered at random. Station and EVSE ids (made once, with the network) are random throughout.

A seeded :class:`random.Random` makes them reproducible (simulator, screenshots); without one they
come from :mod:`secrets`.
"""

from __future__ import annotations

import random
import re
import string

ALPHABET = string.ascii_letters + string.digits
ID_LENGTH = 24
RESERVATION_ID_RE = re.compile(r"^rsv_[A-Za-z0-9]{24}$")
#: Base 62 in byte order: what the time prefix is written in.
SORTABLE = string.digits + string.ascii_uppercase + string.ascii_lowercase
#: Characters of the time prefix: 62**6 seconds reach beyond the year 3700.
TIME_CHARS = 6
_TIME_MAX = len(SORTABLE) ** TIME_CHARS - 1
_RANDOM_CHARS = ID_LENGTH - TIME_CHARS
#: Random bytes to characters: byte ``b`` below 248 (4 × 62) is ``ALPHABET[b % 62]``, the 8 bytes
#: above are dropped, so every character is equally likely (one C call per id, not one draw per
#: character).
_BYTE_TO_CHAR = bytes(ALPHABET.encode()[b % len(ALPHABET)] for b in range(256))
_DROPPED = bytes(range(4 * len(ALPHABET), 256))


def time_prefix(at: int) -> str:
    """``at`` (Unix seconds, clamped to what fits) as :data:`TIME_CHARS` base-62 characters that
    sort like the numbers."""
    n = min(max(0, int(at)), _TIME_MAX)
    out = []
    for _ in range(TIME_CHARS):
        n, r = divmod(n, 62)
        out.append(SORTABLE[r])
    return "".join(reversed(out))


class IdFactory:
    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng
        # (second, its prefix) of the last timed id, as one tuple: a thread sharing the factory
        # never pairs a second with another second's prefix.
        self._last: tuple[int | None, str] = (None, "")

    def _random(self, n: int) -> str:
        """``n`` characters of :data:`ALPHABET`, uniformly at random."""
        if self._rng is None:
            import secrets  # imports OpenSSL's hashes: not before an id is made (startup)

            draw = secrets.token_bytes
        else:
            draw = self._rng.randbytes
        # A byte is dropped with probability 1/32: n + 6 bytes nearly always give n characters.
        out = draw(n + 6).translate(_BYTE_TO_CHAR, _DROPPED)
        while len(out) < n:
            out += draw(8).translate(_BYTE_TO_CHAR, _DROPPED)
        return out[:n].decode("ascii")

    def new(self, prefix: str) -> str:
        """A random id (stations, EVSEs)."""
        return f"{prefix}_{self._random(ID_LENGTH)}"

    def timed(self, prefix: str, at: int) -> str:
        """A time-ordered id made at ``at`` (see the module docstring)."""
        last_at, head = self._last
        if at != last_at:
            head = time_prefix(at)
            self._last = (at, head)
        return f"{prefix}_{head}{self._random(_RANDOM_CHARS)}"

    def reservation(self, at: int) -> str:
        return self.timed("rsv", at)

    def event(self, at: int) -> str:
        return self.timed("evt", at)
