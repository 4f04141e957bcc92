"""Small real trackers and settings for the mail tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sheetops import schema
from sheetops.mailers.keys import MailRequest
from sheetops.settings import Settings
from sheetops.sync.ledger import Ledger
from sheetops.sync.workbook import WorkbookBackend
from tests.trackers import Rows, make_workbook


def smtp_settings(settings: Settings, port: int, **mail: Any) -> Settings:
    """Settings sending through the local server, without TLS."""
    wanted: dict[str, Any] = {
        "transport": "smtp",
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_security": "none",
        "timeout_seconds": 5,
    }
    return replace(settings, mail=replace(settings.mail, **(wanted | mail)))


def outbox_settings(settings: Settings, folder: Path) -> Settings:
    """Settings writing .eml files to ``folder``."""
    return replace(settings, mail=replace(settings.mail, outbox=folder))


def seed_customer(**extra: object) -> dict[str, object]:
    """The seed's R2 customer: 1 hour a month, periods from the 1st."""
    return {
        "customer_id": "C-0001",
        "customer": "Warung Kopi",
        "tier": "R2",
        "start_date": date(2026, 1, 1),
        "email": "kopi@example.com",
        "language": "",
        "active": True,
        **extra,
    }


def seed_january() -> Rows:
    """January 2026 as the seed's sample report shows it: 0.75 of 1 hour used."""
    work = [
        ("REQ-0001", "Simple metric", 8, 15, 'Added "Top Selling Items" metric'),
        ("REQ-0002", "Calculation change", 9, 18, "Modified food cost calculation"),
        ("REQ-0003", "Visual tweak", 12, 12, "Updated color scheme"),
    ]
    return {
        "Customers": [seed_customer()],
        "Requests": [
            {
                "request_id": request_id,
                "received_at": datetime(2026, 1, day - 1, 9),
                "customer": "C-0001",
                "type": "B",
                "catalog_task": task,
                "approved_on": date(2026, 1, day - 1),
                "status": "Delivered",
            }
            for request_id, task, day, _, _ in work
        ],
        "Time Log": [
            {
                "date": date(2026, 1, day),
                "request_id": request_id,
                "minutes": minutes,
                "work_done": text,
                "staff": "Dewi",
            }
            for request_id, _, day, minutes, text in work
        ],
    }


def many_customers(count: int, **extra: object) -> Rows:
    """``count`` R2 customers, C-0001 on, each with an Email, started 1 Jan."""
    return {
        "Customers": [
            seed_customer(
                customer_id=f"C-{n:04d}",
                customer=f"Customer {n}",
                email=f"customer{n}@example.com",
                **extra,
            )
            for n in range(1, count + 1)
        ]
    }


def reports_for(count: int) -> list[MailRequest]:
    """A January time report for each of ``many_customers(count)``."""
    return [
        MailRequest("time_report", f"C-{n:04d}", "2026-01-01")
        for n in range(1, count + 1)
    ]


def tracker(
    tmp_path: Path, settings: Settings, as_of: datetime, rows: Rows
) -> WorkbookBackend:
    """A real workbook tracker holding ``rows``."""
    return make_workbook(tmp_path / "tracker.xlsx", settings, as_of, rows)


def outbox_rows(backend: WorkbookBackend) -> dict[str, dict[str, object]]:
    """The Outbox tab by key: each row's fields as read back."""
    outbox = Ledger.read(schema.OUTBOX, backend.read())
    return {str(values["key"]): values for _, values in outbox.rows()}


def every_kind_tracker() -> Rows:
    """A tracker with something to say for every kind of mail."""
    rows = seed_january()
    rows["Customers"].append(
        {
            "customer_id": "C-0002",
            "customer": "Resto Padang Sederhana",
            "tier": "R3",
            "start_date": date(2025, 3, 5),
            "email": "padang@example.com",
            "language": "id",
            "dashboard": "https://docs.google.com/spreadsheets/d/abc",
            "active": True,
        }
    )
    rows["Requests"] += [
        {
            "request_id": "REQ-0010",
            "received_at": datetime(2026, 1, 6, 9),
            "customer": "C-0002",
            "type": "B",
            "catalog_task": "Complex integration",
            "approved_on": date(2026, 1, 6),
            "overage_approved": True,
            "status": "Delivered",
            "description": "Connect the new POS",
        },
        {
            "request_id": "REQ-0011",
            "received_at": datetime(2026, 2, 2, 9),
            "customer": "C-0001",
            "type": "B",
            "catalog_task": "Page reorganization",
            "status": "Awaiting Approval",
            "preferred_channel": "Email",
            "description": "Move the sales charts up",
        },
    ]
    rows["Time Log"].append(
        {
            "date": date(2026, 1, 20),
            "request_id": "REQ-0010",
            "minutes": 181,
            "work_done": "POS connector",
        }
    )
    rows["Calls"] = [
        {
            "customer": "C-0002",
            "kind": "Strategic Call",
            "month": "2026-02",
            "scheduled_for": datetime(2026, 2, 9, 14),
            "medium": "video",
        }
    ]
    rows["Alerts"] = [
        {
            "alert_id": "AL-0001",
            "raised_at": datetime(2026, 2, 2, 7),
            "customer": "C-0002",
            "check": "Food cost",
            "week": "2026-W06",
            "value": "38%",
            "baseline": "32%",
            "message": "Your food cost jumped to 38% this week (usually 32%)",
            "status": "Open",
        }
    ]
    return rows


def r3_over(minutes_over: int) -> Rows:
    """An R3 customer (2 hours, periods from the 5th) over by ``minutes_over``."""
    return {
        "Customers": [
            seed_customer(
                customer_id="C-0002",
                customer="Resto Padang",
                tier="R3",
                start_date=date(2025, 3, 5),
                email="padang@example.com",
            ),
            seed_customer(start_date=date(2025, 6, 20)),
        ],
        "Requests": [
            {
                "request_id": request_id,
                "received_at": datetime(2026, 1, 6, 9),
                "customer": "C-0002",
                "type": "B",
                "catalog_task": task,
                "approved_on": date(2026, 1, 6),
                "overage_approved": True,
                "status": "Delivered",
                "description": text,
            }
            for request_id, task, text in [
                ("REQ-0021", "New dashboard page", "Staff Performance page"),
                ("REQ-0022", "Calculation change", "Food cost by supplier"),
            ]
        ],
        "Time Log": [
            {"date": date(2026, 1, 10), "request_id": "REQ-0021", "minutes": 100},
            {
                "date": date(2026, 1, 30),
                "request_id": "REQ-0022",
                "minutes": 20 + minutes_over,
            },
        ],
    }
