"""The sync engine end to end on a Google Sheet, against the workbook's answer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from sheetops import demo, schema
from sheetops.errors import TrackerError
from sheetops.settings import Settings
from sheetops.sync import engine
from sheetops.sync.backend import Backend, Cell, Grid, Snapshot
from sheetops.sync.diff import comparable
from sheetops.sync.google import GoogleBackend
from sheetops.sync.setup import seed_grids
from sheetops.sync.workbook import WorkbookBackend
from tests.fakesheets import FakeSheetsServer, Store
from tests.sync.test_google_helpers import FakeTime, open_backend

SYNCED_TABS = engine.REQUIRED_TABS + engine.OPTIONAL_TABS
Edit = Callable[[Store], None]


@pytest.fixture
def grids(settings: Settings, as_of: datetime) -> dict[str, Grid]:
    """The demo tracker, laid out as ``sheetops demo`` lays it out."""
    laid_out = seed_grids(settings, as_of)
    for name, rows in demo.demo_grids(as_of, settings).items():
        kept = laid_out.get(name, []) if name != schema.CATALOG.name else []
        laid_out[name] = rows + kept
    return laid_out


@pytest.fixture
def google(
    settings: Settings,
    fake_sheets: FakeSheetsServer,
    key: Path,
    grids: dict[str, Grid],
) -> GoogleBackend:
    book = fake_sheets.store.create_spreadsheet("Support tracker")
    backend = open_backend(settings, fake_sheets, key, book)
    backend.prepare(schema.TABS, grids)
    fake_sheets.reset_counters()
    return backend


@pytest.fixture
def workbook(tmp_path: Path, grids: dict[str, Grid]) -> WorkbookBackend:
    backend = WorkbookBackend(tmp_path / "tracker.xlsx")
    backend.prepare(schema.TABS, grids)
    return backend


def computed_cells(snapshot: Snapshot) -> dict[tuple[str, int, str], Cell]:
    """Every computed cell (and ID) of the synced tabs, as the diff compares them."""
    cells = {}
    for tab in SYNCED_TABS:
        grid = snapshot.grid(tab.name) or [[]]
        positions = schema.locate(tab, list(grid[0]))
        columns = [c for c in tab.columns if c.computed or c.field == tab.key]
        for number, row in enumerate(grid[1:], start=2):
            for column in columns:
                index = positions.get(column.field)
                value = row[index] if index is not None and index < len(row) else None
                cells[(tab.name, number, column.header)] = comparable(value, column)
    return cells


def sync_until_settled(
    backend: Backend, settings: Settings, as_of: datetime, tries: int = 12
) -> list[int]:
    """Sync until one sync has nothing to write; -1 marks a sync that failed."""
    written: list[int] = []
    while len(written) < tries and (not written or written[-1] != 0):
        try:
            written.append(engine.sync(backend, settings, as_of).cells_written)
        except TrackerError:
            written.append(-1)
    return written


def test_a_google_sync_writes_the_same_cells_as_a_workbook_sync(
    google: GoogleBackend,
    workbook: WorkbookBackend,
    settings: Settings,
    as_of: datetime,
) -> None:
    on_google = engine.sync(google, settings, as_of)
    on_workbook = engine.sync(workbook, settings, as_of)

    assert on_google.cells_written == on_workbook.cells_written > 500
    expected = computed_cells(workbook.read())
    assert computed_cells(google.read()) == expected
    assert sum(1 for value in expected.values() if value is not None) > 500


def test_a_first_sync_takes_three_calls_and_a_second_one(
    google: GoogleBackend,
    fake_sheets: FakeSheetsServer,
    settings: Settings,
    as_of: datetime,
) -> None:
    engine.sync(google, settings, as_of)
    assert fake_sheets.counts() == {
        "values.batchGet": 1,
        "get": 1,
        "batchUpdate": 1,
    }
    fake_sheets.reset_counters()

    report = engine.sync(google, settings, as_of)

    assert report.cells_written == 0
    assert fake_sheets.counts() == {"values.batchGet": 1}


def test_staff_text_that_looks_like_a_formula_is_left_as_text(
    google: GoogleBackend,
    fake_sheets: FakeSheetsServer,
    settings: Settings,
    as_of: datetime,
) -> None:
    store = fake_sheets.store
    column = schema.REQUESTS.headers.index("Description")
    cell = f"{chr(ord('A') + column)}2"
    store.set_values(
        google.key, "Requests", cell, [["=1+1 is wrong"]], user_entered=False
    )

    engine.sync(google, settings, as_of)

    with store.locked():
        sheet = store.sheet(google.key, "Requests")
        description = sheet.cell(1, column)
        links = [
            row.get(schema.REQUESTS.headers.index("WhatsApp Link"))
            for row in sheet.rows
        ]
    assert description is not None
    assert (description.value, description.formula) == ("=1+1 is wrong", None)
    formulas = [link.formula for link in links if link is not None and link.formula]
    assert formulas
    assert all(f.startswith('=HYPERLINK("https://wa.me/') for f in formulas)


def test_faults_and_a_colleague_still_settle_on_the_right_cells(
    settings: Settings,
    fake_sheets: FakeSheetsServer,
    key: Path,
    grids: dict[str, Grid],
    as_of: datetime,
) -> None:
    book = fake_sheets.store.create_spreadsheet("Busy tracker")
    open_backend(settings, fake_sheets, key, book).prepare(schema.TABS, grids)
    backend = open_backend(settings, fake_sheets, key, book, FakeTime())
    fake_sheets.before_next(
        "get", one_after_another(fake_sheets, colleague_edits(book))
    )
    fake_sheets.fail_randomly(0.1, status=429, retry_after=2, seed=11)
    fake_sheets.fail_randomly(0.1, status=503, seed=12)
    fake_sheets.fail_randomly(0.1, drop=True, seed=13)

    written = sync_until_settled(backend, settings, as_of)

    fake_sheets.clear_faults()
    assert written[-1] == 0
    assert engine.sync(backend, settings, as_of).cells_written == 0
    customers = fake_sheets.store.values(book, "Customers")
    assert customers[1][1] == "Kopi Kenangan Baru"
    assert sum(1 for row in customers if row and row[1] == "Warung Renamed") == 1
    ids = [row[0] for row in customers[1:] if row]
    assert len(ids) == len(set(ids)) and all(ids)


def one_after_another(fake: FakeSheetsServer, edits: list[Edit]) -> Edit:
    """The first edit, which queues the next for the following re-check."""

    def edit(store: Store) -> None:
        edits[0](store)
        if len(edits) > 1:
            fake.before_next("get", one_after_another(fake, edits[1:]))

    return edit


def colleague_edits(book: str) -> list[Edit]:
    """What a colleague does while the syncs run, one edit per re-check."""

    def new_customer(store: Store) -> None:
        store.insert_rows(
            book, "Customers", 2, [["", "Kopi Kenangan Baru", "R2", "2026-01-15"]]
        )

    def rename(store: Store) -> None:
        store.edit_cell(book, "Customers", "B5", "Warung Renamed")

    def sort_requests(store: Store) -> None:
        store.sort_rows(book, "Requests", "B", descending=True)

    def drop_a_log_row(store: Store) -> None:
        store.delete_rows(book, "Time Log", 3)

    return [new_customer, rename, sort_requests, drop_a_log_row]


def test_a_sync_out_of_retries_says_so_in_the_status_tab(
    google: GoogleBackend,
    fake_sheets: FakeSheetsServer,
    settings: Settings,
    as_of: datetime,
) -> None:
    fake_sheets.fail_next(503, count=6, match="batchUpdate")

    with pytest.raises(TrackerError, match="answered 503 six times"):
        engine.sync(google, settings, as_of)

    status = {row[0]: row[1] for row in google.read().grids["Status"][1:] if row}
    assert "answered 503 six times; nothing was written" in status["Last Sync Error"]
    assert "Last Sync" in status
