"""How the embedded engine opens its SQLite files: WAL (readers never block the writer nor each
other), ``synchronous = NORMAL`` (durable at each checkpoint; a push that must survive a crash
asks for ``FULL`` itself), a long busy timeout, autocommit unless a transaction is begun."""

from __future__ import annotations

import sqlite3
from pathlib import Path

BUSY_TIMEOUT_S = 60.0


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_S
    )
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn
