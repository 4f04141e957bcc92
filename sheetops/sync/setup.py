"""Lay out a tracker for ``init`` and fill one for ``demo``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sheetops import schema
from sheetops.errors import TrackerError
from sheetops.rules.calendar import public_holidays
from sheetops.settings import Settings
from sheetops.sync.backend import Backend, Grid


def seed_grids(settings: Settings, as_of: datetime) -> dict[str, Grid]:
    """Rows a new tracker starts with: the catalog and public holidays.

    The holidays are this year's and next year's, so staff see which days
    the SLA clocks skip and can add collective leave beside them.
    """
    catalog = [
        [task.task, task.min_minutes, task.max_minutes, task.example]
        for task in settings.catalog
    ]
    years = [as_of.year, as_of.year + 1]
    holidays = [
        [day, name, True] for day, name in public_holidays(settings.business, years)
    ]
    return {
        schema.CATALOG.name: _widen(schema.CATALOG, catalog),
        schema.HOLIDAYS.name: _widen(schema.HOLIDAYS, holidays),
    }


def _widen(tab: schema.Tab, rows: list[list[object]]) -> Grid:
    """Pad rows typed in the tab's staff-column order to its full width."""
    width = len(tab.columns)
    return [list(row) + [None] * (width - len(row)) for row in rows]  # type: ignore[misc]


def initialise(backend: Backend, settings: Settings, as_of: datetime) -> list[str]:
    """Create whatever the tracker lacks; return one line per thing done."""
    return backend.prepare(schema.TABS, seed_grids(settings, as_of))


def create_demo(
    backend: Backend, settings: Settings, as_of: datetime, *, force: bool
) -> None:
    """Lay out a fresh tracker filled with the demo data set."""
    from sheetops import demo

    path = Path(backend.location)
    if path.suffix.lower() == ".xlsx" and path.exists():
        if not force:
            raise TrackerError(
                f"{path} already exists; pass --force to replace it with the "
                "demo, or --tracker another.xlsx"
            )
        path.unlink()

    grids = seed_grids(settings, as_of)
    for name, rows in demo.demo_grids(as_of, settings).items():
        demo_rows: Grid = rows
        seeded = [] if name == schema.CATALOG.name else grids.get(name, [])
        grids[name] = demo_rows + seeded
    backend.prepare(schema.TABS, grids)

    from sheetops.demo_dashboards import write_demo_dashboards

    # Dashboard cells hold paths relative to the tracker's folder (the
    # working directory for a Google Sheet); the R3 checks read them there.
    folder = path.parent if path.suffix.lower() == ".xlsx" else Path.cwd()
    write_demo_dashboards(folder, as_of, settings)
