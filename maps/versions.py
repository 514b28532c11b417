"""This process's copy of the map data versions, kept current by PostgreSQL notifications.

Every map data request needs the data versions (its ETag and cache key). Rather
than asking the database each time, each process LISTENs on ``girrepo_maps``:
the version triggers NOTIFY there, and a notification is delivered only when
the writing transaction commits, exactly when the new version becomes visible.
A request then costs a non-blocking poll of the listening socket, and a cached
tile needs no query at all.

The watcher is per process (it reconnects after a fork) and thread-safe; if
its connection fails it answers None and callers read the table instead.
Inside a test transaction nothing commits, so tests that change data in one
turn it off (``GIRREPO_MAP_VERSION_WATCH = False``).
"""

import contextlib
import logging
import os
import threading

from django.conf import settings
from django.db import connection

CHANNEL = "girrepo_maps"
VERSIONS_SQL = "SELECT topic, version FROM maps_dataversion"

logger = logging.getLogger(__name__)


class VersionWatcher:
    def __init__(self):
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._conn = None
        self._versions: dict[str, int] | None = None

    def versions(self) -> dict[str, int] | None:
        """All topics' versions, or None when the watcher cannot say (read the table)."""
        with self._lock:
            try:
                if self._pid != os.getpid() or self._conn is None or self._conn.closed:
                    self._connect()
                self._conn.poll()
                if self._conn.notifies:
                    self._conn.notifies.clear()
                    self._versions = self._read()
                return self._versions
            except Exception:  # a lost connection must not take the map down
                logger.warning(
                    "map version watcher failed; reading versions directly", exc_info=True
                )
                self._close()
                return None

    def close(self) -> None:
        """Drop the listening connection (e.g. before the test database is dropped)."""
        with self._lock:
            self._close()

    def _connect(self) -> None:
        import psycopg2

        self._close()
        params = connection.get_connection_params()
        self._conn = psycopg2.connect(**params)
        self._conn.autocommit = True
        self._pid = os.getpid()
        with self._conn.cursor() as cur:
            # LISTEN first: a change committed in between is then both read and notified.
            cur.execute(f"LISTEN {CHANNEL}")
        self._versions = self._read()

    def _read(self) -> dict[str, int]:
        with self._conn.cursor() as cur:
            cur.execute(VERSIONS_SQL)
            return dict(cur.fetchall())

    def _close(self) -> None:
        # After a fork the connection belongs to the parent: drop it, never close it.
        if self._conn is not None and self._pid == os.getpid():
            with contextlib.suppress(Exception):  # closing a broken connection
                self._conn.close()
        self._conn = None
        self._versions = None


watcher = VersionWatcher()


def watching() -> bool:
    return getattr(settings, "GIRREPO_MAP_VERSION_WATCH", True)
