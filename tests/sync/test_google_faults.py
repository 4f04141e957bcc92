"""Quota, retries and failures: the backend under a busy or broken Google."""

from __future__ import annotations

from pathlib import Path

import pytest

from sheetops import schema
from sheetops.errors import TrackerError
from sheetops.settings import Settings
from sheetops.sync.backend import CellWrite, RowGuard, Snapshot, WriteBatch
from sheetops.sync.google import GoogleBackend
from sheetops.sync.pacing import RETRY_BUDGET_SECONDS, Pacer
from tests.fakesheets import FakeSheetsServer
from tests.sync.test_google_helpers import (
    FakeTime,
    api_calls,
    column_of,
    make_tracker,
    open_backend,
)

CUSTOMERS = [
    {"customer_id": f"C-{n:04d}", "customer": f"Warung {n}", "tier": "R1"}
    for n in range(1, 21)
]
HINT = column_of(schema.CUSTOMERS, "hint")


@pytest.fixture
def book(fake_sheets: FakeSheetsServer) -> str:
    return make_tracker(fake_sheets, {"Customers": CUSTOMERS})


@pytest.fixture
def time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def backend(
    settings: Settings,
    fake_sheets: FakeSheetsServer,
    key: Path,
    book: str,
    time: FakeTime,
) -> GoogleBackend:
    return open_backend(settings, fake_sheets, key, book, time)


def hints(snapshot: Snapshot, stamp: str) -> WriteBatch:
    """A stand-in for a sync's writes: a Hint for every customer row."""
    grid = snapshot.grids["Customers"]
    batch = WriteBatch()
    for number, row in enumerate(grid[1:], start=2):
        text = f"{row[1]} checked {stamp}"
        shown = row[HINT - 1] if len(row) >= HINT else None
        if shown != text:
            batch.writes.append(CellWrite("Customers", number, HINT, text))
            batch.guards.append(RowGuard("Customers", number, (1,), (str(row[0]),)))
    return batch


def cycle(backend: GoogleBackend, stamp: str) -> int:
    """Read, work out the hints, write them; how many cells were written."""
    snapshot = backend.read()
    batch = hints(snapshot, stamp)
    backend.write(batch, snapshot)
    return len(batch)


def test_the_pacer_keeps_every_minute_within_the_quota(time: FakeTime) -> None:
    pacer = Pacer(60, clock=time.clock, sleep=time.sleep)

    moments = []
    for _ in range(150):
        pacer.acquire()
        moments.append(time.now)

    for index, start in enumerate(moments):
        in_window = [m for m in moments[index:] if m < start + 60]
        assert len(in_window) <= 60
    assert moments[-1] - moments[0] == pytest.approx(120)
    assert pacer.waited == pytest.approx(120)


def test_backend_calls_wait_for_room_under_the_quota(
    settings: Settings,
    fake_sheets: FakeSheetsServer,
    key: Path,
    book: str,
    time: FakeTime,
) -> None:
    backend = open_backend(
        settings, fake_sheets, key, book, time, requests_per_minute=3
    )

    for _ in range(7):
        backend.read()

    assert api_calls(fake_sheets) == 7
    assert sum(time.sleeps) == pytest.approx(120)


def test_a_retry_counts_against_the_quota_too(
    settings: Settings,
    fake_sheets: FakeSheetsServer,
    key: Path,
    book: str,
    time: FakeTime,
) -> None:
    backend = open_backend(
        settings, fake_sheets, key, book, time, requests_per_minute=2
    )
    fake_sheets.fail_next(500, match="values.batchGet")

    backend.read()
    backend.read()

    assert api_calls(fake_sheets) == 3
    assert time.sleeps[-1] == pytest.approx(60)


def test_a_429_waits_as_long_as_retry_after_says(
    backend: GoogleBackend, fake_sheets: FakeSheetsServer, time: FakeTime
) -> None:
    fake_sheets.fail_next(429, retry_after=7, match="values.batchGet")

    snapshot = backend.read()

    assert snapshot.grids["Customers"][1][0] == "C-0001"
    assert fake_sheets.counts()["values.batchGet"] == 2
    assert time.sleeps == [7]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried_with_growing_backoff(
    backend: GoogleBackend, fake_sheets: FakeSheetsServer, time: FakeTime, status: int
) -> None:
    fake_sheets.fail_next(status, count=3, match="values.batchGet")

    backend.read()

    assert fake_sheets.counts()["values.batchGet"] == 4
    # urllib3 retries the first failure at once, then doubles, with jitter.
    assert len(time.sleeps) == 2
    assert 2 <= time.sleeps[0] <= 3
    assert 4 <= time.sleeps[1] <= 5


def test_a_dropped_connection_is_retried(
    backend: GoogleBackend, fake_sheets: FakeSheetsServer
) -> None:
    snapshot = backend.read()
    fake_sheets.drop_next(2, match="batchUpdate")

    backend.write(hints(snapshot, "today"), snapshot)

    assert fake_sheets.counts()["batchUpdate"] == 3
    assert backend.read().grids["Customers"][1][HINT - 1] == "Warung 1 checked today"


def test_retries_run_out_with_nothing_written_and_a_clear_message(
    backend: GoogleBackend, fake_sheets: FakeSheetsServer, book: str
) -> None:
    snapshot = backend.read()
    before = fake_sheets.store.formulas(book, "Customers")
    fake_sheets.fail_next(503, count=6, match="batchUpdate")

    with pytest.raises(TrackerError) as caught:
        backend.write(hints(snapshot, "today"), snapshot)

    assert str(caught.value) == (
        "Google Sheets answered 503 six times; nothing was written; "
        "the next sync will try again"
    )
    assert fake_sheets.counts()["batchUpdate"] == 6
    assert fake_sheets.store.formulas(book, "Customers") == before


def test_mixed_failures_are_listed_when_retries_run_out(
    backend: GoogleBackend, fake_sheets: FakeSheetsServer
) -> None:
    fake_sheets.fail_next(429, count=2, retry_after=1, match="values.batchGet")
    fake_sheets.fail_next(500, count=4, match="values.batchGet")

    with pytest.raises(TrackerError) as caught:
        backend.read()

    assert str(caught.value) == (
        "Google Sheets answered 429, 429, 500, 500, 500 and 500; "
        "nothing was read; the next sync will try again"
    )


def test_a_write_whose_connection_keeps_dropping_may_have_landed(
    backend: GoogleBackend, fake_sheets: FakeSheetsServer
) -> None:
    snapshot = backend.read()
    fake_sheets.drop_next(6, match="batchUpdate")

    with pytest.raises(TrackerError, match="may or may not have landed"):
        backend.write(hints(snapshot, "today"), snapshot)


def test_a_retry_after_beyond_the_time_budget_gives_up_at_once(
    backend: GoogleBackend, fake_sheets: FakeSheetsServer, time: FakeTime
) -> None:
    wait = RETRY_BUDGET_SECONDS + 1
    fake_sheets.fail_next(429, count=6, retry_after=wait, match="values.batchGet")

    with pytest.raises(TrackerError, match="answered 429 once; nothing was read"):
        backend.read()

    assert time.sleeps == []


def converge(backend: GoogleBackend, stamp: str, cycles: int = 10) -> list[int]:
    """Cycles until one has nothing left to write; -1 marks a failed cycle."""
    written: list[int] = []
    while len(written) < cycles and (not written or written[-1] != 0):
        try:
            written.append(cycle(backend, stamp))
        except TrackerError:
            written.append(-1)
    return written


def test_thirty_percent_failures_converge_to_the_fault_free_cells(
    settings: Settings,
    fake_sheets: FakeSheetsServer,
    key: Path,
    book: str,
    time: FakeTime,
) -> None:
    days = [f"day {n}" for n in range(1, 9)]
    calm = make_tracker(fake_sheets, {"Customers": CUSTOMERS})
    calm_backend = open_backend(settings, fake_sheets, key, calm)
    for day in days:
        converge(calm_backend, day)
    fake_sheets.fail_randomly(0.085, status=429, retry_after=3, seed=1)
    fake_sheets.fail_randomly(0.085, status=500, seed=2)
    fake_sheets.fail_randomly(0.085, status=503, seed=3)
    fake_sheets.fail_randomly(0.085, drop=True, seed=4)
    fake_sheets.reset_counters()
    backend = open_backend(settings, fake_sheets, key, book, time)

    runs = [converge(backend, day) for day in days]

    fake_sheets.clear_faults()
    statuses = [call.status for call in fake_sheets.calls if call.kind != "token"]
    failed = [status for status in statuses if status != 200]
    assert 0.2 <= len(failed) / len(statuses) <= 0.4
    assert set(failed) == {0, 429, 500, 503}
    assert 3 in time.sleeps
    assert all(run[-1] == 0 for run in runs)
    store = fake_sheets.store
    assert store.formulas(book, "Customers") == store.formulas(calm, "Customers")


def test_a_failing_recheck_writes_nothing(
    backend: GoogleBackend, fake_sheets: FakeSheetsServer
) -> None:
    snapshot = backend.read()
    fake_sheets.drop_next(6, match="get")

    with pytest.raises(TrackerError, match="; nothing was written; the next sync"):
        backend.write(hints(snapshot, "today"), snapshot)

    assert fake_sheets.counts()["batchUpdate"] == 0
