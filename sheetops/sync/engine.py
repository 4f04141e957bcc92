"""One sync: read the tracker, compute, write only what changed.

    read all tabs (1 call) -> parse + validate -> rules compute
    -> diff against what the sheet shows -> write changed computed cells
    (1 call, none if nothing changed) -> record in the Status tab

The engine is the only place that talks to a backend. Between our read
and our write a person may edit the sheet; the backend refuses a write
that would land on the wrong rows, and the cycle is redone from a fresh
read.
"""

from __future__ import annotations

import gc
import logging
import re
import time as clock
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd

from sheetops import schema
from sheetops.errors import TrackerError, TrackerLayoutError, TrackerMovedError
from sheetops.rules.compute import FORMULA_FIELDS, compute_all
from sheetops.rules.validation import Table, as_datetime, parse_tab
from sheetops.settings import Settings
from sheetops.sync.backend import Backend, Cell, CellWrite, Grid, Snapshot, WriteBatch
from sheetops.sync.diff import Change, guards_for, plan_writes
from sheetops.sync.ledger import Ledger

logger = logging.getLogger(__name__)

# The tabs a sync reads and computes; the ledgers are written elsewhere.
REQUIRED_TABS = (schema.CUSTOMERS, schema.REQUESTS, schema.TIME_LOG, schema.CATALOG)
OPTIONAL_TABS = (schema.CALLS, schema.HOLIDAYS)
ID_DIGITS = 4


@dataclass
class SyncReport:
    """What one sync did, for the terminal, the log and the Status tab."""

    as_of: datetime
    dry_run: bool = False
    seconds: float = 0.0
    attempts: int = 0
    rows_read: int = 0
    rows_with_problems: int = 0
    changes: list[Change] = field(default_factory=list)
    ids_filled: int = 0
    error: str = ""

    @property
    def cells_written(self) -> int:
        return 0 if self.dry_run else len(self.changes)

    def summary(self) -> str:
        """One line with the figures, in words."""
        verb = "would change" if self.dry_run else "wrote"
        return (
            f"read {self.rows_read} rows, {verb} {len(self.changes)} cells, "
            f"{self.rows_with_problems} rows with problems, "
            f"{self.seconds:.2f} s"
        )


@dataclass
class Tracker:
    """Every tab a sync works on, parsed."""

    snapshot: Snapshot
    tables: dict[str, Table]

    @property
    def rows(self) -> int:
        return sum(len(t.frame) for t in self.tables.values())


def load_tracker(snapshot: Snapshot) -> Tracker:
    """Parse the tabs a sync needs; a missing required tab is an error."""
    tables = {}
    for tab in REQUIRED_TABS + OPTIONAL_TABS:
        title = snapshot.title(tab.name)
        if title is None and tab in REQUIRED_TABS:
            raise TrackerLayoutError(
                f"the tracker has no tab {tab.name!r}; run `sheetops init` to add it"
            )
        grid: Grid = snapshot.grids[title] if title else [list(tab.headers)]
        tables[tab.name] = parse_tab(tab, title or tab.name, grid)
    return Tracker(snapshot, tables)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Hold off Python's cycle collector while a tracker is parsed.

    A big tracker is millions of small cell objects, and the collector
    would walk all of them again and again while parsing allocates; that
    doubled the parse time. Reference counting still frees everything.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def sync(
    backend: Backend,
    settings: Settings,
    as_of: datetime,
    *,
    dry_run: bool = False,
    attempts: int = 3,
) -> SyncReport:
    """Run one sync cycle, redoing it if the tracker moves under us."""
    report = SyncReport(as_of=as_of, dry_run=dry_run)
    started = clock.monotonic()
    try:
        for attempt in range(1, attempts + 1):
            report.attempts = attempt
            try:
                _cycle(backend, settings, as_of, report, started)
                break
            except TrackerMovedError as exc:
                if attempt == attempts:
                    raise
                logger.warning("%s; reading the tracker again", exc)
    except TrackerError as exc:
        # A missing column, a tracker held open, Google out of retries: the
        # Status tab says so too, when it can still be written.
        report.error = str(exc)
        _record_failure(backend, report, started)
        raise
    logger.info("sync of %s: %s", backend.location, report.summary())
    return report


def _cycle(
    backend: Backend,
    settings: Settings,
    as_of: datetime,
    report: SyncReport,
    started: float,
) -> None:
    snapshot = backend.read()
    with collector_paused():
        tracker = load_tracker(snapshot)
        ids = fill_blank_ids(tracker)
        computed = compute_all(tracker.tables, settings, as_of)

    batch = WriteBatch()
    changes: list[Change] = list(ids.changes)
    batch.writes.extend(ids.writes)
    for name, frame in computed.items():
        table = tracker.tables[name]
        tab_changes, writes = plan_writes(table, frame, FORMULA_FIELDS)
        changes.extend(tab_changes)
        batch.writes.extend(writes)
    _guard_all(tracker, batch)

    report.rows_read = tracker.rows
    report.rows_with_problems = _rows_with_problems(computed)
    report.changes = changes
    report.ids_filled = len(ids.writes)
    report.seconds = clock.monotonic() - started
    if report.dry_run or not batch.writes:
        _maybe_heartbeat(backend, snapshot, settings, report)
        return

    batch.extend(status_batch(snapshot, report))
    backend.write(batch, snapshot)


def _guard_all(tracker: Tracker, batch: WriteBatch) -> None:
    by_tab: dict[str, set[int]] = {}
    for write in batch.writes:
        by_tab.setdefault(write.tab, set()).add(write.row)
    for table in tracker.tables.values():
        rows = by_tab.get(table.title)
        if rows:
            batch.guards.extend(guards_for(table, rows))


def _rows_with_problems(computed: dict[str, pd.DataFrame]) -> int:
    return sum(int((frame["problems"] != "").sum()) for frame in computed.values())


@dataclass
class FilledIds:
    writes: list[CellWrite] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)


def fill_blank_ids(tracker: Tracker) -> FilledIds:
    """Give every row with a blank ID cell the next free ID of its tab.

    This is the one staff cell sheetops ever writes. The new IDs go into
    the parsed tables too, so the rules see them in this same cycle.
    """
    filled = FilledIds()
    for tab in (schema.CUSTOMERS, schema.REQUESTS):
        table = tracker.tables[tab.name]
        key = tab.key
        if key is None or key not in table.positions:
            continue
        ids = table.frame[key]
        pattern = re.compile(rf"^{re.escape(tab.id_prefix)}(\d+)$", re.IGNORECASE)
        numbers = [int(m[1]) for v in ids if (m := pattern.match(v))]
        next_number = max(numbers, default=0) + 1
        for row in ids.index[ids == ""]:
            new_id = f"{tab.id_prefix}{next_number:0{ID_DIGITS}d}"
            next_number += 1
            table.frame.at[row, key] = new_id
            column = table.positions[key] + 1
            filled.writes.append(CellWrite(table.title, int(row), column, new_id))
            header = tab.column(key).header
            filled.changes.append(
                Change(table.title, int(row), new_id, header, None, new_id)
            )
    return filled


def status_values(report: SyncReport) -> dict[str, Cell]:
    """The heartbeat the Status tab shows staff, as text a person reads."""
    return {
        "Last Sync": report.as_of.strftime("%Y-%m-%d %H:%M"),
        "Duration (s)": f"{report.seconds:.2f}",
        "Rows Read": str(report.rows_read),
        "Cells Written": str(report.cells_written),
        "Rows With Problems": str(report.rows_with_problems),
        "Last Sync Error": report.error,
    }


def status_batch(snapshot: Snapshot, report: SyncReport) -> WriteBatch:
    """The guarded writes that record ``report`` in the Status tab, if any."""
    if snapshot.title(schema.STATUS.name) is None:
        return WriteBatch()
    status = Ledger.read(schema.STATUS, snapshot)
    stamp = report.as_of.replace(tzinfo=None, microsecond=0)
    for item, value in status_values(report).items():
        row = status.find(item)
        fields: dict[str, Cell] = {"value": value, "updated_at": stamp}
        if row is None:
            status.append({"item": item, **fields})
        else:
            status.update(row, fields)
    return status.batch()


def _maybe_heartbeat(
    backend: Backend, snapshot: Snapshot, settings: Settings, report: SyncReport
) -> None:
    """Rewrite the heartbeat when it has gone stale, even with nothing else.

    A sync that changes nothing writes nothing, so staff would see an old
    Last Sync; once it is older than heartbeat_minutes it is refreshed.
    """
    if report.dry_run:
        return
    last = _last_sync(snapshot)
    stale_after = timedelta(minutes=settings.daemon.heartbeat_minutes)
    now = report.as_of.replace(tzinfo=None)
    if last is not None and now - last < stale_after:
        return
    status = status_batch(snapshot, report)
    if status.writes:
        backend.write(status, snapshot)


def _last_sync(snapshot: Snapshot) -> datetime | None:
    if snapshot.title(schema.STATUS.name) is None:
        return None
    status = Ledger.read(schema.STATUS, snapshot)
    row = status.find("Last Sync")
    return None if row is None else as_datetime(status.table.raw(row, "value"))


def _record_failure(backend: Backend, report: SyncReport, started: float) -> None:
    """Put a failed sync's error in the Status tab, if the tab can be written."""
    report.seconds = clock.monotonic() - started
    try:
        snapshot = backend.read()
        status = status_batch(snapshot, report)
        if status.writes:
            backend.write(status, snapshot)
    except Exception:  # the original error is what the person needs to see
        logger.warning("could not record the error in the Status tab", exc_info=True)


def preview(
    backend: Backend, settings: Settings, as_of: datetime
) -> tuple[Tracker, dict[str, pd.DataFrame]]:
    """Read and compute without writing: for reports and one-off commands."""
    snapshot = backend.read()
    with collector_paused():
        tracker = load_tracker(snapshot)
        fill_blank_ids(tracker)
        return tracker, compute_all(tracker.tables, settings, as_of)
