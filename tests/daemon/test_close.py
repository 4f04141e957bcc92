"""The monthly close: Usage History rows and time reports, each once."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from sheetops import close, schema
from sheetops.settings import Settings
from sheetops.sync.backend import Snapshot, WriteBatch
from sheetops.sync.workbook import WorkbookBackend
from tests.daemon.conftest import jakarta, outbox_keys, rows


def _history(backend: WorkbookBackend, customer_id: str) -> list[tuple[date, date]]:
    found = rows(backend, schema.USAGE_HISTORY)
    mine = found[found["customer_id"] == customer_id]
    return [
        (pd.Timestamp(s).date(), pd.Timestamp(e).date())
        for s, e in zip(mine["period_start"], mine["period_end"], strict=True)
    ]


def test_a_31st_start_resets_on_each_months_last_day_once(
    tracker: WorkbookBackend, quiet_settings: Settings, outbox: Path
) -> None:
    days = [(2, 27), (2, 28), (2, 28), (3, 30), (3, 31), (4, 29), (4, 30), (4, 30)]
    seen = []
    for month, day in days:
        close.close_periods(
            tracker, quiet_settings, jakarta(quiet_settings, 2026, month, day, 6)
        )
        seen.append(len(_history(tracker, "C-0001")))

    assert seen == [0, 1, 1, 1, 2, 2, 3, 3]
    assert _history(tracker, "C-0001") == [
        (date(2026, 1, 31), date(2026, 2, 27)),
        (date(2026, 2, 28), date(2026, 3, 30)),
        (date(2026, 3, 31), date(2026, 4, 29)),
    ]
    reports = [k for k in outbox_keys(tracker) if k.startswith("time_report:C-0001:")]
    assert reports == [
        "time_report:C-0001:2026-01-31",
        "time_report:C-0001:2026-02-28",
        "time_report:C-0001:2026-03-31",
    ]


def test_a_closed_period_records_its_use_and_overage(
    tracker: WorkbookBackend, quiet_settings: Settings, outbox: Path
) -> None:
    close.close_periods(
        tracker, quiet_settings, jakarta(quiet_settings, 2026, 2, 28, 6)
    )

    history = rows(tracker, schema.USAGE_HISTORY)
    row = history[history["customer_id"] == "C-0001"].iloc[0]
    assert row["customer"] == "Warung Akhir Bulan"
    assert row["tier"] == "R2"
    assert row["allocation"] == 1
    assert row["used_hours"] == 1.5
    assert row["overage_hours"] == 0.5
    assert row["overage_rp"] == 125000
    assert row["closed_at"] == pd.Timestamp(2026, 2, 28, 6, 0)


def test_missed_periods_are_closed_in_order_once(
    tracker: WorkbookBackend, quiet_settings: Settings, outbox: Path
) -> None:
    close.close_periods(
        tracker, quiet_settings, jakarta(quiet_settings, 2026, 6, 10, 6)
    )
    close.close_periods(
        tracker, quiet_settings, jakarta(quiet_settings, 2026, 6, 10, 7)
    )

    history = rows(tracker, schema.USAGE_HISTORY)
    assert list(
        zip(history["customer_id"], history["period_start"].dt.date, strict=True)
    ) == [
        ("C-0002", date(2025, 11, 5)),
        ("C-0002", date(2025, 12, 5)),
        ("C-0002", date(2026, 1, 5)),
        ("C-0001", date(2026, 1, 31)),
        ("C-0002", date(2026, 2, 5)),
        ("C-0001", date(2026, 2, 28)),
        ("C-0002", date(2026, 3, 5)),
        ("C-0001", date(2026, 3, 31)),
        ("C-0002", date(2026, 4, 5)),
        ("C-0001", date(2026, 4, 30)),
        ("C-0002", date(2026, 5, 5)),
    ]
    assert "C-0003" not in set(history["customer_id"])


def test_only_recent_periods_get_a_report(
    tracker: WorkbookBackend, quiet_settings: Settings, outbox: Path
) -> None:
    close.close_periods(
        tracker, quiet_settings, jakarta(quiet_settings, 2026, 6, 10, 6)
    )

    reports = [k for k in outbox_keys(tracker) if k.startswith("time_report:")]
    # Periods that ended more than two months back are history, not news.
    assert reports == [
        "time_report:C-0001:2026-03-31",
        "time_report:C-0002:2026-04-05",
        "time_report:C-0001:2026-04-30",
        "time_report:C-0002:2026-05-05",
    ]


def test_a_crash_before_queueing_heals_on_the_next_run(
    tracker: WorkbookBackend,
    quiet_settings: Settings,
    outbox: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def crash(*args: object) -> int:
        raise ConnectionError("mail server went away")

    monkeypatch.setattr(close, "queue_reports", crash)
    with pytest.raises(ConnectionError):
        close.close_periods(
            tracker, quiet_settings, jakarta(quiet_settings, 2026, 2, 28, 6)
        )
    assert len(_history(tracker, "C-0001")) == 1
    assert outbox_keys(tracker) == []
    monkeypatch.undo()

    close.close_periods(tracker, quiet_settings, jakarta(quiet_settings, 2026, 3, 1, 6))

    assert len(_history(tracker, "C-0001")) == 1
    assert "time_report:C-0001:2026-01-31" in outbox_keys(tracker)


def test_two_closes_racing_write_each_period_once(
    tracker: WorkbookBackend,
    quiet_settings: Settings,
    outbox: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    as_of = jakarta(quiet_settings, 2026, 2, 28, 6)
    real_write = WorkbookBackend.write
    raced: list[bool] = []

    def write_after_a_rival(
        self: WorkbookBackend, batch: WriteBatch, snapshot: Snapshot
    ) -> None:
        # The first write is overtaken by another daemon's complete close.
        if not raced:
            raced.append(True)
            close.close_periods(WorkbookBackend(self.path), quiet_settings, as_of)
        real_write(self, batch, snapshot)

    monkeypatch.setattr(WorkbookBackend, "write", write_after_a_rival)
    close.close_periods(tracker, quiet_settings, as_of)

    assert _history(tracker, "C-0001") == [(date(2026, 1, 31), date(2026, 2, 27))]
    assert len(rows(tracker, schema.USAGE_HISTORY)) == 4
    assert outbox_keys(tracker).count("time_report:C-0001:2026-01-31") == 1


def test_a_customer_with_an_unreadable_start_date_stops_no_close() -> None:
    customers = pd.DataFrame(
        {
            "customer_id": ["C-0001", "C-0002"],
            "active": [True, True],
            "start_date": pd.to_datetime(["2026-01-31", None]),
        }
    )
    history = pd.DataFrame(columns=["customer_id", "period_start", "period_end"])

    pending = close.pending_periods(customers, history, date(2026, 3, 1))

    assert [(row["customer_id"], start) for row, start, _ in pending] == [
        ("C-0001", date(2026, 1, 31))
    ]
