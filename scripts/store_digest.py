"""sha256 of a store's content: every table's rows in primary-key order (independent of page layout)."""

import hashlib
import sqlite3
import sys

path = sys.argv[1]
conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
h = hashlib.sha256()
tables = [
    r[0]
    for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    )
]
for t in tables:
    h.update(t.encode())
    for row in conn.execute(f"SELECT * FROM {t} ORDER BY 1"):
        h.update(repr(row).encode())
print(h.hexdigest(), path)
