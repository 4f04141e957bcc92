"""One daemon at a time per tracker.

Two daemons on one tracker would close each period and send each email
twice as often as they should, so the daemon holds a lock for its whole
life and does nothing without it. For a workbook that is an exclusive
lock on ``<tracker>.daemon.lock`` beside the file, released by the
operating system if the process dies. A Google Sheet has no file to
lock, so the daemon keeps a lease in the Status tab instead: the row
"Daemon Lease" names the holder (host:pid) and when the lease runs out.
The holder renews it every cycle; another daemon takes it over only
after it has run out, which a stopped or crashed holder lets happen
after three sync intervals.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from filelock import FileLock, Timeout

from sheetops import schema
from sheetops.errors import TrackerError, TrackerMovedError
from sheetops.rules.validation import as_datetime
from sheetops.settings import Settings
from sheetops.sync.backend import Backend, Cell, RowGuard, identity
from sheetops.sync.ledger import Ledger

logger = logging.getLogger(__name__)

LOCK_SUFFIX = ".daemon.lock"
LEASE_ITEM = "Daemon Lease"
LEASE_SEPARATOR = " until "
LEASE_FORMAT = "%Y-%m-%d %H:%M:%S"
# A lease outlives three missed renewals, so one slow cycle never loses it.
LEASE_INTERVALS = 3


class DaemonLock(Protocol):
    """The right to act as the one daemon of a tracker."""

    def acquire(self, now: datetime) -> bool:
        """Take the lock, or renew it if held; False while someone else has it."""
        ...

    def holder(self) -> str:
        """Who holds the lock now, in words for the log."""
        ...

    def release(self, now: datetime) -> None:
        """Give the lock up, so the next daemon need not wait."""
        ...


def this_process() -> str:
    """The name a daemon goes by in locks and logs: host:pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


class FileDaemonLock:
    """An exclusive lock on ``<tracker>.daemon.lock``, held until released."""

    def __init__(self, tracker: Path, me: str | None = None) -> None:
        self.path = tracker.with_name(tracker.name + LOCK_SUFFIX)
        self.me = me or this_process()
        self._lock = FileLock(self.path, timeout=0)

    def acquire(self, now: datetime) -> bool:
        """Take the lock without waiting; True once it is ours."""
        if self._lock.is_locked:
            return True
        try:
            self._lock.acquire()
        except Timeout:
            return False
        # The lock file itself names the holder for the daemon that waits.
        self.path.write_text(f"{self.me} since {now:{LEASE_FORMAT}}\n")
        return True

    def holder(self) -> str:
        """The holder the lock file names, or that it can't be told."""
        try:
            text = self.path.read_text().strip()
        except OSError:
            text = ""
        return text or f"an unknown process (lock file {self.path})"

    def release(self, now: datetime) -> None:
        """Let go of the lock if we hold it."""
        if self._lock.is_locked:
            self._lock.release()


@dataclass(frozen=True)
class Lease:
    """The Status tab's Daemon Lease: who holds it and until when."""

    holder: str
    expires: datetime | None

    def text(self) -> str:
        """The lease as written in the Value cell."""
        until = self.expires.strftime(LEASE_FORMAT) if self.expires else ""
        return f"{self.holder}{LEASE_SEPARATOR}{until}"

    @classmethod
    def parse(cls, text: str) -> Lease:
        """A Value cell read back; a cell it can't read is an expired lease."""
        holder, _, until = text.partition(LEASE_SEPARATOR)
        return cls(holder.strip(), as_datetime(until.strip()) if until else None)


class LeaseLock:
    """A lease in the Status tab, for trackers with no file to lock."""

    def __init__(self, backend: Backend, length: timedelta, me: str | None = None):
        self.backend = backend
        self.length = length
        self.me = me or this_process()
        self._seen = Lease("", None)

    def acquire(self, now: datetime) -> bool:
        """Renew our lease, or take one that ran out; False if another holds it."""
        wall = now.replace(tzinfo=None, microsecond=0)
        status = Ledger.read(schema.STATUS, self.backend.read())
        row = status.find(LEASE_ITEM)
        current = (
            Lease.parse(str(status.table.raw(row, "value") or "")) if row else None
        )
        self._seen = current or Lease("", None)

        if current is not None and current.holder != self.me:
            if current.expires is not None and current.expires > wall:
                return False
            logger.warning("taking over the daemon lease %s ran out", current.text())

        lease = Lease(self.me, wall + self.length)
        try:
            _write_lease(self.backend, status, row, lease, wall)
        except TrackerMovedError:
            # Another daemon wrote the lease (or the tab) since our read.
            logger.info("the Status tab changed while taking the lease; will retry")
            return False
        self._seen = lease
        return True

    def holder(self) -> str:
        """The holder and expiry as last read."""
        return self._seen.text() if self._seen.holder else "nobody"

    def release(self, now: datetime) -> None:
        """End our lease now, if it is still ours."""
        status = Ledger.read(schema.STATUS, self.backend.read())
        row = status.find(LEASE_ITEM)
        if row is None:
            return
        current = Lease.parse(str(status.table.raw(row, "value") or ""))
        if current.holder != self.me:
            return
        wall = now.replace(tzinfo=None, microsecond=0)
        try:
            _write_lease(self.backend, status, row, Lease(self.me, wall), wall)
        except (TrackerError, OSError):
            logger.warning("could not end the daemon lease; it runs out by itself")


def _write_lease(
    backend: Backend, status: Ledger, row: int | None, lease: Lease, now: datetime
) -> None:
    """Write the lease, refused if the lease cell changed since it was read."""
    fields: dict[str, Cell] = {"value": lease.text(), "updated_at": now}
    if row is None:
        status.append({"item": LEASE_ITEM, **fields})
    else:
        status.update(row, fields)
        # Guard the value too: two daemons taking an expired lease at once
        # must not both succeed.
        table = status.table
        columns = tuple(table.positions[f] + 1 for f in ("item", "value"))
        held = identity([table.raw(row, "item"), table.raw(row, "value")])
        status.guards[row] = RowGuard(table.title, row, columns, held)
    status.save(backend)


def daemon_lock(
    backend: Backend, settings: Settings, me: str | None = None
) -> DaemonLock:
    """The lock that fits the tracker: a lock file for a workbook, else a lease."""
    from sheetops.sync.workbook import WorkbookBackend

    if isinstance(backend, WorkbookBackend):
        return FileDaemonLock(backend.path, me)
    length = timedelta(minutes=settings.daemon.sync_minutes * LEASE_INTERVALS)
    return LeaseLock(backend, length, me)
