"""The commands of issue 5: daemon --once, calendar, timer and log."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from sheetops import schema
from sheetops.cli import main
from sheetops.settings import Settings
from sheetops.sync.workbook import WorkbookBackend
from tests.daemon.conftest import rows


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    for name in ("SHEETOPS_TRACKER", "SHEETOPS_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SHEETOPS_MAIL_OUTBOX", str(tmp_path / "outbox"))
    return CliRunner()


def run(runner: CliRunner, *args: str) -> click.testing.Result:
    return runner.invoke(main, list(args), catch_exceptions=False)


def test_daemon_once_runs_what_is_due_and_records_it(
    runner: CliRunner, tracker: WorkbookBackend, settings: Settings
) -> None:
    where = ["--tracker", str(tracker.path)]

    first = run(runner, "daemon", "--once", *where, "--as-of", "2026-02-10T06:30")
    second = run(runner, "daemon", "--once", *where, "--as-of", "2026-02-10T06:31")

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    status = rows(tracker, schema.STATUS).set_index("item")["value"]
    assert status["Last Close"] == "2026-02-10 06:30"
    assert status["Last Sync"] == "2026-02-10 06:30"
    history = rows(tracker, schema.USAGE_HISTORY)
    assert list(history["customer_id"]) == ["C-0002"] * 3


def test_daemon_once_waits_politely_when_another_daemon_holds_the_lock(
    runner: CliRunner, tracker: WorkbookBackend, settings: Settings
) -> None:
    from sheetops.sync.lock import FileDaemonLock
    from tests.daemon.conftest import jakarta

    held = FileDaemonLock(tracker.path, "host-a:1")
    held.acquire(jakarta(settings, 2026, 2, 28, 6, 0))
    where = ["--tracker", str(tracker.path)]

    result = run(runner, "daemon", "--once", *where, "--as-of", "2026-02-28T06:30")

    held.release(jakarta(settings, 2026, 2, 28, 6, 0))
    assert result.exit_code == 0
    assert rows(tracker, schema.USAGE_HISTORY).empty
