"""A Google Sheets sync through the local fake: calls, bytes and time.

    python -m bench.google_sync [--customers 2000 --requests 6000
                                 --time-log 20000 --latency 0.1 --cap 200]

Lays out a synthetic tracker in the fake Sheets API (tests/fakesheets, on
loopback, with ``--latency`` seconds added to every call), then measures
two sheetops syncs: the first writes every computed cell, the second finds
nothing to change. For comparison it runs, on a second copy of the
tracker, what a hand-written gspread script typically does: read each
tab, then ``worksheet.update`` each row's computed cells. That script is
stopped after ``--cap`` rows and its figures extrapolated to every row,
since running it whole would take hours of latency.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import gspread
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.oauth2 import service_account
from gspread.utils import ValueInputOption

from bench.generate import synthetic_grids
from sheetops import schema
from sheetops.settings import Settings, load_settings
from sheetops.sync import engine
from sheetops.sync.backend import Grid
from sheetops.sync.endpoint import authorized_session
from sheetops.sync.google import GoogleBackend
from sheetops.sync.google_auth import SCOPES
from sheetops.sync.google_cells import column_letters
from tests.fakesheets import FakeSheetsServer
from tests.fakesheets.plugin import service_account_info

# The Sheets API's default quota: requests per minute per user.
QUOTA_PER_MINUTE = 60
MB = 1_000_000


@dataclass
class Figures:
    """What one run cost: calls, bytes each way, seconds, cells written."""

    label: str
    calls: float
    sent: float
    received: float
    seconds: float
    waiting: float
    largest_body: int = 0
    note: str = ""

    def row(self) -> str:
        quota_minutes = self.calls / QUOTA_PER_MINUTE
        return (
            f"{self.label:<26} {self.calls:>7,.0f} {self.sent / MB:>8.2f} "
            f"{self.received / MB:>8.2f} {self.seconds:>8.1f} {self.waiting:>8.1f} "
            f"{quota_minutes:>8.1f}  {self.note}"
        )


class CallTimer:
    """Wraps a gspread HTTP client so the time spent inside calls is known."""

    def __init__(self, client: gspread.Client) -> None:
        self.seconds = 0.0
        http = client.http_client
        send = http.request

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return send(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        http.request = timed  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--time-log", type=int, default=20000)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--cap", type=int, default=200)
    args = parser.parse_args()
    # Laying out 28,000 rows takes init more than one call; that is setup.
    logging.basicConfig(level=logging.ERROR)

    settings = load_settings(None, {})
    as_of = datetime(2026, 2, 2, 10, tzinfo=settings.business.time_zone)
    grids = synthetic_grids(
        args.customers, args.requests, args.time_log, as_of, settings
    )
    seed = {name: grid[1:] for name, grid in grids.items()}

    with FakeSheetsServer(seed=0) as fake, tempfile.TemporaryDirectory() as folder:
        key_path = _key_file(fake, Path(folder))
        google = replace(
            settings.google, credentials=str(key_path), api_url=fake.base_url
        )
        settings = replace(settings, google=google)
        ours, theirs = _tracker(fake, settings, seed), _tracker(fake, settings, seed)
        fake.set_latency(args.latency)

        backend = GoogleBackend(ours, settings.google)
        timer = CallTimer(backend.client)
        runs = [
            _measure(fake, timer, label, lambda: _sync(backend, settings, as_of))
            for label in ("sheetops: first sync", "sheetops: no-change sync")
        ]
        runs.append(_hand_written(fake, settings, ours, theirs, args.cap))

    _report(args, grids, runs)


def _report(
    args: argparse.Namespace, grids: dict[str, Grid], runs: list[Figures]
) -> None:
    rows = sum(len(grid) - 1 for grid in grids.values())
    print(
        f"tracker: {rows:,} rows ({args.customers:,} customers, {args.requests:,} "
        f"requests, {args.time_log:,} time-log rows); {args.latency * 1000:.0f} ms "
        "added to every call"
    )
    print(
        f"{'':<26} {'calls':>7} {'sent MB':>8} {'recv MB':>8} {'wall s':>8} "
        f"{'in calls':>8} {'quota m':>8}"
    )
    for figures in runs:
        print(figures.row())
    first, _, script = runs
    print(
        f"largest request body: {first.largest_body / MB:.2f} MB "
        "(Google refuses bodies over about 10 MB)"
    )
    print(
        f"first sync vs the row-by-row script: {script.calls / first.calls:,.0f}x "
        f"fewer calls, {script.seconds / first.seconds:,.0f}x less wall time"
    )
    print(
        "in calls: wall time spent waiting on the fake (its own processing "
        "included);\nquota m: the least minutes the calls take under Google's "
        f"default quota of {QUOTA_PER_MINUTE} requests per minute"
    )


def _key_file(fake: FakeSheetsServer, folder: Path) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    path = folder / "service-account.json"
    path.write_text(json.dumps(service_account_info(fake, pem)))
    return path


def _tracker(fake: FakeSheetsServer, settings: Settings, seed: dict[str, Grid]) -> str:
    """A new spreadsheet laid out by ``init`` with the synthetic rows."""
    key = fake.store.create_spreadsheet("Bench tracker")
    fake.store.book(key).props["timeZone"] = settings.business.time_zone.key
    backend = GoogleBackend(key, settings.google)
    backend.prepare(schema.TABS, seed)
    backend.close()
    return key


def _sync(backend: GoogleBackend, settings: Settings, as_of: datetime) -> int:
    return engine.sync(backend, settings, as_of).cells_written


def _measure(
    fake: FakeSheetsServer, timer: CallTimer, label: str, run: Callable[[], int]
) -> Figures:
    fake.reset_counters()
    timer.seconds = 0.0
    started = time.perf_counter()
    cells = run()
    seconds = time.perf_counter() - started
    calls = [call for call in fake.calls if call.kind != "token"]
    return Figures(
        label,
        len(calls),
        sum(call.request_bytes for call in calls),
        sum(call.response_bytes for call in calls),
        seconds,
        timer.seconds,
        largest_body=max((call.request_bytes for call in calls), default=0),
        note=f"{cells:,} cells written",
    )


def _hand_written(
    fake: FakeSheetsServer, settings: Settings, synced: str, target: str, cap: int
) -> Figures:
    """Row-by-row ``worksheet.update`` of the cells sheetops computed, capped."""
    credentials = service_account.Credentials.from_service_account_file(  # type: ignore[no-untyped-call]
        settings.google.credentials, scopes=list(SCOPES)
    )
    session = authorized_session(credentials, fake.base_url, 30)
    client = gspread.Client(auth=None, session=session)  # type: ignore[arg-type]
    timer = CallTimer(client)
    updates = _row_updates(fake, synced)

    fake.reset_counters()
    started = time.perf_counter()
    spreadsheet = client.open_by_key(target)
    worksheets = {}
    for title in dict.fromkeys(title for title, _, _ in updates):
        worksheets[title] = spreadsheet.worksheet(title)
        worksheets[title].get_all_values()
    reading = _so_far(fake, timer, started)
    for title, cells, values in updates[:cap]:
        worksheets[title].update(
            [values], cells, value_input_option=ValueInputOption.user_entered
        )
    total = _so_far(fake, timer, started)
    session.close()  # type: ignore[no-untyped-call]  # google-auth's, unannotated

    done = min(cap, len(updates))
    scale = len(updates) / done if done else 0.0
    calls, sent, received, seconds, waiting = (
        before + (after - before) * scale
        for before, after in zip(reading, total, strict=True)
    )
    note = f"{done} of {len(updates):,} rows run, the rest extrapolated"
    return Figures(
        "gspread row by row", calls, sent, received, seconds, waiting, note=note
    )


def _so_far(
    fake: FakeSheetsServer, timer: CallTimer, started: float
) -> tuple[float, ...]:
    calls = [call for call in fake.calls if call.kind != "token"]
    return (
        float(len(calls)),
        float(sum(call.request_bytes for call in calls)),
        float(sum(call.response_bytes for call in calls)),
        time.perf_counter() - started,
        timer.seconds,
    )


def _row_updates(fake: FakeSheetsServer, synced: str) -> list[tuple[str, str, Any]]:
    """Each data row's computed block as the synced tracker holds it."""
    updates = []
    for tab in engine.REQUIRED_TABS:
        grid = fake.store.formulas(synced, tab.name)
        positions = schema.locate(tab, grid[0])
        indexes = sorted(
            positions[c.field] for c in tab.computed if c.field in positions
        )
        first, last = indexes[0], indexes[-1]
        span = f"{column_letters(first + 1)}{{row}}:{column_letters(last + 1)}{{row}}"
        for number, row in enumerate(grid[1:], start=2):
            padded = row + [""] * (last + 1 - len(row))
            updates.append(
                (tab.name, span.format(row=number), padded[first : last + 1])
            )
    return updates


if __name__ == "__main__":
    main()
