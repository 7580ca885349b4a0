"""What the command line's tests share."""

from __future__ import annotations

import pytest

from tests.factories import NOW


@pytest.fixture
def env(db_url, monkeypatch):
    """The store every command uses: SQLite, then PostgreSQL (same tests, both back ends), and a
    frozen clock."""
    monkeypatch.setenv("CHARGE_TUI_DB", db_url)
    monkeypatch.setenv("CHARGE_TUI_NOW", str(NOW))
    return db_url
