"""Fixtures for the daemon's tests: mail, a fake clock, a small tracker."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from sheetops import schema
from sheetops.settings import Settings
from sheetops.sync.backend import Backend
from sheetops.sync.ledger import Ledger
from sheetops.sync.workbook import WorkbookBackend
from tests.trackers import Rows, make_workbook


@pytest.fixture
def outbox(quiet_settings: Settings) -> Path:
    """The folder the outbox transport writes sent mail to, as .eml files."""
    return quiet_settings.mail.outbox


@pytest.fixture
def quiet_settings(settings: Settings, tmp_path: Path) -> Settings:
    """The defaults, with mail written under the test's folder."""
    mail = dataclasses.replace(settings.mail, outbox=tmp_path / "outbox")
    return dataclasses.replace(settings, mail=mail)


class FakeClock:
    """A clock that moves only when told: now() and wait(seconds)."""

    def __init__(self, start: datetime, until: datetime | None = None) -> None:
        self.moment = start
        self.until = until
        self.waits: list[float] = []

    def now(self) -> datetime:
        return self.moment

    def set(self, moment: datetime) -> None:
        self.moment = moment

    def wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        self.moment += timedelta(seconds=seconds)
        return False


def jakarta(
    settings: Settings,
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
) -> datetime:
    """A moment in the business time zone."""
    zone = settings.business.time_zone
    return datetime(year, month, day, hour, minute, second, tzinfo=zone)


def close_tracker() -> Rows:
    """Two customers with reset dates worth testing and some custom work."""
    return {
        "Customers": [
            {
                "customer_id": "C-0001",
                "customer": "Warung Akhir Bulan",
                "tier": "R2",
                "start_date": date(2026, 1, 31),
                "email": "akhir@example.com",
                "language": "en",
                "active": True,
            },
            {
                "customer_id": "C-0002",
                "customer": "Dapur Lima",
                "tier": "R3",
                "start_date": date(2025, 11, 5),
                "email": "lima@example.com",
                "language": "id",
                "active": True,
            },
            {
                "customer_id": "C-0003",
                "customer": "Kopi Tutup",
                "tier": "R2",
                "start_date": date(2025, 6, 1),
                "active": False,
            },
        ],
        "Requests": [
            {
                "request_id": "REQ-0001",
                "received_at": datetime(2026, 2, 2, 9),
                "customer": "C-0001",
                "type": "B",
                "catalog_task": "New dashboard page",
                "approved_on": date(2026, 2, 2),
                "overage_approved": True,
                "status": "In Progress",
            },
        ],
        "Time Log": [
            {
                "date": date(2026, 2, 10),
                "request_id": "REQ-0001",
                "minutes": 90,
                "staff": "Dewi",
                "work_done": "Built the page",
            },
        ],
    }


@pytest.fixture
def tracker(quiet_settings: Settings, tmp_path: Path) -> WorkbookBackend:
    """A workbook tracker holding :func:`close_tracker`."""
    start = jakarta(quiet_settings, 2026, 2, 1, 5, 0)
    return make_workbook(
        tmp_path / "tracker.xlsx", quiet_settings, start, close_tracker()
    )


def rows(backend: Backend, tab: schema.Tab) -> pd.DataFrame:
    """A tab's rows as typed values, read fresh."""
    return Ledger.read(tab, backend.read()).frame


def outbox_keys(backend: Backend) -> list[str]:
    """Every key in the Outbox tab, in row order."""
    return list(rows(backend, schema.OUTBOX)["key"])
