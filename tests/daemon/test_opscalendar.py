"""The month's operational calendar: its items, the table and the iCalendar file."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import icalendar
import pandas as pd
import pytest

from sheetops import calls, opscalendar
from sheetops.settings import Settings
from sheetops.sync.workbook import WorkbookBackend
from tests.daemon.conftest import close_tracker, jakarta
from tests.trackers import make_workbook


@pytest.fixture
def april(quiet_settings: Settings, tmp_path: Path, outbox: Path) -> WorkbookBackend:
    """A tracker with April's calls planned and custom work running over budget."""
    rows = close_tracker()
    rows["Time Log"].append(
        {
            "date": date(2026, 4, 10),
            "request_id": "REQ-0001",
            "minutes": 90,
            "staff": "Dewi",
            "work_done": "Second page",
        }
    )
    start = jakarta(quiet_settings, 2026, 4, 1, 5)
    backend = make_workbook(tmp_path / "tracker.xlsx", quiet_settings, start, rows)
    calls.plan_calls(backend, quiet_settings, jakarta(quiet_settings, 2026, 4, 1, 7))
    return backend


def _items(backend: WorkbookBackend, settings: Settings) -> list[opscalendar.Item]:
    as_of = jakarta(settings, 2026, 4, 20, 9)
    return opscalendar.month_calendar(backend, settings, "2026-04", as_of)


def test_the_calendar_holds_the_months_calls_at_their_slots(
    april: WorkbookBackend, quiet_settings: Settings
) -> None:
    items = _items(april, quiet_settings)

    calls = {i.title: i for i in items if i.start is not None}
    assert set(calls) == {
        "Monthly Check-in with Warung Akhir Bulan",
        "Strategic Call with Dapur Lima",
        "Quarterly Deep Dive with Dapur Lima",
    }
    check_in = calls["Monthly Check-in with Warung Akhir Bulan"]
    assert check_in.start == jakarta(quiet_settings, 2026, 4, 8, 10, 0)  # Wednesday
    assert check_in.minutes == 30
    assert check_in.week == 2


def test_the_calendar_fills_each_week_with_real_work(
    april: WorkbookBackend, quiet_settings: Settings
) -> None:
    titles: dict[int, list[str]] = {week: [] for week in range(1, 5)}
    for item in _items(april, quiet_settings):
        titles[item.week].append(item.title)

    assert "Send R3 proactive monitoring reports (1)" in titles[1]
    assert "Schedule all R2/R3 calls (3, 0 unscheduled)" in titles[1]
    assert any(t.startswith("REQ-0001 Warung Akhir Bulan") for t in titles[3])
    assert "Time report to Dapur Lima (billing period resets)" in titles[1]
    assert "Time report to Warung Akhir Bulan (billing period resets)" in titles[4]
    assert "Invoice overage: Warung Akhir Bulan Rp 125.000" in titles[4]
    assert "Invoice overages (1, Rp 125.000)" in titles[4]


def test_the_ics_file_parses_and_keeps_its_uids_from_run_to_run(
    april: WorkbookBackend, quiet_settings: Settings, tmp_path: Path
) -> None:
    items = _items(april, quiet_settings)
    first = tmp_path / "first.ics"
    opscalendar.write_ics(
        first, items, quiet_settings, jakarta(quiet_settings, 2026, 4, 20, 9)
    )
    again = opscalendar.to_ics(
        _items(april, quiet_settings),
        quiet_settings,
        jakarta(quiet_settings, 2026, 4, 21, 9),
    )

    parsed = icalendar.Calendar.from_ical(first.read_bytes())
    events = list(parsed.walk("VEVENT"))
    timed = [e for e in events if isinstance(e.decoded("dtstart"), datetime)]
    assert len(events) == len(items)
    assert sorted(str(e["summary"]) for e in timed) == [
        "Monthly Check-in with Warung Akhir Bulan",
        "Quarterly Deep Dive with Dapur Lima",
        "Strategic Call with Dapur Lima",
    ]
    assert {str(e.decoded("dtstart").tzinfo) for e in timed} == {"Asia/Jakarta"}
    assert [str(z["tzid"]) for z in parsed.walk("VTIMEZONE")] == ["Asia/Jakarta"]
    reparsed = icalendar.Calendar.from_ical(again)
    assert sorted(str(e["uid"]) for e in events) == sorted(
        str(e["uid"]) for e in reparsed.walk("VEVENT")
    )
    assert len({str(e["uid"]) for e in events}) == len(events)


def test_tasks_span_their_week_as_all_day_events(
    april: WorkbookBackend, quiet_settings: Settings
) -> None:
    ics = opscalendar.to_ics(
        _items(april, quiet_settings),
        quiet_settings,
        jakarta(quiet_settings, 2026, 4, 20),
    )

    events = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    release = next(e for e in events if "template update" in str(e["summary"]))
    assert release.decoded("dtstart") == date(2026, 4, 22)
    assert release.decoded("dtend") == date(2026, 5, 1)


def test_a_customer_with_an_unreadable_start_date_is_left_out_of_resets(
    quiet_settings: Settings,
) -> None:
    customers = pd.DataFrame(
        {
            "customer_id": ["C-0001", "C-0002"],
            "active": [True, True],
            "start_date": pd.to_datetime(["2025-06-10", None]),
        }
    )

    resets = opscalendar.resets_in(customers, "2026-04")

    assert resets == [("C-0001", date(2026, 4, 10))]
