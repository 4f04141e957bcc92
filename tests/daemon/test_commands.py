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


def test_calendar_prints_the_month_and_writes_an_ics_file(
    runner: CliRunner, tracker: WorkbookBackend, tmp_path: Path
) -> None:
    ics = tmp_path / "april.ics"
    where = ["--tracker", str(tracker.path), "--as-of", "2026-04-20"]

    result = run(runner, "calendar", "--month", "2026-04", "--ics", str(ics), *where)

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Operational calendar 2026-04"
    assert lines[-1].startswith("Wrote ") and lines[-1].endswith(f" events to {ics}.")
    assert ics.read_bytes().startswith(b"BEGIN:VCALENDAR")


def test_calendar_refuses_a_month_it_cannot_read(
    runner: CliRunner, tracker: WorkbookBackend
) -> None:
    result = runner.invoke(
        main, ["calendar", "--month", "April", "--tracker", str(tracker.path)]
    )

    assert result.exit_code == 2
    assert "'April' is not a month like 2026-04" in result.output
