"""A customer's dashboard as the checks see it: daily figures, refresh time, log.

The template the business sells keeps its daily figures on one tab and
a log of data imports on another, and shows when it was last refreshed
in one cell; ``[monitor.dashboard]`` and ``[monitor.import_log]`` say
where. This module turns the grids a source read into typed tables, and
says exactly what doesn't match when a customer's copy has drifted.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from sheetops.errors import SheetopsError
from sheetops.monitor.config import Contract
from sheetops.rules.validation import Table, as_datetime, parse_tab
from sheetops.schema import Column, Kind, Tab, Type, loose
from sheetops.sync.backend import Cell, Grid

logger = logging.getLogger(__name__)

# What a broken dashboard shows in the alert's Value column.
CANT_OPEN = "can't open"
NOT_SHARED = "not shared"
MISMATCH = "doesn't match"
NO_LINK = "no link"
FIGURES = ("revenue", "food_cost", "other_costs")


class DashboardError(SheetopsError):
    """A dashboard can't be opened, isn't shared, or doesn't match the template."""

    def __init__(self, problem: str, reason: str) -> None:
        super().__init__(reason)
        self.problem = problem
        self.reason = reason


@dataclass(frozen=True)
class RawDashboard:
    """What a source read: the contract's tabs as grids and the refresh cell."""

    location: str
    tabs: tuple[str, ...]
    grids: dict[str, Grid]
    refresh: Cell


@dataclass
class Dashboard:
    """A dashboard as read and typed.

    ``figures`` has one row per day (index: the day, a Timestamp) and the
    columns revenue, food_cost and other_costs; several rows for one day
    (one per outlet, say) are added up. ``log`` has date, kind, message.
    """

    figures: pd.DataFrame
    last_refresh: datetime | None
    log: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def figures_tab(contract: Contract) -> Tab:
    """The daily figures tab as a schema tab, so the tracker's parser reads it."""
    return Tab(
        contract.tab,
        (
            Column("date", contract.date, Kind.STAFF, Type.DATE, required=True),
            Column("revenue", contract.revenue, Kind.STAFF, Type.NUMBER),
            Column("food_cost", contract.food_cost, Kind.STAFF, Type.NUMBER),
            Column("other_costs", contract.other_costs, Kind.STAFF, Type.NUMBER),
        ),
    )


def log_tab(contract: Contract) -> Tab:
    """The import log tab as a schema tab."""
    return Tab(
        contract.log_tab,
        (
            Column("date", contract.log_date, Kind.STAFF, Type.DATETIME, required=True),
            Column("kind", contract.log_kind),
            Column("message", contract.log_message),
        ),
    )


def check_tabs(raw_tabs: Sequence[str], contract: Contract, location: str) -> None:
    """Raise DashboardError unless every tab the contract names is there."""
    have = {loose(title) for title in raw_tabs}
    needed = [
        (contract.tab, "[monitor.dashboard] tab"),
        (contract.log_tab, "[monitor.import_log] tab"),
    ]
    if not contract.refresh.named:
        needed.append((contract.refresh.tab, "[monitor.dashboard] last_refresh"))
    for title, setting in needed:
        if loose(title) not in have:
            shown = ", ".join(repr(t) for t in raw_tabs) or "none"
            raise DashboardError(
                MISMATCH,
                f"dashboard {location} has no tab {title!r} (its tabs: {shown}); "
                f"rename the tab back, or set {setting} for this template",
            )


def parse_dashboard(raw: RawDashboard, contract: Contract) -> Dashboard:
    """Type the grids ``raw`` holds; DashboardError when headers don't match."""
    check_tabs(raw.tabs, contract, raw.location)
    daily = _table(raw, figures_tab(contract), "[monitor.dashboard]")
    log = _table(raw, log_tab(contract), "[monitor.import_log]")
    notes: list[str] = []

    figures = _daily_figures(daily, notes)
    refresh = as_datetime(raw.refresh)
    if refresh is None:
        shown = "blank" if raw.refresh in (None, "") else repr(str(raw.refresh))
        notes.append(
            f"the last refresh cell {contract.refresh.describe()} is {shown}, "
            "not a date and time"
        )
    entries = log.frame[log.frame["date"].notna()]
    return Dashboard(figures, refresh, entries.reset_index(drop=True), notes)


def _table(raw: RawDashboard, tab: Tab, section: str) -> Table:
    grid = _grid(raw, tab.name)
    header = list(grid[0]) if grid else []
    found = {loose(text) for text in header}
    missing = [c for c in tab.columns if loose(c.header) not in found]
    if missing:
        names = ", ".join(repr(c.header) for c in missing)
        keys = ", ".join(c.field for c in missing)
        present = ", ".join(repr(str(t)) for t in header if t not in (None, ""))
        raise DashboardError(
            MISMATCH,
            f"dashboard {raw.location}: tab {tab.name!r} has no column {names} "
            f"(its columns: {present or 'none'}); rename the column back, or set "
            f"{section} {keys} for this template",
        )
    return parse_tab(tab, tab.name, grid)


def _grid(raw: RawDashboard, title: str) -> Grid:
    for name, grid in raw.grids.items():
        if loose(name) == loose(title):
            return grid
    return []


def _daily_figures(daily: Table, notes: list[str]) -> pd.DataFrame:
    """One row per day with figures; a row with a figure missing is left out.

    A row whose figures are all blank or all zero is a day not imported
    yet (templates lay out the dates, and their formulas show 0, ahead of
    the data), so it is skipped without a word; a row with some figures
    but not all, or one that isn't a number, is left out and said.
    """
    frame = daily.frame[daily.frame["date"].notna()]
    values = frame[list(FIGURES)]
    empty = (values.isna() | (values == 0)).all(axis=1)
    empty &= ~frame.index.isin(list(daily.problems))
    partial = ~empty & values.isna().any(axis=1)
    if partial.any():
        first = int(frame.index[partial][0])
        notes.append(
            f"{int(partial.sum())} rows of {daily.title!r} have a blank or "
            f"unreadable figure (first: row {first}) and were left out"
        )
    kept = frame[~empty & ~partial]
    return kept.groupby("date")[list(FIGURES)].sum().sort_index()
