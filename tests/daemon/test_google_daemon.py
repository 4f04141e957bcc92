"""Two daemons on one Google Sheet: the Status-tab lease lets one work."""

from __future__ import annotations

from datetime import time
from pathlib import Path

from sheetops import daemon, schema
from sheetops.daemon import Daemon, DailyAt, Job
from sheetops.settings import Settings
from sheetops.sync.lock import LeaseLock, daemon_lock
from sheetops.sync.setup import seed_grids
from tests.daemon.conftest import FakeClock, close_tracker, jakarta, rows
from tests.fakesheets import FakeSheetsServer
from tests.sync.test_google_helpers import key_file, open_backend
from tests.trackers import grid_rows


def test_a_second_daemon_on_a_google_sheet_waits_for_the_lease(
    quiet_settings: Settings,
    fake_sheets: FakeSheetsServer,
    fake_sheets_private_key: str,
    tmp_path: Path,
    outbox: Path,
) -> None:
    key = key_file(tmp_path, fake_sheets, fake_sheets_private_key)
    sheet = fake_sheets.store.create_spreadsheet("Support tracker")
    grids = seed_grids(quiet_settings, jakarta(quiet_settings, 2026, 2, 1))
    for name, tab_rows in close_tracker().items():
        grids[name] = grid_rows(schema.tab(name), tab_rows)
    first_backend = open_backend(quiet_settings, fake_sheets, key, sheet)
    first_backend.prepare(schema.TABS, grids)
    second_backend = open_backend(quiet_settings, fake_sheets, key, sheet)

    jobs = (Job("Close", DailyAt(time(6)), daemon.run_close),)
    clock = FakeClock(jakarta(quiet_settings, 2026, 2, 28, 6, 0))
    lock = daemon_lock(first_backend, quiet_settings, "host-a:1")
    first = Daemon(first_backend, quiet_settings, lock, now=clock.now, jobs=jobs)
    rival = LeaseLock(second_backend, lock.length, "host-b:2")  # type: ignore[attr-defined]
    second = Daemon(second_backend, quiet_settings, rival, now=clock.now, jobs=jobs)

    assert isinstance(lock, LeaseLock)
    assert first.tick().ran == ["Close"]
    waiting = second.tick()
    assert waiting.ran == []
    assert waiting.held_by.startswith("host-a:1 until 2026-02-28 06:15")

    first.lock.release(clock.now())
    clock.set(jakarta(quiet_settings, 2026, 3, 1, 6, 0))
    assert second.tick().ran == ["Close"]

    history = rows(first_backend, schema.USAGE_HISTORY)
    closed = list(
        zip(history["customer_id"], history["period_start"].dt.date, strict=True)
    )
    assert len(closed) == len(set(closed))
    assert ("C-0001", jakarta(quiet_settings, 2026, 1, 31).date()) in closed
