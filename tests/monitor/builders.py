"""Small dashboards and trackers for the monitor tests; this module holds no tests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from sheetops import schema
from sheetops.demo_dashboards import Day, DemoDashboard, LogEntry, write_dashboard
from sheetops.monitor.config import Contract, MonitorSettings, monitor_settings
from sheetops.monitor.contract import Dashboard
from sheetops.settings import Settings, load_settings
from sheetops.sync.workbook import WorkbookBackend
from tests.trackers import make_workbook

SETTINGS = load_settings(None, environ={})
ZONE = SETTINGS.business.time_zone
RULES: MonitorSettings = monitor_settings(SETTINGS)
CONTRACT: Contract = RULES.contract
# The daemon's slot: Monday 2 February 2026, 08:00 in Jakarta. The week
# checked is 2026-W05 (26 Jan - 1 Feb); the one before it 2026-W04.
AS_OF = datetime(2026, 2, 2, 8, 0, tzinfo=ZONE)
THIS_MONDAY = date(2026, 1, 26)
ONE_DAY = timedelta(days=1)
ONE_WEEK = timedelta(days=7)
EVERY_DAY = tuple(range(7))


def week(
    monday: date,
    revenue: int = 1_000_000,
    food_share: float = 0.32,
    other: int = 500_000,
    days: Iterable[int] = EVERY_DAY,
) -> list[Day]:
    """A week of equal days: ``revenue`` a day, food cost a share of it."""
    food = round(revenue * food_share)
    return [Day(monday + d * ONE_DAY, revenue, food, other, 0) for d in days]


def history(
    weeks: int,
    *,
    before: date = THIS_MONDAY,
    food_share: float = 0.32,
    revenue: int = 1_000_000,
    other: int = 500_000,
) -> list[Day]:
    """``weeks`` full ordinary weeks ending the Sunday before ``before``."""
    days: list[Day] = []
    for back in range(weeks, 0, -1):
        days += week(before - back * ONE_WEEK, revenue, food_share, other)
    return days


def dashboard(
    days: Sequence[Day],
    refresh: datetime | None = datetime(2026, 2, 1, 23, 30),
    log: Sequence[LogEntry] = (),
) -> Dashboard:
    """A dashboard as parsed, straight from days: for the pure checks."""
    frame = pd.DataFrame(
        {
            "revenue": [float(d.revenue) for d in days],
            "food_cost": [float(d.food_cost) for d in days],
            "other_costs": [float(d.other_costs) for d in days],
        },
        index=pd.DatetimeIndex([pd.Timestamp(d.day) for d in days], name="date"),
    )
    entries = pd.DataFrame(
        {
            "date": pd.Series(
                [pd.Timestamp(e.at) for e in log], dtype="datetime64[ns]"
            ),
            "kind": [e.kind for e in log],
            "message": [e.message for e in log],
        }
    )
    return Dashboard(frame.sort_index(), refresh, entries)


def content(
    days: Sequence[Day],
    refresh: datetime = datetime(2026, 2, 1, 23, 30),
    log: Sequence[LogEntry] = (),
) -> DemoDashboard:
    """What a dashboard file holds."""
    return DemoDashboard("Test dashboard", list(days), refresh, list(log))


def healthy_days(weeks: int = 9, before: date = THIS_MONDAY + ONE_WEEK) -> list[Day]:
    """Ordinary weeks up to yesterday (as of AS_OF): nothing to report."""
    return history(weeks, before=before)


def write(
    path: Path,
    days: Sequence[Day] | None = None,
    *,
    contract: Contract = CONTRACT,
    refresh: datetime = datetime(2026, 2, 1, 23, 30),
    log: Sequence[LogEntry] = (),
) -> Path:
    """A dashboard .xlsx at ``path``; healthy unless told otherwise."""
    chosen = healthy_days() if days is None else days
    write_dashboard(path, contract, content(chosen, refresh, log))
    return path


def customer(
    number: int, dashboard_cell: str, *, language: str = "en", tier: str = "R3"
) -> dict[str, object]:
    """A Customers row of an active customer."""
    return {
        "customer_id": f"C-{number:04d}",
        "customer": f"Resto {number}",
        "tier": tier,
        "start_date": date(2025, 1, 5),
        "email": f"owner{number}@resto.example",
        "language": language,
        "dashboard": dashboard_cell,
        "active": True,
    }


def tracker(
    path: Path,
    customers: Sequence[dict[str, object]],
    alerts: Sequence[dict[str, object]] = (),
    settings: Settings = SETTINGS,
) -> WorkbookBackend:
    """A tracker workbook with these customers and Alerts rows."""
    rows: dict[str, list[dict[str, object]]] = {
        schema.CUSTOMERS.name: list(customers),
        schema.ALERTS.name: list(alerts),
    }
    return make_workbook(path, settings, AS_OF, rows)


def alert(
    number: int,
    customer_name: str,
    check: str,
    week_label: str,
    status: str = "Open",
    raised_at: datetime = datetime(2026, 1, 26, 8, 0),
) -> dict[str, object]:
    """An Alerts row as sheetops or staff left it."""
    return {
        "alert_id": f"AL-{number:04d}",
        "raised_at": raised_at,
        "customer": customer_name,
        "check": check,
        "week": week_label,
        "value": "",
        "message": "an earlier finding",
        "status": status,
        "internal": False,
    }


def rows_of(backend: WorkbookBackend, tab: schema.Tab) -> list[dict[str, Any]]:
    """The tab's rows as typed values, by field."""
    from sheetops.sync.ledger import Ledger

    ledger = Ledger.read(tab, backend.read())
    return [values for _, values in ledger.rows()]


def settings_from(folder: Path, toml: str) -> Settings:
    """The shipped settings with ``toml`` laid over them, as --config does."""
    path = folder / "overrides.toml"
    path.write_text(toml, encoding="utf-8")
    return load_settings(path, environ={})


def with_rules(**changes: Any) -> MonitorSettings:
    """The shipped thresholds with some changed."""
    return replace(RULES, **changes)
