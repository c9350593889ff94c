"""SQLite storage of the reference server: one table of JSON documents, scoped by tenant.

Every request runs as one atomic unit on one connection, so a request sees and leaves a
consistent state; with a file database and ``synchronous=FULL`` an acknowledged write survives a
killed process (and a power cut). Several server processes on one file wait on SQLite's lock
(``busy_timeout``) instead of failing.

**Group commit** (file databases): a request's work is a savepoint inside one open transaction,
and the request is answered only after ``durable()``, which commits, with one fsync, everything
the requests handled since the last commit. Under load many requests share an fsync; alone, a
request commits at once. A failed request rolls back to its savepoint and leaves nothing. A store
subclass that replaces ``transaction()`` (the faulty servers of tests/mutants do) opts out.

"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
    kind       TEXT NOT NULL,
    id         TEXT NOT NULL,
    tenant     TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    unique_key TEXT,
    data       TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE UNIQUE INDEX IF NOT EXISTS resources_unique ON resources (kind, unique_key) WHERE unique_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS resources_tenant ON resources (kind, tenant, seq);
CREATE INDEX IF NOT EXISTS resources_seq ON resources (seq);  -- MAX(seq) per insert, not a table scan
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

MAX_DEFERRALS = 8  # loop turns a group commit waits for requests still under way

SORT_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")  # a field name, safe to put in json_extract


@dataclass(frozen=True)
class Page:
    """One page of documents plus the exact total."""

    items: list[dict[str, Any]]
    total: int


class Store:
    """A tenant-scoped document store on SQLite (stdlib ``sqlite3``)."""

    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
        self._db.execute("PRAGMA busy_timeout = 30000")
        if path != ":memory:":
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = FULL")
        self._db.executescript(SCHEMA)
        self._group_open = False
        self._waiters: list[asyncio.Future[None]] = []
        self._flush_scheduled = False
        self._active = 0
        self._deferred = 0

    def close(self) -> None:
        """Close the connection (committing an open group first)."""
        with self._lock:
            self._commit_group()
            self._db.close()

    @property
    def grouped(self) -> bool:
        """Whether requests share commits (a file database, and ``transaction`` not replaced)."""
        return self.path != ":memory:" and type(self).transaction is Store.transaction

    @contextmanager
    def unit(self) -> Iterator[Tx]:
        """One request's work: its own transaction, or a savepoint in the open group (then ``durable``)."""
        if not self.grouped:
            with self.transaction() as tx:
                yield tx
            return
        with self._lock:
            if not self._group_open:
                self._db.execute("BEGIN IMMEDIATE")
                self._group_open = True
            self._db.execute("SAVEPOINT unit")
            try:
                yield Tx(self._db)
            except BaseException:
                self._db.execute("ROLLBACK TO unit")
                self._db.execute("RELEASE unit")
                raise
            self._db.execute("RELEASE unit")

    async def durable(self) -> None:
        """Return once every unit so far is committed: one commit (one fsync) for all who wait now."""
        if not self._group_open:
            return
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.append(waiter)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            loop.call_soon(self._flush)  # after the requests already ready to run: they join this commit
        await waiter

    @contextmanager
    def serving(self) -> Iterator[None]:
        """Count a request in progress: a commit waits a little for those that will join it."""
        self._active += 1
        try:
            yield
        finally:
            self._active -= 1

    def _flush(self) -> None:
        loop = asyncio.get_running_loop()  # a call_soon callback: the loop is running
        if len(self._waiters) < self._active and self._deferred < MAX_DEFERRALS:
            # other requests are under way (reading their bodies, validating): let them reach this
            # commit instead of paying an fsync each; a few loop turns at most, so a lone write is not held
            self._deferred += 1
            loop.call_soon(self._flush)
            return
        self._deferred = 0
        self._flush_scheduled = False
        waiters, self._waiters = self._waiters, []
        try:
            with self._lock:
                self._commit_group()
        except Exception as exc:  # the requests waiting on it fail (500); none is answered as stored
            for w in waiters:
                if not w.done():
                    w.set_exception(exc)
            return
        for w in waiters:
            if not w.done():
                w.set_result(None)

    def _commit_group(self) -> None:
        if self._group_open:
            self._group_open = False
            self._db.execute("COMMIT")

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """One atomic unit of work; commits on success, rolls back on any exception."""
        with self._lock:
            self._commit_group()
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(self._db)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            else:
                self._db.execute("COMMIT")

    def meta(self, key: str, default: str) -> str:
        """Read a setting, storing ``default`` the first time (e.g. the development token)."""
        with self.transaction() as tx:
            row = tx.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            if row is not None:
                return str(row[0])
            tx.db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, default))
            return default


class Tx:
    """Operations inside one transaction."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def insert(self, kind: str, tenant: str, data: dict[str, Any], *, unique_key: str | None = None) -> dict[str, Any]:
        """Store a new document; mints its id when it has none."""
        doc = {"id": data.get("id") or str(uuid.uuid4()), **{k: v for k, v in data.items() if k != "id"}}
        seq = self.db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM resources").fetchone()[0]
        self.db.execute(
            "INSERT INTO resources (kind, id, tenant, seq, unique_key, data) VALUES (?, ?, ?, ?, ?, ?)",
            (kind, doc["id"], tenant, seq, unique_key, json.dumps(doc)),
        )
        return doc

    def get(self, kind: str, tenant: str, id_: str) -> dict[str, Any] | None:
        """The tenant's document of that kind and id, or None (another tenant's is None too)."""
        row = self.db.execute(
            "SELECT data FROM resources WHERE kind = ? AND id = ? AND tenant = ?", (kind, id_, tenant)
        ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def find_unique(self, kind: str, unique_key: str) -> tuple[str, dict[str, Any]] | None:
        """(tenant, document) holding a unique key in any tenant, or None."""
        row = self.db.execute(
            "SELECT tenant, data FROM resources WHERE kind = ? AND unique_key = ?", (kind, unique_key)
        ).fetchone()
        return None if row is None else (str(row[0]), dict(json.loads(row[1])))

    def update(self, kind: str, tenant: str, doc: dict[str, Any]) -> None:
        """Replace a stored document (same id)."""
        cur = self.db.execute(
            "UPDATE resources SET data = ? WHERE kind = ? AND id = ? AND tenant = ?",
            (json.dumps(doc), kind, doc["id"], tenant),
        )
        if cur.rowcount != 1:
            raise KeyError((kind, doc["id"]))

    def delete(self, kind: str, tenant: str, id_: str) -> None:
        """Remove a document."""
        self.db.execute("DELETE FROM resources WHERE kind = ? AND id = ? AND tenant = ?", (kind, id_, tenant))

    def page(self, kind: str, tenant: str, *, page: int, size: int, sort: str | None, desc: bool) -> Page:
        """A page in a stable order: by ``sort`` (ties by creation), or by creation."""
        total = self.db.execute(
            "SELECT COUNT(*) FROM resources WHERE kind = ? AND tenant = ?", (kind, tenant)
        ).fetchone()[0]
        direction = "DESC" if desc else "ASC"
        if sort is not None:
            if not SORT_FIELD.fullmatch(sort):
                raise ValueError(sort)
            order = f"json_extract(data, '$.{sort}') {direction}, seq ASC"
        else:
            order = f"seq {direction}"
        rows = self.db.execute(
            f"SELECT data FROM resources WHERE kind = ? AND tenant = ? ORDER BY {order} LIMIT ? OFFSET ?",  # noqa: S608
            (kind, tenant, size, (page - 1) * size),
        ).fetchall()
        return Page([dict(json.loads(r[0])) for r in rows], int(total))
