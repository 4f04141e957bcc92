"""What one-off commands print: the budget table, an approval message."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from sheetops import schema
from sheetops.errors import SheetopsError
from sheetops.rules import messages
from sheetops.rules.validation import find_customer
from sheetops.schema import loose
from sheetops.settings import Settings
from sheetops.sync import engine
from sheetops.sync.backend import Backend

BUDGET_FIELDS = (
    "customer",
    "tier",
    "monthly_allocation",
    "used_hours",
    "remaining",
    "reset_date",
)


def budget_lines(backend: Backend, settings: Settings, as_of: datetime) -> list[str]:
    """The seed's monthly time budget tracker, one line per customer."""
    tracker, computed = engine.preview(backend, settings, as_of)
    customers = tracker.tables[schema.CUSTOMERS.name].frame
    figures = computed[schema.CUSTOMERS.name]
    rows = [
        [
            _cell(customers.at[r, f] if f in customers else figures.at[r, f])
            for f in BUDGET_FIELDS
        ]
        for r in customers.index
    ]
    headers = [schema.CUSTOMERS.column(f).header for f in BUDGET_FIELDS]
    return _table(headers, rows)


def _cell(value: object) -> str:
    if (
        value is None
        or value is pd.NaT
        or (isinstance(value, float) and pd.isna(value))
    ):
        return "—"
    if isinstance(value, pd.Timestamp):
        return f"{value:%b} {value.day}"
    if isinstance(value, float):
        # The seed writes hours with one decimal at least: 1.0, 0.5, 0.75.
        text = f"{value:.2f}".rstrip("0")
        return text + "0" if text.endswith(".") else text
    return str(value)


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
        for i, h in enumerate(headers)
    ]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) for c, w in zip(cells, widths, strict=True)
        ).rstrip()

    return [line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows]


def estimate_message(
    backend: Backend,
    settings: Settings,
    as_of: datetime,
    customer: str,
    task: str,
    quantity: int,
) -> str:
    """The approval message for ``quantity`` × ``task`` for ``customer``."""
    tracker, computed = engine.preview(backend, settings, as_of)
    customers = tracker.tables[schema.CUSTOMERS.name].frame
    found = find_customer(customers, customer)
    person = found.to_dict()
    catalog = tracker.tables[schema.CATALOG.name].frame
    line = _catalog_row(catalog, task)

    if person["tier"] not in settings.tiers:
        raise SheetopsError(
            f"{customer!r} has no valid Tier on the Customers tab; fix it first"
        )
    figures = computed[schema.CUSTOMERS.name].to_dict("index")[found.name]
    return messages.approval_message(
        float(catalog["max_minutes"].to_dict()[line]) * quantity,
        settings.tier(person["tier"]),
        float(figures["used_hours"]),
        figures["reset_date"].date(),
        person["language"] or "en",
        settings,
    )


def _catalog_row(catalog: pd.DataFrame, task: str) -> int:
    hits = catalog.index[catalog["task"].map(loose) == loose(task)]
    if not len(hits):
        raise SheetopsError(f"{task!r} is not on the Catalog tab")
    return int(hits[0])
