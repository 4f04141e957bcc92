"""Build small real trackers for tests, by field name rather than position."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sheetops import schema
from sheetops.settings import Settings
from sheetops.sync.backend import Grid
from sheetops.sync.setup import seed_grids
from sheetops.sync.workbook import WorkbookBackend

Rows = dict[str, list[dict[str, object]]]


def grid_rows(tab: schema.Tab, rows: list[dict[str, object]]) -> Grid:
    """Rows given by field name, laid out in the tab's column order."""
    return [[row.get(c.field) for c in tab.columns] for row in rows]  # type: ignore[misc]


def make_workbook(
    path: Path, settings: Settings, as_of: datetime, rows: Rows
) -> WorkbookBackend:
    """A laid-out tracker at ``path`` holding ``rows`` (and the seed catalog)."""
    grids = seed_grids(settings, as_of)
    for name, tab_rows in rows.items():
        grids[name] = grid_rows(schema.tab(name), tab_rows)
    backend = WorkbookBackend(path)
    backend.prepare(schema.TABS, grids)
    return backend


def small_tracker() -> Rows:
    """Three customers in the seed's budget table shape, a few requests."""
    return {
        "Customers": [
            {
                "customer_id": "C-0001",
                "customer": "Customer A",
                "tier": "R2",
                "start_date": date(2025, 6, 1),
                "whatsapp": "0812-3456-7890",
                "language": "en",
                "active": True,
            },
            {
                "customer_id": "C-0002",
                "customer": "Customer B",
                "tier": "R3",
                "start_date": date(2025, 3, 5),
                "active": True,
            },
            {
                "customer": "Customer C",
                "tier": "R2",
                "start_date": date(2025, 9, 10),
                "active": True,
            },
        ],
        "Requests": [
            {
                "request_id": "REQ-0001",
                "received_at": datetime(2026, 1, 20, 10),
                "customer": "C-0001",
                "type": "B",
                "catalog_task": "Simple metric",
                "approved_on": date(2026, 1, 20),
                "status": "In Progress",
                "first_response_at": datetime(2026, 1, 20, 11),
                "description": "=SUM(A1:A3) shows the wrong total",
            },
            {
                "received_at": datetime(2026, 1, 27, 16, 59),
                "customer": "Customer B",
                "type": "A",
                "description": "+62 dashboard not refreshing",
            },
            {
                "request_id": "REQ-0003",
                "received_at": datetime(2026, 1, 26, 9),
                "customer": "Customer B",
                "type": "B",
                "catalog_task": "Visual tweak",
                "approved_on": date(2026, 1, 26),
                "status": "Delivered",
                "delivered_on": date(2026, 1, 27),
                "first_response_at": datetime(2026, 1, 26, 10),
                "description": "@owner wants a new colour scheme",
            },
        ],
        "Time Log": [
            {
                "date": date(2026, 1, 21),
                "request_id": "REQ-0001",
                "minutes": 30,
                "staff": "Dewi",
                "work_done": "Added the metric",
            },
            {
                "date": date(2026, 1, 26),
                "request_id": "REQ-0003",
                "minutes": 108,
                "staff": "Rizky",
                "work_done": "Colours",
            },
            {
                "date": date(2026, 1, 22),
                "customer": "Customer B",
                "minutes": "abc",
                "staff": "Putri",
            },
        ],
    }
