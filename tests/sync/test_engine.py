"""One sync on a real workbook: what it writes, and what it never touches."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from sheetops import schema
from sheetops.errors import TrackerBusyError, TrackerLayoutError
from sheetops.settings import Settings
from sheetops.sync import engine
from sheetops.sync.backend import Snapshot
from sheetops.sync.workbook import WorkbookBackend
from tests.trackers import make_workbook, small_tracker

AS_OF_HOUR = 10


@pytest.fixture
def now(settings: Settings) -> datetime:
    """Wednesday 28 January 2026, 10:00 in Jakarta."""
    return datetime(2026, 1, 28, AS_OF_HOUR, tzinfo=settings.business.time_zone)


@pytest.fixture
def backend(tmp_path: Path, settings: Settings, now: datetime) -> WorkbookBackend:
    return make_workbook(tmp_path / "tracker.xlsx", settings, now, small_tracker())


def staff_cells(snapshot: Snapshot) -> dict[tuple[str, int, str], object]:
    """Every staff cell of the computed tabs, keyed by tab, row and header."""
    cells = {}
    for tab in engine.REQUIRED_TABS + engine.OPTIONAL_TABS:
        grid = snapshot.grids[tab.name]
        positions = schema.locate(tab, grid[0])
        for number, row in enumerate(grid[1:], start=2):
            for column in tab.staff:
                index = positions.get(column.field)
                if index is not None and column.field != tab.key:
                    value = row[index] if index < len(row) else None
                    cells[(tab.name, number, column.header)] = value
    return cells


def cell(backend: WorkbookBackend, tab: str, row: int, header: str) -> object:
    grid = backend.read().grids[tab]
    index = grid[0].index(header)
    cells = grid[row - 1]
    return cells[index] if index < len(cells) else None


def test_sync_writes_computed_columns_and_no_staff_cell_changes(
    backend: WorkbookBackend, settings: Settings, now: datetime
) -> None:
    before = staff_cells(backend.read())

    report = engine.sync(backend, settings, now)

    assert staff_cells(backend.read()) == before
    assert report.cells_written > 0
    assert cell(backend, "Customers", 2, "Used (Hours)") == 0.5
    assert cell(backend, "Customers", 2, "Remaining") == 0.5
    assert cell(backend, "Requests", 2, "Tier") == "R2"


def test_a_second_sync_with_no_edits_writes_nothing(
    backend: WorkbookBackend, settings: Settings, now: datetime
) -> None:
    engine.sync(backend, settings, now)
    stamp = backend.read().version

    report = engine.sync(backend, settings, now)

    assert report.cells_written == 0
    assert report.changes == []
    assert backend.read().version == stamp


def test_dry_run_lists_each_change_and_writes_nothing(
    backend: WorkbookBackend, settings: Settings, now: datetime
) -> None:
    stamp = backend.read().version

    report = engine.sync(backend, settings, now, dry_run=True)

    assert backend.read().version == stamp
    assert report.cells_written == 0
    described = [c.describe() for c in report.changes]
    assert "Customers C-0001 Remaining: (blank) → 0.5" in described
    assert "Customers C-0003 Customer ID: (blank) → 'C-0003'" in described


def test_blank_ids_get_the_next_free_number_of_their_tab(
    backend: WorkbookBackend, settings: Settings, now: datetime
) -> None:
    report = engine.sync(backend, settings, now)

    assert report.ids_filled == 2
    assert cell(backend, "Customers", 4, "Customer ID") == "C-0003"
    assert cell(backend, "Requests", 3, "Request ID") == "REQ-0004"


def test_text_that_looks_like_a_formula_stays_text(
    backend: WorkbookBackend, settings: Settings, now: datetime
) -> None:
    engine.sync(backend, settings, now)

    sheet = openpyxl.load_workbook(backend.path)["Requests"]
    column = [c.value for c in sheet[1]].index("Description") + 1
    for row, text in ((2, "=SUM(A1:A3)"), (3, "+62"), (4, "@owner")):
        stored = sheet.cell(row, column)
        assert stored.data_type == "s"
        assert str(stored.value).startswith(text)


def test_sheetops_own_whatsapp_link_is_a_hyperlink_formula(
    backend: WorkbookBackend, settings: Settings, now: datetime
) -> None:
    engine.sync(backend, settings, now)

    link = cell(backend, "Requests", 2, "WhatsApp Link")

    assert str(link).startswith('=HYPERLINK("https://wa.me/6281234567890?text=')


def test_a_bad_cell_is_explained_and_the_other_rows_still_computed(
    backend: WorkbookBackend, settings: Settings, now: datetime
) -> None:
    engine.sync(backend, settings, now)

    assert cell(backend, "Time Log", 4, "Problems") == "Minutes: 'abc' is not a number"
    assert cell(backend, "Time Log", 2, "Hours") == 0.5
    assert cell(backend, "Customers", 3, "Used (Hours)") == 1.8


def test_the_seed_budget_table_comes_out_of_the_tracker(
    backend: WorkbookBackend, settings: Settings, now: datetime
) -> None:
    engine.sync(backend, settings, now)

    grid = backend.read().grids["Customers"]
    header = grid[0]
    picked = [
        [
            row[header.index(h)]
            for h in (
                "Customer",
                "Tier",
                "Monthly Allocation",
                "Used (Hours)",
                "Remaining",
            )
        ]
        + [row[header.index("Reset Date")].date().isoformat()]
        for row in grid[1:]
    ]
    assert picked == [
        ["Customer A", "R2", 1.0, 0.5, 0.5, "2026-02-01"],
        ["Customer B", "R3", 2.0, 1.8, 0.2, "2026-02-05"],
        ["Customer C", "R2", 1.0, 0.0, 1.0, "2026-02-10"],
    ]


def test_the_status_tab_records_the_sync(
    backend: WorkbookBackend, settings: Settings, now: datetime
) -> None:
    report = engine.sync(backend, settings, now)

    rows = {r[0]: r[1] for r in backend.read().grids["Status"][1:]}
    assert rows["Last Sync"] == "2026-01-28 10:00"
    assert rows["Cells Written"] == str(report.cells_written)
    assert rows["Rows With Problems"] == str(report.rows_with_problems)
    assert rows["Last Sync Error"] in (None, "")


def test_a_missing_required_column_stops_the_sync_and_is_recorded(
    tmp_path: Path, settings: Settings, now: datetime
) -> None:
    backend = make_workbook(tmp_path / "t.xlsx", settings, now, small_tracker())
    book = openpyxl.load_workbook(backend.path)
    book["Requests"].delete_cols(2)  # Received At
    book.save(backend.path)

    with pytest.raises(
        TrackerLayoutError, match="'Requests' has no column 'Received At'"
    ):
        engine.sync(backend, settings, now)

    rows = {r[0]: r[1] for r in backend.read().grids["Status"][1:]}
    assert "Received At" in rows["Last Sync Error"]
    assert cell(backend, "Customers", 2, "Used (Hours)") is None


def test_sync_refuses_while_libreoffice_has_the_tracker_open(
    backend: WorkbookBackend, settings: Settings, now: datetime
) -> None:
    lock = backend.path.parent / f".~lock.{backend.path.name}#"
    lock.write_text("Dewi Lestari,dewi,laptop,03.12.2026 09:00,file:///x;\n")

    with pytest.raises(TrackerBusyError, match="Dewi"):
        engine.sync(backend, settings, now)


def test_a_save_between_read_and_write_redoes_the_cycle_and_keeps_the_edit(
    backend: WorkbookBackend,
    settings: Settings,
    now: datetime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_read = WorkbookBackend.read
    calls = []

    def read_then_colleague_saves(self: WorkbookBackend) -> Snapshot:
        snapshot = real_read(self)
        calls.append(1)
        if len(calls) == 1:
            book = openpyxl.load_workbook(self.path)
            book["Time Log"]["D2"] = "Added the metric, tested"
            book.save(self.path)
        return snapshot

    monkeypatch.setattr(WorkbookBackend, "read", read_then_colleague_saves)

    report = engine.sync(backend, settings, now)

    assert report.attempts == 2
    assert cell(backend, "Time Log", 2, "Work Done") == "Added the metric, tested"
    assert cell(backend, "Time Log", 2, "Hours") == 0.5


def test_a_whatsapp_link_too_long_for_a_formula_is_written_as_plain_text(
    tmp_path: Path, settings: Settings, now: datetime
) -> None:
    rows = small_tracker()
    # R1 custom work in Indonesian: the upgrade message makes a long link.
    rows["Customers"][0].update(tier="R1", language="id")
    rows["Requests"][0]["status"] = "New"
    backend = make_workbook(tmp_path / "t.xlsx", settings, now, rows)

    engine.sync(backend, settings, now)

    link = str(cell(backend, "Requests", 2, "WhatsApp Link"))
    assert link.startswith("https://wa.me/6281234567890?text=")
    assert len(link) > 255
