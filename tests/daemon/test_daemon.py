"""The daemon: slots, a quarter on a fake clock, failures, signals, two daemons."""

from __future__ import annotations

import dataclasses
import os
import signal
from collections import Counter
from datetime import date, datetime, time
from pathlib import Path

import pandas as pd
import pytest

from sheetops import daemon, schema
from sheetops.daemon import (
    Daemon,
    DailyAt,
    Every,
    FirstBusinessDayAt,
    Job,
    JobContext,
    WeeklyAt,
)
from sheetops.rules.calendar import BusinessCalendar
from sheetops.settings import Settings
from sheetops.sync.backend import Snapshot, WriteBatch
from sheetops.sync.lock import FileDaemonLock
from sheetops.sync.workbook import WorkbookBackend
from tests.daemon.conftest import FakeClock, close_tracker, jakarta, outbox_keys, rows
from tests.trackers import make_workbook


@pytest.fixture
def daily(quiet_settings: Settings) -> Settings:
    """Settings whose sync runs once a day, so a quarter takes few wake-ups."""
    slow = dataclasses.replace(quiet_settings.daemon, sync_minutes=1440)
    return dataclasses.replace(quiet_settings, daemon=slow)


def _daemon(
    backend: WorkbookBackend,
    settings: Settings,
    clock: FakeClock,
    me: str = "host-a:1",
    jobs: tuple[Job, ...] | None = None,
) -> Daemon:
    lock = FileDaemonLock(backend.path, me)
    return Daemon(backend, settings, lock, now=clock.now, jobs=jobs)


def _run_until(d: Daemon, clock: FakeClock, end: datetime) -> None:
    def wait(seconds: float) -> None:
        clock.wait(seconds)
        if clock.now() >= end:
            d.stop.set()

    d.serve(wait)


def _calendar(settings: Settings, *days_off: date) -> BusinessCalendar:
    return BusinessCalendar(settings.business, days_off=days_off)


def test_every_slot_counts_from_midnight_in_jakarta(settings: Settings) -> None:
    # 03:07 UTC is 10:07 in Jakarta.
    now = datetime(2026, 2, 2, 3, 7, tzinfo=pd.Timestamp(0, tz="UTC").tzinfo)
    now = now.astimezone(settings.business.time_zone)

    slot = Every(5)

    assert slot.latest(now, _calendar(settings)) == jakarta(settings, 2026, 2, 2, 10, 5)
    assert slot.following(now, _calendar(settings)) == jakarta(
        settings, 2026, 2, 2, 10, 10
    )


def test_daily_and_weekly_slots(settings: Settings) -> None:
    calendar = _calendar(settings)
    wednesday = jakarta(settings, 2026, 2, 4, 5, 0)

    assert DailyAt(time(6)).latest(wednesday, calendar) == jakarta(
        settings, 2026, 2, 3, 6, 0
    )
    assert WeeklyAt(0, time(8)).latest(wednesday, calendar) == jakarta(
        settings, 2026, 2, 2, 8, 0
    )
    assert WeeklyAt(0, time(8)).following(wednesday, calendar) == jakarta(
        settings, 2026, 2, 9, 8, 0
    )


def test_the_first_business_day_slot_skips_a_weekend_and_a_holiday(
    settings: Settings,
) -> None:
    # 1 August 2026 is a Saturday; Monday the 3rd is an office closure.
    calendar = _calendar(settings, date(2026, 8, 3))
    slot = FirstBusinessDayAt(time(7))

    july_end = jakarta(settings, 2026, 7, 31, 12, 0)
    assert slot.following(july_end, calendar) == jakarta(settings, 2026, 8, 4, 7, 0)
    monday = jakarta(settings, 2026, 8, 3, 12, 0)
    assert slot.latest(monday, calendar) == jakarta(settings, 2026, 7, 1, 7, 0)


def _history_keys(backend: WorkbookBackend) -> list[tuple[str, date, date]]:
    found = rows(backend, schema.USAGE_HISTORY)
    return [
        (c, pd.Timestamp(s).date(), pd.Timestamp(at).date())
        for c, s, at in zip(
            found["customer_id"], found["period_start"], found["closed_at"], strict=True
        )
    ]


def _quarter_jobs() -> tuple[Job, ...]:
    # The real jobs minus the sync (tested on its own), with mail sent each
    # Monday after the close, so a quarter needs few wake-ups.
    return (
        Job("Close", DailyAt(time(6)), daemon.run_close),
        Job("Mail", WeeklyAt(daemon.MONDAY, time(6)), daemon.run_mail),
        Job("Calls", FirstBusinessDayAt(time(7)), daemon.run_calls),
    )


def test_a_quarter_closes_plans_and_mails_each_thing_once_on_its_day(
    tracker: WorkbookBackend, quiet_settings: Settings, outbox: Path
) -> None:
    clock = FakeClock(jakarta(quiet_settings, 2026, 2, 1, 0, 0))
    d = _daemon(tracker, quiet_settings, clock, jobs=_quarter_jobs())

    # To Monday 4 May 06:30: after that morning's close and mail, before
    # May's calls (its first business day, since 1 May is Labour Day).
    _run_until(d, clock, jakarta(quiet_settings, 2026, 5, 4, 6, 30))

    closed = [k for k in _history_keys(tracker) if k[0] == "C-0001"]
    assert closed == [
        ("C-0001", date(2026, 1, 31), date(2026, 2, 28)),
        ("C-0001", date(2026, 2, 28), date(2026, 3, 31)),
        ("C-0001", date(2026, 3, 31), date(2026, 4, 30)),
    ]
    r3 = [(s, at) for c, s, at in _history_keys(tracker) if c == "C-0002"]
    assert r3[-3:] == [
        (date(2026, 1, 5), date(2026, 2, 5)),
        (date(2026, 2, 5), date(2026, 3, 5)),
        (date(2026, 3, 5), date(2026, 4, 5)),
    ]

    calls = rows(tracker, schema.CALLS)
    planned = Counter(zip(calls["month"], calls["kind"], strict=True))
    assert planned == {
        ("2026-02", "Monthly Check-in"): 1,
        ("2026-02", "Strategic Call"): 1,
        ("2026-03", "Monthly Check-in"): 1,
        ("2026-03", "Strategic Call"): 1,
        ("2026-04", "Monthly Check-in"): 1,
        ("2026-04", "Strategic Call"): 1,
        ("2026-04", "Quarterly Deep Dive"): 1,
    }
    status = rows(tracker, schema.STATUS).set_index("item")["value"]
    assert status["Last Calls"] == "2026-04-01 07:00"
    assert status["Last Close"] == "2026-05-04 06:00"

    keys = Counter(outbox_keys(tracker))
    assert max(keys.values()) == 1
    assert {
        "time_report:C-0001:2026-01-31",
        "time_report:C-0001:2026-02-28",
        "time_report:C-0001:2026-03-31",
        "time_report:C-0002:2026-03-05",
        "call_invitation:C-0001:2026-02:Monthly Check-in",
        "call_invitation:C-0002:2026-04:Quarterly Deep Dive",
    } <= set(keys)
    assert set(rows(tracker, schema.OUTBOX)["state"]) == {"sent"}
    assert len(list(outbox.rglob("*.eml"))) == len(keys)


def test_a_daemon_stopped_for_40_days_catches_up_every_close_in_order_once(
    tracker: WorkbookBackend, quiet_settings: Settings, outbox: Path
) -> None:
    clock = FakeClock(jakarta(quiet_settings, 2026, 2, 3, 6, 30))
    _daemon(tracker, quiet_settings, clock, jobs=_quarter_jobs()).tick()
    before = len(_history_keys(tracker))

    # Back 40 days later: a new process knows only what the Status tab says.
    clock.set(jakarta(quiet_settings, 2026, 3, 15, 6, 30))
    again = _daemon(tracker, quiet_settings, clock, jobs=_quarter_jobs())
    report = again.tick()
    again.tick()

    assert report.ran == ["Close", "Mail", "Calls"]
    caught_up = _history_keys(tracker)[before:]
    assert [(c, s) for c, s, _ in caught_up] == [
        ("C-0002", date(2026, 1, 5)),
        ("C-0001", date(2026, 1, 31)),
        ("C-0002", date(2026, 2, 5)),
    ]
    calls = rows(tracker, schema.CALLS)
    assert sorted(calls.loc[calls["month"] == "2026-03", "kind"]) == [
        "Monthly Check-in",
        "Strategic Call",
    ]
    assert max(Counter(outbox_keys(tracker)).values()) == 1


def test_once_runs_only_the_jobs_whose_slot_passed_since_the_status_tab_says(
    tracker: WorkbookBackend, quiet_settings: Settings, outbox: Path
) -> None:
    clock = FakeClock(jakarta(quiet_settings, 2026, 2, 3, 6, 30))
    first = _daemon(tracker, quiet_settings, clock, jobs=_quarter_jobs()).tick()
    clock.set(jakarta(quiet_settings, 2026, 2, 3, 6, 35))
    second = _daemon(tracker, quiet_settings, clock, jobs=_quarter_jobs()).tick()
    clock.set(jakarta(quiet_settings, 2026, 2, 4, 6, 0))
    third = _daemon(tracker, quiet_settings, clock, jobs=_quarter_jobs()).tick()

    assert first.ran == ["Close", "Mail", "Calls"]
    assert second.ran == []
    assert third.ran == ["Close"]


class _CountingWorkbook(WorkbookBackend):
    """A workbook backend that counts its writes."""

    writes = 0

    def write(self, batch: WriteBatch, snapshot: Snapshot) -> None:
        type(self).writes += 1
        super().write(batch, snapshot)


def test_a_second_daemon_waits_on_the_lock_and_writes_nothing(
    tracker: WorkbookBackend, quiet_settings: Settings, outbox: Path
) -> None:
    clock = FakeClock(jakarta(quiet_settings, 2026, 2, 27, 6, 0))
    first = _daemon(tracker, quiet_settings, clock, "host-a:1", _quarter_jobs())
    watcher = _CountingWorkbook(tracker.path)
    second = Daemon(
        watcher,
        quiet_settings,
        FileDaemonLock(tracker.path, "host-b:2"),
        now=clock.now,
        jobs=_quarter_jobs(),
    )

    for day in (27, 28):
        clock.set(jakarta(quiet_settings, 2026, 2, day, 6, 0))
        assert first.tick().ran
        waiting = second.tick()
        assert waiting.ran == []
        assert waiting.held_by.startswith("host-a:1 since")
    assert _CountingWorkbook.writes == 0

    first.lock.release(clock.now())
    clock.set(jakarta(quiet_settings, 2026, 3, 1, 6, 0))
    assert second.tick().ran == ["Close"]
    assert [k for k in _history_keys(tracker) if k[0] == "C-0001"] == [
        ("C-0001", date(2026, 1, 31), date(2026, 2, 28))
    ]
    assert max(Counter(outbox_keys(tracker)).values()) == 1


def test_sigterm_mid_cycle_finishes_the_job_then_stops(
    tracker: WorkbookBackend, quiet_settings: Settings, outbox: Path
) -> None:
    def close_while_asked_to_stop(ctx: JobContext) -> str:
        os.kill(os.getpid(), signal.SIGTERM)
        return daemon.run_close(ctx)

    jobs = (
        Job("Close", DailyAt(time(6)), close_while_asked_to_stop),
        Job("Calls", FirstBusinessDayAt(time(7)), daemon.run_calls),
    )
    clock = FakeClock(jakarta(quiet_settings, 2026, 3, 2, 8, 0))
    d = _daemon(tracker, quiet_settings, clock, jobs=jobs)

    with daemon.stop_on_signals(d.stop):
        d.serve(clock.wait)

    assert clock.waits == []
    assert [k for k in _history_keys(tracker) if k[0] == "C-0001"] == [
        ("C-0001", date(2026, 1, 31), date(2026, 3, 2))
    ]
    status = rows(tracker, schema.STATUS).set_index("item")["value"]
    assert status["Last Close"] == "2026-03-02 08:00"
    assert "Last Calls" not in status
    assert rows(tracker, schema.CALLS).empty
    assert FileDaemonLock(tracker.path, "host-b:2").acquire(clock.now())
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_a_failing_job_is_recorded_and_retried_at_its_next_slot(
    tracker: WorkbookBackend, quiet_settings: Settings, outbox: Path
) -> None:
    attempts: list[datetime] = []

    def flaky(ctx: JobContext) -> str:
        attempts.append(ctx.as_of)
        if len(attempts) == 1:
            raise ConnectionError("the network went away")
        return "fine"

    jobs = (
        Job("Flaky", DailyAt(time(6)), flaky),
        Job("Close", DailyAt(time(6)), daemon.run_close),
    )
    clock = FakeClock(jakarta(quiet_settings, 2026, 2, 28, 6, 0))
    d = _daemon(tracker, quiet_settings, clock, jobs=jobs)

    first = d.tick()
    status = rows(tracker, schema.STATUS).set_index("item")["value"]
    clock.set(jakarta(quiet_settings, 2026, 2, 28, 6, 5))
    d.tick()
    clock.set(jakarta(quiet_settings, 2026, 3, 1, 6, 0))
    d.tick()

    assert first.failed == ["Flaky"]
    assert first.ran == ["Flaky", "Close"]
    assert status["Last Error"] == ("2026-02-28 06:00 Flaky: the network went away")
    assert len(_history_keys(tracker)) > 0
    assert attempts == [
        jakarta(quiet_settings, 2026, 2, 28, 6, 0),
        jakarta(quiet_settings, 2026, 3, 1, 6, 0),
    ]


def test_the_loop_sleeps_until_the_next_slot(
    tracker: WorkbookBackend, quiet_settings: Settings, outbox: Path
) -> None:
    clock = FakeClock(jakarta(quiet_settings, 2026, 2, 3, 5, 0))
    d = _daemon(tracker, quiet_settings, clock, jobs=_quarter_jobs())

    _run_until(d, clock, jakarta(quiet_settings, 2026, 2, 4, 6, 0))

    # 05:00 (the first run) -> 06:00 (the close) -> the next day at 06:00.
    assert clock.waits == [3600.0, 86400.0]


def test_calls_wait_for_a_month_starting_on_a_weekend_and_a_holiday(
    quiet_settings: Settings, tmp_path: Path, outbox: Path
) -> None:
    tracker = close_tracker()
    # 1 August 2026 is a Saturday; the office also closes on Monday the 3rd.
    tracker["Holidays"] = [{"date": date(2026, 8, 3), "name": "Closure", "off": True}]
    start = jakarta(quiet_settings, 2026, 7, 31)
    backend = make_workbook(tmp_path / "t.xlsx", quiet_settings, start, tracker)
    jobs = (Job("Calls", FirstBusinessDayAt(time(7)), daemon.run_calls),)
    clock = FakeClock(jakarta(quiet_settings, 2026, 8, 1, 8, 0))
    d = _daemon(backend, quiet_settings, clock, jobs=jobs)

    planned = []
    for day in (1, 2, 3, 4, 5, 6):
        clock.set(jakarta(quiet_settings, 2026, 8, day, 8, 0))
        d.tick()
        calls = rows(backend, schema.CALLS)
        planned.append(int((calls["month"] == "2026-08").sum()) if len(calls) else 0)

    assert planned == [0, 0, 0, 2, 2, 2]
    status = rows(backend, schema.STATUS).set_index("item")["value"]
    assert status["Last Calls"] == "2026-08-04 08:00"
