"""One daemon at a time: the workbook's lock file and the Status-tab lease."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sheetops import schema
from sheetops.settings import Settings
from sheetops.sync.backend import Snapshot, WriteBatch
from sheetops.sync.lock import FileDaemonLock, LeaseLock, daemon_lock
from sheetops.sync.workbook import WorkbookBackend
from tests.daemon.conftest import jakarta, rows

LEASE = timedelta(minutes=15)


def test_a_second_daemon_cannot_take_the_lock_file_until_it_is_released(
    tracker: WorkbookBackend, settings: Settings
) -> None:
    now = jakarta(settings, 2026, 2, 1, 0, 0)
    first = FileDaemonLock(tracker.path, "host-a:101")
    second = FileDaemonLock(tracker.path, "host-b:202")

    assert first.acquire(now)
    assert first.acquire(now)
    assert not second.acquire(now)
    assert second.holder().startswith("host-a:101 since 2026-02-01 00:00")

    first.release(now)
    assert second.acquire(now)
    second.release(now)


def test_a_workbook_gets_a_lock_file_beside_it(
    tracker: WorkbookBackend, settings: Settings
) -> None:
    lock = daemon_lock(tracker, settings, "host-a:1")

    assert isinstance(lock, FileDaemonLock)
    assert lock.path == tracker.path.with_name("tracker.xlsx.daemon.lock")


def _lease_text(backend: WorkbookBackend) -> str:
    status = rows(backend, schema.STATUS)
    return str(status.loc[status["item"] == "Daemon Lease", "value"].iloc[0])


def test_a_lease_is_renewed_by_its_holder_and_refused_to_others(
    tracker: WorkbookBackend, settings: Settings
) -> None:
    start = jakarta(settings, 2026, 2, 1, 0, 0)
    first = LeaseLock(tracker, LEASE, "host-a:101")
    second = LeaseLock(WorkbookBackend(tracker.path), LEASE, "host-b:202")

    assert first.acquire(start)
    assert _lease_text(tracker) == "host-a:101 until 2026-02-01 00:15:00"
    assert not second.acquire(start + timedelta(minutes=5))
    assert second.holder() == "host-a:101 until 2026-02-01 00:15:00"

    assert first.acquire(start + timedelta(minutes=10))
    assert not second.acquire(start + timedelta(minutes=20))
    assert _lease_text(tracker) == "host-a:101 until 2026-02-01 00:25:00"


def test_an_expired_lease_is_taken_over(
    tracker: WorkbookBackend, settings: Settings
) -> None:
    start = jakarta(settings, 2026, 2, 1, 0, 0)
    first = LeaseLock(tracker, LEASE, "host-a:101")
    second = LeaseLock(tracker, LEASE, "host-b:202")
    first.acquire(start)

    assert second.acquire(start + timedelta(minutes=16))
    assert not first.acquire(start + timedelta(minutes=17))
    assert _lease_text(tracker) == "host-b:202 until 2026-02-01 00:31:00"


def test_a_released_lease_is_free_at_once(
    tracker: WorkbookBackend, settings: Settings
) -> None:
    start = jakarta(settings, 2026, 2, 1, 0, 0)
    first = LeaseLock(tracker, LEASE, "host-a:101")
    second = LeaseLock(tracker, LEASE, "host-b:202")
    first.acquire(start)

    first.release(start + timedelta(minutes=1))

    assert second.acquire(start + timedelta(minutes=1))


def test_two_daemons_taking_a_free_lease_at_once_leave_one_holder(
    tracker: WorkbookBackend, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = jakarta(settings, 2026, 2, 1, 0, 0)
    rival = LeaseLock(WorkbookBackend(tracker.path), LEASE, "host-b:202")
    real_write = WorkbookBackend.write
    won: list[bool] = []

    def rival_first(self: WorkbookBackend, batch: WriteBatch, snap: Snapshot) -> None:
        # Between our read and our write, the rival takes the lease.
        if self is not rival.backend and not won:
            won.append(rival.acquire(now))
        real_write(self, batch, snap)

    monkeypatch.setattr(WorkbookBackend, "write", rival_first)
    mine = LeaseLock(tracker, LEASE, "host-a:101")

    assert not mine.acquire(now)
    assert won == [True]
    assert _lease_text(tracker).startswith("host-b:202 ")
