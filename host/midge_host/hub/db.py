"""The hub's database connection: ``connect(url) -> Database``, migrated to the newest schema.

URLs: ``sqlite:///PATH`` (a relative path; ``sqlite:////abs/path`` an absolute one):
SQLite through the standard library, WAL journal, every commit synced;
``postgresql://USER:PASSWORD@HOST:PORT/DB`` (or ``postgres://``): PostgreSQL through
psycopg 3 (``pip install "psycopg[binary]"``).

``Database`` speaks one SQL with ``?`` placeholders to both:

- ``dialect``: ``"sqlite"`` or ``"postgresql"``;
- ``execute(sql, params=()) -> int``: rows changed;
- ``query(sql, params=()) -> list of tuples``;
- ``transaction()``: a context manager, re-entrant (only the outermost one commits);
  a statement outside one commits on its own;
- ``close()``.

``errors()``: the drivers' exception classes.

A Database may be shared between threads: a lock serializes its calls (and holds
for a whole transaction).
"""

import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

from midge_host.errors import MidgeError

URL_HINT = "use sqlite:///hub.db (a file) or postgresql://user:password@host:5432/midge"


def errors():
    """The exception classes of the database drivers (for callers that must stop cleanly on them)."""
    try:
        import psycopg
    except ImportError:
        return (sqlite3.Error,)
    return (sqlite3.Error, psycopg.Error)


def connect(url):
    """A migrated Database for ``url``; MidgeError when it cannot be opened."""
    from midge_host.hub import schema

    db = _open(url)
    try:
        schema.migrate(db)
    except BaseException:
        db.close()
        raise
    return db


def _open(url):
    if url.startswith("sqlite:///"):
        return _sqlite(url[len("sqlite:///"):])
    if url.startswith(("postgresql://", "postgres://")):
        return _postgresql(url)
    raise MidgeError(f"unknown database URL {url!r}", hint=URL_HINT)


def _sqlite(path):
    if not path:
        raise MidgeError("sqlite:/// needs a file path", hint=URL_HINT)
    path = Path(path)
    if not path.parent.is_dir():
        raise MidgeError(f"folder {path.parent} for the database does not exist", hint=f"mkdir -p {path.parent}")
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
    except sqlite3.Error as err:
        raise MidgeError(f"cannot open SQLite database {path}: {err}") from None
    return Database("sqlite", conn)


def _postgresql(url):
    try:
        import psycopg
    except ImportError:
        raise MidgeError("PostgreSQL needs psycopg 3", hint='pip install "psycopg[binary]"') from None
    try:
        conn = psycopg.connect(url, autocommit=True)
    except psycopg.Error as err:
        raise MidgeError(f"cannot connect to PostgreSQL: {str(err).strip()}",
                         hint="check the server is running and the URL's user, password, host, port and database") from None
    return Database("postgresql", conn)


class Database:
    def __init__(self, dialect, conn):
        self.dialect = dialect
        self._conn = conn
        self._lock = threading.RLock()
        self._depth = 0

    def _sql(self, sql):
        return sql.replace("?", "%s") if self.dialect == "postgresql" else sql

    def execute(self, sql, params=()):
        with self._lock:
            cur = self._conn.execute(self._sql(sql), params)
            return cur.rowcount

    def query(self, sql, params=()):
        with self._lock:
            return list(self._conn.execute(self._sql(sql), params).fetchall())

    @contextmanager
    def transaction(self):
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self
                finally:
                    self._depth -= 1
                return
            self._conn.execute("BEGIN IMMEDIATE" if self.dialect == "sqlite" else "BEGIN")
            self._depth = 1
            try:
                yield self
            except BaseException:
                self._depth = 0
                self._conn.execute("ROLLBACK")
                raise
            self._depth = 0
            self._conn.execute("COMMIT")

    def close(self):
        with self._lock:
            self._conn.close()
