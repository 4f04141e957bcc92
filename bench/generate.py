"""Synthetic trackers of any size, for benchmarks.

Plausible rather than realistic: customers over all tiers and billing
days, requests of every type and status, time logged against them over
the last three months, and about one bad cell in a hundred.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sheetops import schema
from sheetops.settings import Settings
from sheetops.sync.backend import Cell, Grid

STATUSES = schema.STATUSES
STAFF = ("Dewi", "Rizky", "Putri", "Agus")


def synthetic_grids(
    customers: int,
    requests: int,
    time_log: int,
    as_of: datetime,
    settings: Settings,
    seed: int = 7,
) -> dict[str, Grid]:
    """Every computed tab as a grid (header first) of the given sizes."""
    rng = random.Random(seed)
    today = as_of.date()
    catalog = [task.task for task in settings.catalog]
    grids: dict[str, Grid] = {}

    grids[schema.CUSTOMERS.name] = _grid(
        schema.CUSTOMERS, [_customer(i, rng, today) for i in range(customers)]
    )
    grids[schema.REQUESTS.name] = _grid(
        schema.REQUESTS,
        [_request(i, customers, catalog, rng, as_of) for i in range(requests)],
    )
    column = schema.REQUESTS.headers.index("Received At")
    received = [row[column] for row in grids[schema.REQUESTS.name][1:]]
    grids[schema.TIME_LOG.name] = _grid(
        schema.TIME_LOG, [_work(received, rng, today) for _ in range(time_log)]
    )
    grids[schema.CATALOG.name] = _grid(
        schema.CATALOG,
        [
            {"task": t.task, "min_minutes": t.min_minutes, "max_minutes": t.max_minutes}
            for t in settings.catalog
        ],
    )
    for tab in (schema.CALLS, schema.HOLIDAYS, schema.STATUS):
        grids[tab.name] = [list(tab.headers)]
    return grids


def _grid(tab: schema.Tab, rows: list[dict[str, Cell]]) -> Grid:
    fields = [c.field for c in tab.columns]
    return [list(tab.headers)] + [[row.get(f) for f in fields] for row in rows]


def _customer(i: int, rng: random.Random, today: date) -> dict[str, Cell]:
    start = today - timedelta(days=rng.randint(40, 700))
    return {
        "customer_id": f"C-{i + 1:05d}",
        "customer": f"Restoran {i + 1}",
        "tier": rng.choice(schema.TIERS),
        "start_date": start,
        "email": f"owner{i + 1}@example.com",
        "whatsapp": f"0812{rng.randint(1000000, 9999999)}",
        "language": rng.choice(schema.LANGUAGES),
        "active": True,
    }


def _request(
    i: int, customers: int, catalog: list[str], rng: random.Random, as_of: datetime
) -> dict[str, Cell]:
    received = as_of.replace(tzinfo=None) - timedelta(minutes=rng.randint(10, 130_000))
    kind = rng.choice(schema.REQUEST_TYPES)
    status = rng.choice(STATUSES)
    row: dict[str, Cell] = {
        "request_id": f"REQ-{i + 1:06d}",
        "received_at": received,
        "customer": f"C-{rng.randint(1, customers):05d}",
        "channel": rng.choice(schema.CHANNELS),
        "urgency": rng.choice(schema.URGENCIES),
        "description": "Add a new metric"
        if kind == "B"
        else "Dashboard not refreshing",
        "type": kind,
        "status": status,
        "first_response_at": received + timedelta(hours=rng.randint(1, 30)),
    }
    if kind == "B":
        row["catalog_task"] = rng.choice(catalog)
        row["approved_on"] = received.date() + timedelta(days=1)
    if rng.random() < 0.01:
        row["received_at"] = "kemarin"
    return row


def _work(received: list[Cell], rng: random.Random, today: date) -> dict[str, Cell]:
    """Time logged on a request between the day after it arrived and today."""
    index = rng.randrange(len(received))
    arrived = received[index]
    first = arrived.date() if isinstance(arrived, datetime) else today
    span = max((today - first).days - 1, 0)
    minutes: Cell = rng.choice((10, 15, 20, 30, 45, 60))
    if rng.random() < 0.01:
        minutes = "abc"
    return {
        "date": first + timedelta(days=1 + rng.randint(0, span)) if span else today,
        "request_id": f"REQ-{index + 1:06d}",
        "work_done": "Work",
        "minutes": minutes,
        "staff": rng.choice(STAFF),
    }
