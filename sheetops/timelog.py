"""Time tracking from the terminal: start and stop a timer, or log minutes.

These are the only Time Log cells sheetops ever types, besides IDs: a
person asks it to, for themselves, instead of typing the row by hand.
Each refuses a request that isn't on the Requests tab, one that is
Closed or Declined, and custom work (type B) the customer hasn't
approved yet, since that time could never be billed. Rows are written
like the ledgers write theirs: an appended row must still be empty, and
a stopped timer's row must still hold what was read, when the write
lands; otherwise the tracker is read again and the write redone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TypeVar

import pandas as pd

from sheetops import schema
from sheetops.errors import SheetopsError, TrackerMovedError
from sheetops.rules.validation import Table, parse_tab
from sheetops.settings import Settings
from sheetops.sync.backend import (
    Backend,
    Cell,
    CellWrite,
    RowGuard,
    Snapshot,
    WriteBatch,
    identity,
)
from sheetops.sync.diff import comparable

logger = logging.getLogger(__name__)

ATTEMPTS = 3
REFUSED_STATUSES = ("Closed", "Declined")
CUSTOM_WORK = "B"
# The cells that identify a running timer's row when it is stopped.
TIMER_FIELDS = ("date", "request_id", "started", "stopped", "staff")
T = TypeVar("T")


class TimeLogError(SheetopsError):
    """Time can't be logged against this request, or no timer is running."""


@dataclass(frozen=True)
class Entry:
    """A Time Log row sheetops wrote, as the command reports it."""

    row: int
    request_id: str
    day: date
    staff: str
    started: time | None = None
    stopped: time | None = None
    minutes: float | None = None

    def describe(self) -> str:
        """One line for the terminal."""
        where = f"Time Log row {self.row}"
        if self.minutes is not None and self.started is None:
            return f"Logged {self.minutes:g} minutes on {self.request_id} ({where})."
        if self.stopped is None:
            return (
                f"Timer started on {self.request_id} at {self.started:%H:%M} "
                f"for {self.staff} ({where})."
            )
        return (
            f"Timer stopped on {self.request_id} at {self.stopped:%H:%M}: "
            f"{self.minutes:g} minutes ({where})."
        )


def start_timer(
    backend: Backend, request_id: str, staff: str, as_of: datetime
) -> Entry:
    """Append a Time Log row with Date, Request ID, Started and Staff."""

    def attempt() -> Entry:
        snapshot = backend.read()
        canonical = check_request(snapshot, request_id)
        log = _time_log(snapshot)
        running = _open_row(log, canonical, staff)
        if running is not None:
            since = _time_of(log, running)
            raise TimeLogError(
                f"a timer on {canonical} for {staff} is already running since "
                f"{since:%H:%M} (Time Log row {running}); stop it first"
            )
        started = _minute(as_of)
        row = _append(
            backend,
            snapshot,
            log,
            {
                "date": as_of.date(),
                "request_id": canonical,
                "started": started,
                "staff": staff,
            },
        )
        return Entry(row, canonical, as_of.date(), staff, started=started)

    return _retry(attempt)


def stop_timer(
    backend: Backend, request_id: str, staff: str, as_of: datetime, note: str = ""
) -> Entry:
    """Fill Stopped (and Work Done, if given and blank) on the running timer's row."""

    def attempt() -> Entry:
        snapshot = backend.read()
        canonical = check_request(snapshot, request_id)
        log = _time_log(snapshot)
        row = _open_row(log, canonical, staff)
        if row is None:
            raise TimeLogError(
                f"no timer is running on {canonical} for {staff}; start one with "
                f"`sheetops timer start {canonical}`"
            )
        day = _date_of(log, row)
        started = _time_of(log, row)
        stopped = _minute(as_of)
        _check_span(canonical, day, started, as_of.date(), stopped)

        values: dict[str, Cell] = {"stopped": stopped}
        if note and not log.frame.at[row, "work_done"]:
            values["work_done"] = note
        _update(backend, snapshot, log, row, values)
        minutes = _minutes_between(started, stopped)
        return Entry(row, canonical, day, staff, started, stopped, minutes)

    return _retry(attempt)


def log_time(
    backend: Backend,
    settings: Settings,
    request_id: str,
    minutes: float,
    work_done: str,
    staff: str,
    day: date,
) -> Entry:
    """Append a finished Time Log row: Date, Request ID, Work Done, Minutes, Staff."""
    limit = settings.thresholds.max_minutes_per_entry
    if not 0 < minutes <= limit:
        raise TimeLogError(
            f"{minutes:g} minutes can't be logged: give more than 0 and at most "
            f"{limit} ([thresholds] max_minutes_per_entry); split longer work"
        )

    def attempt() -> Entry:
        snapshot = backend.read()
        canonical = check_request(snapshot, request_id)
        log = _time_log(snapshot)
        values: dict[str, Cell] = {
            "date": day,
            "request_id": canonical,
            "work_done": work_done,
            "minutes": minutes,
            "staff": staff,
        }
        row = _append(backend, snapshot, log, values)
        return Entry(row, canonical, day, staff, minutes=minutes)

    return _retry(attempt)


def check_request(snapshot: Snapshot, request_id: str) -> str:
    """The request's ID as the tab spells it; TimeLogError if time can't go on it."""
    requests = _parse(snapshot, schema.REQUESTS).frame
    wanted = request_id.strip().casefold()
    hits = requests[requests["request_id"].str.strip().str.casefold() == wanted]
    if hits.empty:
        raise TimeLogError(
            f"{request_id} is not on the Requests tab; check the Request ID "
            "(a new request gets its ID at the next sync)"
        )
    row = hits.iloc[0]
    canonical = str(row["request_id"])
    if row["status"] in REFUSED_STATUSES:
        raise TimeLogError(
            f"{canonical} is {row['status']}; time can't be logged on it. "
            "Reopen it (change its Status) if there is more work"
        )
    if row["type"] == CUSTOM_WORK and pd.isna(row["approved_on"]):
        raise TimeLogError(
            f"{canonical} is custom work the customer hasn't approved (no "
            "Approved On date); send the approval message and wait for a yes"
        )
    return canonical


def _parse(snapshot: Snapshot, tab: schema.Tab) -> Table:
    title = snapshot.title(tab.name)
    if title is None:
        raise TimeLogError(
            f"the tracker has no tab {tab.name!r}; run `sheetops init` to add it"
        )
    return parse_tab(tab, title, snapshot.grids[title])


def _time_log(snapshot: Snapshot) -> Table:
    log = _parse(snapshot, schema.TIME_LOG)
    missing = [f for f in ("started", "stopped") if f not in log.positions]
    if missing:
        headers = " and ".join(schema.TIME_LOG.column(f).header for f in missing)
        raise TimeLogError(
            f"the Time Log has no {headers} column; run `sheetops init` to add it"
        )
    return log


def _open_row(log: Table, request_id: str, staff: str) -> int | None:
    """The newest row of a timer still running on the request for ``staff``."""
    frame = log.frame
    running = frame[
        (frame["request_id"].str.casefold() == request_id.casefold())
        & (frame["staff"].str.casefold() == staff.casefold())
        & frame["started"].notna()
        & frame["stopped"].isna()
        & frame["minutes"].isna()
    ]
    return int(running.index[-1]) if len(running) else None


def _time_of(log: Table, row: int) -> time:
    value = log.frame.loc[row, "started"]
    if not isinstance(value, time):
        raise TimeLogError(f"Time Log row {row}: Started is not a time of day")
    return value


def _date_of(log: Table, row: int) -> date:
    value = log.frame.loc[row, "date"]
    if not isinstance(value, date) or pd.isna(value):
        raise TimeLogError(f"Time Log row {row}: Date is not a date")
    return pd.Timestamp(value).date()


def _check_span(
    request_id: str, day: date, started: time, today: date, stopped: time
) -> None:
    if day != today:
        raise TimeLogError(
            f"the timer on {request_id} started on {day:%Y-%m-%d}, not today; "
            "fill in Stopped by hand, or log the time with `sheetops log`"
        )
    if stopped <= started:
        raise TimeLogError(
            f"the timer on {request_id} started at {started:%H:%M}; stop it "
            "once at least a minute has passed"
        )


def _minute(moment: datetime) -> time:
    return moment.time().replace(second=0, microsecond=0)


def _minutes_between(started: time, stopped: time) -> float:
    return float((stopped.hour - started.hour) * 60 + stopped.minute - started.minute)


def _append(
    backend: Backend, snapshot: Snapshot, log: Table, values: Mapping[str, Cell]
) -> int:
    """Write ``values`` into the first row after the tab's last, if still empty."""
    grid = snapshot.grids[log.title]
    row = max(len(grid), 1) + 1
    staff_columns = tuple(
        log.positions[c.field] + 1 for c in log.tab.staff if c.field in log.positions
    )
    guard = RowGuard(log.title, row, staff_columns, ("",) * len(staff_columns))
    backend.write(WriteBatch(_writes(log, row, values), [guard]), snapshot)
    return row


def _update(
    backend: Backend,
    snapshot: Snapshot,
    log: Table,
    row: int,
    values: Mapping[str, Cell],
) -> None:
    """Write ``values`` into ``row`` if it still holds the timer as read."""
    columns = tuple(log.positions[f] + 1 for f in TIMER_FIELDS)
    held = identity([log.raw(row, f) for f in TIMER_FIELDS])
    guard = RowGuard(log.title, row, columns, held)
    backend.write(WriteBatch(_writes(log, row, values), [guard]), snapshot)


def _writes(log: Table, row: int, values: Mapping[str, Cell]) -> list[CellWrite]:
    writes = []
    for name, value in values.items():
        column = log.tab.column(name)
        if name not in log.positions:
            continue
        # Times of day are written as they are; the rest as the sync writes.
        cell = value if column.type is schema.Type.TIME else comparable(value, column)
        writes.append(CellWrite(log.title, row, log.positions[name] + 1, cell))
    return writes


def _retry(action: Callable[[], T]) -> T:
    """Run ``action``, again from a fresh read if the tracker moved under it."""
    for _ in range(ATTEMPTS - 1):
        try:
            return action()
        except TrackerMovedError as exc:
            logger.warning("%s; reading the tracker again", exc)
    return action()
