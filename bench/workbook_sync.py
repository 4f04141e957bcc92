"""A full sync of a workbook tracker: where the time goes.

    python -m bench.workbook_sync [--customers 200 --requests 2000 --time-log 20000]

Builds the tracker as an .xlsx file, then times two syncs: the first
writes every computed cell, the second finds nothing to change. Each is
split into reading the file, parsing and computing, and writing it back.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bench.generate import synthetic_grids
from sheetops import schema
from sheetops.settings import load_settings
from sheetops.sync import engine
from sheetops.sync.backend import Snapshot, WriteBatch
from sheetops.sync.workbook import WorkbookBackend


class TimedBackend(WorkbookBackend):
    """A workbook backend that keeps how long its reads and writes took."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.spent: dict[str, float] = {}

    def read(self) -> Snapshot:
        started = time.perf_counter()
        snapshot = super().read()
        self._add("read", started)
        return snapshot

    def write(self, batch: WriteBatch, snapshot: Snapshot) -> None:
        started = time.perf_counter()
        super().write(batch, snapshot)
        self._add("write", started)

    def _add(self, step: str, started: float) -> None:
        self.spent[step] = self.spent.get(step, 0.0) + time.perf_counter() - started


def timed_sync(backend: TimedBackend, label: str, as_of: datetime) -> None:
    settings = load_settings(None, {})
    backend.spent.clear()
    started = time.perf_counter()
    report = engine.sync(backend, settings, as_of)
    total = time.perf_counter() - started
    read = backend.spent.get("read", 0.0)
    write = backend.spent.get("write", 0.0)
    compute = total - read - write
    print(
        f"{label:<22} {total:6.2f} s  read {read:5.2f} s  "
        f"parse+compute+diff {compute:5.2f} s  write {write:5.2f} s  "
        f"({report.cells_written:,} cells)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--time-log", type=int, default=20000)
    args = parser.parse_args()

    settings = load_settings(None, {})
    as_of = datetime(2026, 2, 2, 10, tzinfo=settings.business.time_zone)
    grids = synthetic_grids(
        args.customers, args.requests, args.time_log, as_of, settings
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tracker.xlsx"
        backend = TimedBackend(path)
        backend.prepare(schema.TABS, {name: g[1:] for name, g in grids.items()})
        size = path.stat().st_size / 2**20
        print(
            f"tracker: {args.customers:,} customers, {args.requests:,} requests, "
            f"{args.time_log:,} time-log rows ({size:.1f} MiB)"
        )
        timed_sync(backend, "first sync", as_of)
        timed_sync(backend, "sync, nothing changed", as_of)


if __name__ == "__main__":
    main()
