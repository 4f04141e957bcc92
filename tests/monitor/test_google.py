"""The weekly checks through the fake Sheets API: dashboards on Google, quota kept."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from sheetops import schema
from sheetops.demo_dashboards import Day, LogEntry
from sheetops.monitor import run_checks
from sheetops.monitor.checks import DASHBOARD, FOOD_COST, REVENUE
from sheetops.settings import Settings
from sheetops.sync.google import GoogleBackend
from sheetops.sync.ledger import Ledger
from sheetops.sync.pacing import WINDOW_SECONDS
from tests.fakesheets import FakeSheetsServer
from tests.fakesheets.plugin import SERVICE_ACCOUNT_EMAIL
from tests.monitor.builders import (
    AS_OF,
    CONTRACT,
    THIS_MONDAY,
    customer,
    healthy_days,
    history,
    tracker,
    week,
    write,
)
from tests.sync.test_google_helpers import (
    FakeTime,
    api_calls,
    google_settings,
    key_file,
    make_tracker,
    open_backend,
)

REFRESHED = datetime(2026, 2, 1, 23, 30)
PROBLEM_WEEK = history(8) + week(
    THIS_MONDAY, revenue=700_000, food_share=0.40, other=100_000
)


@pytest.fixture
def key(
    tmp_path: Path, fake_sheets: FakeSheetsServer, fake_sheets_private_key: str
) -> Path:
    return key_file(tmp_path, fake_sheets, fake_sheets_private_key)


def google_dashboard(
    fake: FakeSheetsServer,
    days: Sequence[Day],
    *,
    refresh: datetime = REFRESHED,
    log: Sequence[LogEntry] = (),
    daily_tab: str = CONTRACT.tab,
) -> str:
    """A dashboard spreadsheet in the fake, typed as a person would; its URL."""
    figures = [[CONTRACT.date, CONTRACT.revenue, CONTRACT.food_cost, "Other Costs"]]
    figures += [
        [d.day.isoformat(), d.revenue, d.food_cost, d.other_costs] for d in days
    ]
    entries = [[CONTRACT.log_date, CONTRACT.log_kind, CONTRACT.log_message]]
    entries += [[e.at.isoformat(sep=" "), e.kind, e.message] for e in log]
    key = fake.store.create_spreadsheet(
        "Restaurant dashboard",
        {
            "Dashboard": [["Restaurant dashboard"], ["Last refresh", str(refresh)]],
            daily_tab: figures,
            CONTRACT.log_tab: entries,
        },
    )
    return f"https://docs.google.com/spreadsheets/d/{key}/edit#gid=0"


def google_customers(cells: Sequence[str]) -> list[dict[str, object]]:
    """Customers rows for the fake: dates typed as text."""
    rows = []
    for number, cell in enumerate(cells, start=1):
        row = customer(number, cell)
        row["start_date"] = "2025-01-05"
        rows.append(row)
    return rows


def tracker_on_google(
    settings: Settings,
    fake: FakeSheetsServer,
    key: Path,
    cells: Sequence[str],
    time: FakeTime | None = None,
    **changes: Any,
) -> GoogleBackend:
    book = make_tracker(fake, {schema.CUSTOMERS.name: google_customers(cells)})
    return open_backend(settings, fake, key, book, time, **changes)


def alert_rows(backend: GoogleBackend) -> list[dict[str, object]]:
    ledger = Ledger.read(schema.ALERTS, backend.read())
    return [values for _, values in ledger.rows()]


def test_a_google_dashboard_is_checked_like_a_workbook(
    settings: Settings, fake_sheets: FakeSheetsServer, key: Path
) -> None:
    url = google_dashboard(fake_sheets, PROBLEM_WEEK)
    backend = tracker_on_google(settings, fake_sheets, key, [url])

    report = run_checks(backend, settings, AS_OF)

    assert [f.check for f in report.results[0].outcome.findings] == [
        REVENUE,
        FOOD_COST,
    ]
    assert [r["alert_id"] for r in alert_rows(backend)] == ["AL-0001", "AL-0002"]
    assert report.queued == 2


def test_an_unshared_dashboard_is_an_internal_alert_and_the_others_are_checked(
    settings: Settings, fake_sheets: FakeSheetsServer, key: Path
) -> None:
    hidden = google_dashboard(fake_sheets, healthy_days())
    shown = google_dashboard(fake_sheets, PROBLEM_WEEK)
    fake_sheets.store.unshare(hidden.split("/")[5], SERVICE_ACCOUNT_EMAIL)
    backend = tracker_on_google(settings, fake_sheets, key, [hidden, shown])

    run_checks(backend, settings, AS_OF)

    alerts = alert_rows(backend)
    assert Counter((r["customer"], r["check"]) for r in alerts) == Counter(
        {
            ("Resto 1", DASHBOARD): 1,
            ("Resto 2", REVENUE): 1,
            ("Resto 2", FOOD_COST): 1,
        }
    )
    assert alerts[0]["value"] == "not shared"
    assert alerts[0]["internal"] is True
    location = hidden.split("/edit")[0]
    assert alerts[0]["message"] == (
        f"dashboard {location} is not shared with {SERVICE_ACCOUNT_EMAIL}; ask the "
        f"customer to share it with {SERVICE_ACCOUNT_EMAIL} (Viewer is enough)"
    )


def test_a_deleted_google_dashboard_is_an_internal_alert(
    settings: Settings, fake_sheets: FakeSheetsServer, key: Path
) -> None:
    url = google_dashboard(fake_sheets, healthy_days())
    fake_sheets.store.delete_spreadsheet(url.split("/")[5])
    backend = tracker_on_google(settings, fake_sheets, key, [url])

    run_checks(backend, settings, AS_OF)

    (row,) = alert_rows(backend)
    assert row["value"] == "can't open"
    assert str(row["message"]).endswith(
        "does not exist (or was deleted); fix the customer's Dashboard link on "
        "the Customers tab"
    )


def test_a_renamed_tab_on_google_names_the_tabs_it_found(
    settings: Settings, fake_sheets: FakeSheetsServer, key: Path
) -> None:
    url = google_dashboard(fake_sheets, healthy_days(), daily_tab="Harian")
    backend = tracker_on_google(settings, fake_sheets, key, [url])
    fake_sheets.reset_counters()

    run_checks(backend, settings, AS_OF)

    (row,) = alert_rows(backend)
    assert row["value"] == "doesn't match"
    assert str(row["message"]).endswith(
        "has no tab 'Daily' (its tabs: 'Dashboard', 'Harian', 'Import Log'); "
        "rename the tab back, or set [monitor.dashboard] tab for this template"
    )
    # One more call than a good dashboard, to learn the titles; the other
    # two are the Alerts and Outbox writes re-checking their rows.
    assert fake_sheets.counts()["get"] == 1 + 2


def test_google_dashboards_are_read_with_the_settings_credentials_for_a_workbook(
    settings: Settings, fake_sheets: FakeSheetsServer, key: Path, tmp_path: Path
) -> None:
    url = google_dashboard(fake_sheets, PROBLEM_WEEK)
    write(tmp_path / "local.xlsx", PROBLEM_WEEK)
    pointed = replace(settings, google=google_settings(settings, fake_sheets, key))
    backend = tracker(
        tmp_path / "tracker.xlsx",
        [customer(1, url), customer(2, "local.xlsx")],
        settings=pointed,
    )

    report = run_checks(backend, pointed, AS_OF)

    assert len(report.raised) == 4
    assert fake_sheets.counts()["values.batchGet"] == 1


def test_fifty_dashboards_are_checked_within_the_per_minute_quota(
    settings: Settings, fake_sheets: FakeSheetsServer, key: Path
) -> None:
    urls = [google_dashboard(fake_sheets, healthy_days()) for _ in range(48)]
    urls += [google_dashboard(fake_sheets, PROBLEM_WEEK) for _ in range(2)]
    time = FakeTime()
    backend = tracker_on_google(
        settings, fake_sheets, key, urls, time, requests_per_minute=30
    )
    stamps: list[float] = []
    acquire = backend.pacer.acquire

    def counted() -> float:
        waited = acquire()
        stamps.append(time.now)
        return waited

    backend.pacer.acquire = counted  # type: ignore[method-assign]
    fake_sheets.reset_counters()

    report = run_checks(backend, settings, AS_OF)

    assert len(report.results) == 50
    assert len(report.raised) == 4
    counts = fake_sheets.counts()
    # The tracker read three times (the checks, the Alerts, the Outbox).
    assert counts["values.batchGet"] == 2 + 50 + 1
    # Alerts, then Outbox: a re-check of the rows and one batchUpdate each.
    assert counts["get"] == 2
    assert counts["batchUpdate"] == 2
    assert api_calls(fake_sheets) == len(stamps) == 57
    busiest = max(
        sum(1 for other in stamps if start <= other < start + WINDOW_SECONDS)
        for start in stamps
    )
    assert busiest <= 30
    # 57 calls at 30 a minute can't be done in under a minute of waiting.
    assert time.now - 1000.0 >= WINDOW_SECONDS
