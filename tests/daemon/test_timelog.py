"""Time tracking from the terminal: timer start and stop, log, and refusals."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from sheetops import schema, timelog
from sheetops.cli import main
from sheetops.settings import Settings
from sheetops.sync.backend import CellWrite, Snapshot, WriteBatch
from sheetops.sync.workbook import WorkbookBackend
from tests.daemon.conftest import close_tracker, jakarta, rows
from tests.trackers import make_workbook


@pytest.fixture
def desk(settings: Settings, tmp_path: Path) -> WorkbookBackend:
    """A tracker with requests in every state time logging cares about."""
    tracker = close_tracker()
    base = {"received_at": datetime(2026, 2, 2, 9), "customer": "C-0002"}
    tracker["Requests"] += [
        {**base, "request_id": "REQ-0002", "type": "A", "status": "Closed"},
        {**base, "request_id": "REQ-0003", "type": "B", "status": "Estimated"},
        {**base, "request_id": "REQ-0004", "type": "B", "status": "Declined"},
        {**base, "request_id": "REQ-0005", "type": "A", "status": "New"},
    ]
    start = jakarta(settings, 2026, 2, 2, 8)
    return make_workbook(tmp_path / "tracker.xlsx", settings, start, tracker)


def _log(backend: WorkbookBackend) -> pd.DataFrame:
    return rows(backend, schema.TIME_LOG)


def test_a_timer_started_and_stopped_fills_one_row(
    desk: WorkbookBackend, settings: Settings
) -> None:
    started = timelog.start_timer(
        desk, "req-0001", "Dewi", jakarta(settings, 2026, 2, 11, 9, 5, 42)
    )
    stopped = timelog.stop_timer(
        desk, "REQ-0001", "dewi", jakarta(settings, 2026, 2, 11, 9, 50), "New page"
    )

    assert started.row == stopped.row == 3
    assert stopped.minutes == 45
    row = _log(desk).loc[3]
    assert row["date"] == pd.Timestamp(2026, 2, 11)
    assert row["request_id"] == "REQ-0001"
    assert (row["started"], row["stopped"]) == (time(9, 5), time(9, 50))
    assert row["staff"] == "Dewi"
    assert row["work_done"] == "New page"
    assert pd.isna(row["minutes"])
    assert stopped.describe() == (
        "Timer stopped on REQ-0001 at 09:50: 45 minutes (Time Log row 3)."
    )


def test_a_second_timer_on_the_same_request_is_refused(
    desk: WorkbookBackend, settings: Settings
) -> None:
    timelog.start_timer(desk, "REQ-0001", "Dewi", jakarta(settings, 2026, 2, 11, 9))

    with pytest.raises(timelog.TimeLogError, match="already running since 09:00"):
        timelog.start_timer(
            desk, "REQ-0001", "Dewi", jakarta(settings, 2026, 2, 11, 10)
        )
    assert len(_log(desk)) == 2


def test_stopping_without_a_running_timer_is_refused(
    desk: WorkbookBackend, settings: Settings
) -> None:
    with pytest.raises(timelog.TimeLogError, match="no timer is running on REQ-0005"):
        timelog.stop_timer(desk, "REQ-0005", "Dewi", jakarta(settings, 2026, 2, 11, 9))


def test_log_appends_a_finished_row(desk: WorkbookBackend, settings: Settings) -> None:
    entry = timelog.log_time(
        desk,
        settings,
        "REQ-0005",
        25,
        "Explained the date filter",
        "Rizky",
        date(2026, 2, 12),
    )

    row = _log(desk).loc[entry.row]
    assert entry.row == 3
    assert row["date"] == pd.Timestamp(2026, 2, 12)
    assert (row["request_id"], row["minutes"], row["staff"]) == (
        "REQ-0005",
        25,
        "Rizky",
    )
    assert row["work_done"] == "Explained the date filter"


@pytest.mark.parametrize(
    ("request_id", "message"),
    [
        ("REQ-9999", "REQ-9999 is not on the Requests tab"),
        ("REQ-0002", "REQ-0002 is Closed; time can't be logged on it"),
        ("REQ-0004", "REQ-0004 is Declined; time can't be logged on it"),
        ("REQ-0003", "REQ-0003 is custom work the customer hasn't approved"),
    ],
    ids=["unknown", "closed", "declined", "unapproved-custom-work"],
)
def test_time_on_an_unknown_closed_or_unapproved_request_is_refused(
    desk: WorkbookBackend, settings: Settings, request_id: str, message: str
) -> None:
    as_of = jakarta(settings, 2026, 2, 11, 9)
    with pytest.raises(timelog.TimeLogError, match=message):
        timelog.start_timer(desk, request_id, "Dewi", as_of)
    with pytest.raises(timelog.TimeLogError, match=message):
        timelog.log_time(desk, settings, request_id, 10, "x", "Dewi", as_of.date())
    assert len(_log(desk)) == 1


def test_an_append_racing_a_person_lands_below_their_row(
    desk: WorkbookBackend, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = WorkbookBackend.write
    typed: list[bool] = []

    def person_types_first(
        self: WorkbookBackend, batch: WriteBatch, snap: Snapshot
    ) -> None:
        if not typed:
            typed.append(True)
            fresh = self.read()
            person = [
                CellWrite("Time Log", 3, 1, date(2026, 2, 12)),
                CellWrite("Time Log", 3, 8, "Putri"),
            ]
            real_write(self, WriteBatch(person), fresh)
        real_write(self, batch, snap)

    monkeypatch.setattr(WorkbookBackend, "write", person_types_first)
    entry = timelog.log_time(
        desk, settings, "REQ-0001", 30, "Fix", "Dewi", date(2026, 2, 12)
    )

    log = _log(desk)
    assert entry.row == 4
    assert log.loc[3, "staff"] == "Putri"
    assert log.loc[4, "staff"] == "Dewi"


def test_the_commands_print_what_they_did_and_exit_1_on_a_refusal(
    desk: WorkbookBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USER", "dewi")
    for name in ("SHEETOPS_TRACKER", "SHEETOPS_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()
    where = ["--tracker", str(desk.path)]

    start = runner.invoke(
        main, ["timer", "start", "REQ-0001", *where, "--as-of", "2026-02-11T09:00"]
    )
    stop = runner.invoke(
        main, ["timer", "stop", "REQ-0001", *where, "--as-of", "2026-02-11T09:30"]
    )
    log = runner.invoke(
        main,
        [
            "log",
            "REQ-0005",
            "15",
            "Call",
            "--staff",
            "Rizky",
            "--date",
            "2026-02-10",
            *where,
        ],
    )
    refused = runner.invoke(main, ["log", "REQ-0002", "15", "Call", *where])

    assert (
        start.output
        == "Timer started on REQ-0001 at 09:00 for dewi (Time Log row 3).\n"
    )
    assert (
        stop.output
        == "Timer stopped on REQ-0001 at 09:30: 30 minutes (Time Log row 3).\n"
    )
    assert log.output == "Logged 15 minutes on REQ-0005 (Time Log row 4).\n"
    assert refused.exit_code == 1
    assert refused.output == (
        "Error: REQ-0002 is Closed; time can't be logged on it. Reopen it "
        "(change its Status) if there is more work\n"
    )
