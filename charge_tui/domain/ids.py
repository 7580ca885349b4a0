"""Object IDs: a prefix and 24 characters of [A-Za-z0-9].

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
_N = float(len(ALPHABET))
_POSITIONS = range(ID_LENGTH)


class IdFactory:
    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng

    def new(self, prefix: str) -> str:
        if self._rng is None:
            import secrets  # imports OpenSSL's hashes: not before an id is made (startup)

            body = "".join(secrets.choice(ALPHABET) for _ in range(ID_LENGTH))
        else:
            # ``self._rng.choices(ALPHABET, k=ID_LENGTH)`` without its overhead: the same draws.
            rnd = self._rng.random
            body = "".join([ALPHABET[int(rnd() * _N)] for _ in _POSITIONS])
        return f"{prefix}_{body}"

    def reservation(self) -> str:
        return self.new("rsv")

    def event(self) -> str:
        return self.new("evt")
