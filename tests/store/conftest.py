"""Everything here runs on SQLite and on PostgreSQL."""

import pytest

from tests.conftest import both_backends_db

db = pytest.fixture(both_backends_db, name="db")
