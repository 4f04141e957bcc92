"""The demo's R3 dashboards: daily figures the weekly checks and reviews can read.

``sheetops demo`` writes one .xlsx dashboard per R3 customer, at the
path its Dashboard cell names (``dashboards/kedai-kopi-senja.xlsx``),
laid out as the template the business sells: a Dashboard tab showing
the last refresh, a Daily tab of figures and an Import Log. About
twenty months of days end yesterday, so every check and the quarterly
review (against the quarter before and the same quarter a year ago)
have something to show on a fresh install.

Kedai Kopi Senja's dashboard has one of each problem planted (see
:data:`PLANTED`); the others are healthy and raise nothing.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.workbook.defined_name import DefinedName

from sheetops import schema
from sheetops.monitor.config import Contract, monitor_settings
from sheetops.settings import Settings

SEED = 20260105
HISTORY_DAYS = 640
UNHEALTHY = "Kedai Kopi Senja"
# The checks planted in the unhealthy dashboard, by their Check name.
PLANTED = ("Last refresh", "Revenue", "Food cost", "Margin", "Import failure")
# Restaurants sell more at the weekend: Monday first.
WEEKDAY_FACTOR = (0.85, 0.85, 0.9, 0.95, 1.1, 1.3, 1.25)
NIGHTLY_IMPORT = time(23, 30)
OK_KIND = "Import OK"
# The unhealthy dashboard's figures stop this many days before yesterday,
# and its imports have failed every night since.
STALE_GAP_DAYS = 9
LOG_DAYS = 45
# Where the refresh time goes when the settings name a cell rather than
# giving Tab!Cell.
FRONT_TAB = "Dashboard"
FRONT_CELL = "B2"
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Day:
    """One row of the Daily tab."""

    day: date
    revenue: int
    food_cost: int
    other_costs: int
    covers: int


@dataclass(frozen=True)
class LogEntry:
    """One row of the Import Log tab."""

    at: datetime
    kind: str
    message: str


@dataclass(frozen=True)
class DemoDashboard:
    """Everything one dashboard file holds."""

    title: str
    days: list[Day]
    last_refresh: datetime
    log: list[LogEntry]


def write_demo_dashboards(
    folder: Path, as_of: datetime, settings: Settings
) -> list[Path]:
    """Write a dashboard for each demo R3 customer under ``folder``; return paths."""
    from sheetops.demo import demo_rows

    contract = monitor_settings(settings).contract
    today = _wall(as_of, settings).date()
    written = []
    for row in demo_rows(as_of, settings)[schema.CUSTOMERS.name]:
        location = str(row.get("dashboard") or "")
        if row.get("tier") != "R3" or not location:
            continue
        name = str(row["customer"])
        path = folder / location
        write_dashboard(path, contract, demo_dashboard(name, today))
        written.append(path)
    return written


def demo_dashboard(name: str, today: date) -> DemoDashboard:
    """A customer's dashboard content, the same for the same name and day."""
    rng = random.Random(f"{SEED}:{name}")
    scale = rng.randrange(40, 90) * 100_000
    yesterday = today - ONE_DAY
    unhealthy = name == UNHEALTHY
    last = yesterday - STALE_GAP_DAYS * ONE_DAY if unhealthy else yesterday
    first = today - HISTORY_DAYS * ONE_DAY
    bad_week = last - last.weekday() * ONE_DAY if unhealthy else None

    days = []
    for offset in range((last - first).days + 1):
        day = first + offset * ONE_DAY
        bad = bad_week is not None and day >= bad_week
        days.append(_day(rng, day, scale, first, exact=unhealthy, bad=bad))
    refresh = datetime.combine(last, NIGHTLY_IMPORT)
    title = f"{name} - Restaurant Dashboard"
    return DemoDashboard(title, days, refresh, _log(last, yesterday, unhealthy))


def _day(
    rng: random.Random, day: date, scale: int, first: date, *, exact: bool, bad: bool
) -> Day:
    """One day's figures: a weekday pattern, a slow trend, a season, some noise.

    ``exact`` keeps food cost at exactly 32 % of revenue (38 % in the
    ``bad`` week, when revenue also falls by 28 % and costs rise a little)
    so the planted alert reads "jumped to 38% ... (usually 32%)".
    """
    years = (day - first).days / 365
    season = 1 + 0.06 * math.sin(2 * math.pi * day.timetuple().tm_yday / 365)
    level = scale * (1 + 0.08 * years) * season
    revenue = level * WEEKDAY_FACTOR[day.weekday()] * rng.uniform(0.96, 1.04)
    share = 0.32 if exact else rng.uniform(0.298, 0.322)
    other = level * 0.48 * rng.uniform(0.97, 1.03)
    if bad:
        revenue, share, other = revenue * 0.72, 0.38, other * 1.05
    rounded = round(revenue, -3)
    return Day(
        day,
        int(rounded),
        round(rounded * share),
        int(round(other, -3)),
        int(rounded // 85_000),
    )


def _log(last: date, yesterday: date, unhealthy: bool) -> list[LogEntry]:
    entries = []
    day = yesterday - LOG_DAYS * ONE_DAY
    while day <= yesterday:
        at = datetime.combine(day, NIGHTLY_IMPORT)
        if day <= last:
            entries.append(LogEntry(at, OK_KIND, "Imported the day's sales from POS"))
        elif unhealthy:
            entries.append(
                LogEntry(
                    at,
                    "Import failure",
                    "POS export not found in the shared folder (sales-export.csv)",
                )
            )
        day += ONE_DAY
    return entries


def write_dashboard(path: Path, contract: Contract, content: DemoDashboard) -> None:
    """Write ``content`` as an .xlsx dashboard laid out as ``contract`` says."""
    workbook = Workbook()
    front = workbook.active
    front.title = contract.refresh.tab or FRONT_TAB
    front["A1"] = content.title
    front["A1"].font = Font(bold=True, size=14)
    cell = contract.refresh.cell or FRONT_CELL
    front[cell] = content.last_refresh
    front[cell].number_format = "yyyy-mm-dd hh:mm"
    front.cell(front[cell].row, max(front[cell].column - 1, 1)).value = "Last refresh"
    if contract.refresh.named:
        where = f"'{front.title}'!${FRONT_CELL[0]}${FRONT_CELL[1:]}"
        name = contract.refresh.name
        workbook.defined_names[name] = DefinedName(name, attr_text=where)

    daily = workbook.create_sheet(contract.tab)
    headers = [
        contract.date,
        contract.revenue,
        contract.food_cost,
        contract.other_costs,
        "Covers",
    ]
    _rows(daily, headers, [_day_cells(d) for d in content.days], "yyyy-mm-dd")
    log = workbook.create_sheet(contract.log_tab)
    entries = [[e.at, e.kind, e.message] for e in content.log]
    headers = [contract.log_date, contract.log_kind, contract.log_message]
    _rows(log, headers, entries, "yyyy-mm-dd hh:mm")

    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


def _day_cells(day: Day) -> list[object]:
    return [day.day, day.revenue, day.food_cost, day.other_costs, day.covers]


def _rows(
    sheet: Any, headers: Sequence[str], rows: list[list[object]], fmt: str
) -> None:
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in rows:
        sheet.append(values)
    for (cell,) in sheet.iter_rows(min_row=2, max_col=1):
        cell.number_format = fmt
    sheet.freeze_panes = "A2"


def _wall(as_of: datetime, settings: Settings) -> datetime:
    if as_of.tzinfo is not None:
        as_of = as_of.astimezone(settings.business.time_zone)
    return as_of.replace(tzinfo=None)
