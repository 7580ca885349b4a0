"""The two back ends every store-level test runs on: SQLite files, and a real PostgreSQL server.

PostgreSQL comes from ``$CHARGE_TUI_TEST_PG`` (a SQLAlchemy URL; ``.ci/run`` starts a private
server and sets it), or, when that is unset and Debian's PostgreSQL binaries are installed, from a
throw-away server this test session starts itself with ``scripts/pg_server.sh``. Each test gets a
fresh schema of its own (``search_path``), dropped afterwards. With neither, the PostgreSQL cases
are skipped, saying why.
"""

from __future__ import annotations

import glob
import os
import subprocess
import tempfile
import uuid
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine

ROOT = Path(__file__).resolve().parent.parent
ENV_PG = "CHARGE_TUI_TEST_PG"


class PgServer:
    def __init__(self) -> None:
        self.url: str | None = os.environ.get(ENV_PG) or None
        self.why_not = ""
        self._dir: str | None = None
        if self.url is None:
            if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
                self.why_not = f"no PostgreSQL: set {ENV_PG} or apt-get install postgresql"
                return
            self._dir = tempfile.mkdtemp(prefix="charge-tui-pg-")
            os.chmod(self._dir, 0o755)
            out = subprocess.run(
                ["bash", str(ROOT / "scripts" / "pg_server.sh"), "start", self._dir],
                capture_output=True,
                text=True,
                timeout=120,
            )
            if out.returncode != 0:
                self.why_not = f"could not start PostgreSQL: {out.stderr.strip()[:300]}"
                return
            self.url = out.stdout.strip()
        eng = create_engine(self.url, isolation_level="AUTOCOMMIT")
        with eng.connect() as conn:
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public")
        eng.dispose()

    def schema_url(self) -> tuple[str, str]:
        assert self.url
        schema = "t_" + uuid.uuid4().hex[:12]
        eng = create_engine(self.url, isolation_level="AUTOCOMMIT")
        with eng.connect() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        eng.dispose()
        sep = "&" if "?" in self.url else "?"
        return f"{self.url}{sep}options={quote(f'-csearch_path={schema},public')}", schema

    def drop(self, schema: str) -> None:
        eng = create_engine(self.url, isolation_level="AUTOCOMMIT")
        with eng.connect() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        eng.dispose()

    def stop(self) -> None:
        if self._dir:
            subprocess.run(
                ["bash", str(ROOT / "scripts" / "pg_server.sh"), "stop", self._dir],
                capture_output=True,
                timeout=120,
            )
