"""The local workbook backend, on real .xlsx files in a temporary folder."""

from __future__ import annotations

import os
import re
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula

from sheetops import schema
from sheetops.errors import TrackerBusyError, TrackerError, TrackerMovedError
from sheetops.sync import workbook as workbook_module
from sheetops.sync.backend import CellWrite, RowGuard, Snapshot, WriteBatch
from sheetops.sync.workbook import WorkbookBackend

HEADERS = ["Customer ID", "Customer", "Tier", "Start Date", "Hint", "Problems"]


def _make_tracker(path: Path) -> None:
    """A small tracker with the touches staff add: formats, a formula, a dropdown."""
    book = Workbook()
    customers = book.active
    customers.title = "Customers"
    customers.append(HEADERS)
    customers.append(["C-001", "Warung Sate", "R2", date(2025, 1, 15), None, None])
    customers.append(["C-002", "Kopi Kita", "R3", date(2025, 3, 31), None, None])
    customers["G2"] = "=LEN(B2)"
    customers["G2"].number_format = "0.00"
    customers.column_dimensions["B"].width = 33
    customers.freeze_panes = "A2"
    tiers = DataValidation(type="list", formula1='"R1,R2,R3"', sqref="C2:C100")
    customers.add_data_validation(tiers)

    notes = book.create_sheet("Notes")
    notes["A1"] = "kept as is"
    book.save(path)


@pytest.fixture
def tracker(tmp_path: Path) -> Path:
    path = tmp_path / "tracker.xlsx"
    _make_tracker(path)
    return path


@pytest.fixture
def backend(tracker: Path) -> WorkbookBackend:
    return WorkbookBackend(tracker)


def _write(backend: WorkbookBackend, *writes: CellWrite, **kwargs: Any) -> None:
    snapshot = kwargs.pop("snapshot", None) or backend.read()
    backend.write(WriteBatch(writes=list(writes), **kwargs), snapshot)


def _sheet_xml(path: Path, index: int = 1) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(f"xl/worksheets/sheet{index}.xml").decode()


def _cell_xml(path: Path, coordinate: str) -> str:
    found = re.search(rf'<c r="{coordinate}"[^>]*?(/>|>.*?</c>)', _sheet_xml(path))
    assert found is not None, coordinate
    return found.group(0)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_read_gives_every_tab_from_a1_with_header_first(backend: WorkbookBackend):
    snapshot = backend.read()

    assert list(snapshot.grids) == ["Customers", "Notes"]
    customers = snapshot.grids["Customers"]
    assert customers[0] == HEADERS
    assert customers[1][:4] == ["C-001", "Warung Sate", "R2", datetime(2025, 1, 15)]
    assert customers[1][6] == "=LEN(B2)"
    assert snapshot.grids["Notes"] == [["kept as is"]]


def test_read_keeps_blank_rows_in_place_and_drops_trailing_ones(tmp_path: Path):
    path = tmp_path / "gaps.xlsx"
    book = Workbook()
    sheet = book.active
    sheet["A1"] = "Date"
    sheet["B4"] = "late row"
    sheet["A9"].number_format = "0.00"  # styled but empty
    book.save(path)

    grid = WorkbookBackend(path).read().grids[sheet.title]

    assert grid == [["Date"], [], [], [None, "late row"]]


def test_read_gives_time_cells_as_times(tmp_path: Path):
    path = tmp_path / "times.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.append(["Started", "Stopped"])
    sheet.append([time(9, 30), 0.75])
    sheet["B2"].number_format = "[h]:mm"
    book.save(path)

    grid = WorkbookBackend(path).read().grids[sheet.title]

    assert grid[1] == [time(9, 30), time(18, 0)]


def test_read_gives_array_formulas_as_their_text(tmp_path: Path):
    path = tmp_path / "array.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.append(["Total", 2, 3])
    sheet["A2"] = ArrayFormula("A2", "=SUM(B1:C1*2)")
    book.save(path)

    grid = WorkbookBackend(path).read().grids[sheet.title]

    assert grid[1] == ["=SUM(B1:C1*2)"]


def test_read_of_a_missing_file_says_to_run_init(tmp_path: Path):
    with pytest.raises(TrackerError, match="does not exist; run `sheetops init`"):
        WorkbookBackend(tmp_path / "absent.xlsx").read()


def test_read_of_a_broken_file_is_a_tracker_error(tmp_path: Path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 half a zip")

    with pytest.raises(TrackerError, match=r"not a readable \.xlsx workbook"):
        WorkbookBackend(path).read()


def test_every_cell_type_survives_a_write_and_a_read(backend: WorkbookBackend):
    values: list[Any] = [
        "plain text",
        42,
        2.5,
        True,
        date(2026, 2, 2),
        datetime(2026, 2, 2, 17, 0),
        time(8, 45),
        '=HYPERLINK("https://wa.me/6281234","WhatsApp")',
        None,
    ]
    writes = [
        CellWrite("Customers", 2, 8 + i, v, formula=i == 7)
        for i, v in enumerate(values)
    ]
    _write(backend, *writes, CellWrite("Customers", 3, 2, None))

    row = backend.read().grids["Customers"][1][7:]
    assert row == [*values[:4], datetime(2026, 2, 2), *values[5:8]]
    assert backend.read().grids["Customers"][2][1] is None


def test_write_gives_dates_and_times_iso_number_formats(backend: WorkbookBackend):
    _write(
        backend,
        CellWrite("Customers", 2, 5, date(2026, 2, 2)),
        CellWrite("Customers", 2, 6, datetime(2026, 2, 2, 17, 0)),
        CellWrite("Customers", 2, 8, time(9, 0)),
    )

    sheet = load_workbook(backend.path)["Customers"]
    formats = [sheet[c].number_format for c in ("E2", "F2", "H2")]
    assert formats == ["yyyy-mm-dd", "yyyy-mm-dd hh:mm", "hh:mm"]


def test_write_keeps_a_date_format_staff_chose(backend: WorkbookBackend):
    book = load_workbook(backend.path)
    book["Customers"]["E2"].number_format = "dd/mm/yyyy"
    book.save(backend.path)

    _write(backend, CellWrite("Customers", 2, 5, date(2026, 3, 1)))

    assert load_workbook(backend.path)["Customers"]["E2"].number_format == "dd/mm/yyyy"


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+62 812 3456", "-5 items", "@channel", '=HYPERLINK("x")'],
    ids=["equals", "plus", "minus", "at", "hyperlink-typed-by-a-person"],
)
def test_text_that_looks_like_a_formula_is_stored_as_text(
    backend: WorkbookBackend, text: str
):
    _write(backend, CellWrite("Customers", 2, 5, text))

    cell = load_workbook(backend.path)["Customers"]["E2"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
    # No <f> element: LibreOffice and Excel load it as a string, never evaluate it.
    xml = _cell_xml(backend.path, "E2")
    assert "<f>" not in xml
    assert 't="s"' in xml or 't="inlineStr"' in xml


def test_staff_text_starting_with_equals_stays_text_across_later_writes(
    backend: WorkbookBackend,
):
    _write(backend, CellWrite("Customers", 3, 5, "=not a formula"))

    _write(backend, CellWrite("Customers", 2, 5, "fine"))

    cell = load_workbook(backend.path)["Customers"]["E3"]
    assert (cell.value, cell.data_type) == ("=not a formula", "s")
    assert "<f>" not in _cell_xml(backend.path, "E3")


def test_formula_writes_are_stored_as_formulas(backend: WorkbookBackend):
    link = '=HYPERLINK("https://wa.me/6281234","WhatsApp")'
    _write(backend, CellWrite("Customers", 2, 5, link, formula=True))

    cell = load_workbook(backend.path)["Customers"]["E2"]
    assert (cell.value, cell.data_type) == (link, "f")
    assert "<f>" in _cell_xml(backend.path, "E2")


def test_formula_write_without_equals_sign_is_refused(backend: WorkbookBackend):
    before = backend.path.read_bytes()

    with pytest.raises(ValueError, match="starting with '='"):
        _write(backend, CellWrite("Customers", 2, 5, "HYPERLINK()", formula=True))
    assert backend.path.read_bytes() == before


def test_text_without_formula_start_loses_an_old_quote_prefix(
    backend: WorkbookBackend,
):
    _write(backend, CellWrite("Customers", 2, 5, "=once"))

    _write(backend, CellWrite("Customers", 2, 5, "plain now"))

    assert load_workbook(backend.path)["Customers"]["E2"].quotePrefix is False


def test_write_changes_only_the_cells_in_the_batch(backend: WorkbookBackend):
    _write(backend, CellWrite("Customers", 2, 6, "Tier R2 has no type C"))

    book = load_workbook(backend.path)
    sheet = book["Customers"]
    assert sheet["F2"].value == "Tier R2 has no type C"
    assert (sheet["G2"].value, sheet["G2"].number_format) == ("=LEN(B2)", "0.00")
    assert sheet["D2"].value == datetime(2025, 1, 15)
    assert sheet.column_dimensions["B"].width == 33
    assert sheet.freeze_panes == "A2"
    rules = sheet.data_validations.dataValidation
    assert [(r.formula1, str(r.sqref)) for r in rules] == [('"R1,R2,R3"', "C2:C100")]
    assert book["Notes"]["A1"].value == "kept as is"


def test_write_past_the_last_row_appends(backend: WorkbookBackend):
    _write(
        backend,
        CellWrite("Customers", 4, 1, "C-003"),
        CellWrite("Customers", 4, 2, "Bakso Pak Min"),
    )

    assert backend.read().grids["Customers"][3] == ["C-003", "Bakso Pak Min"]


def test_tab_names_match_with_case_and_spacing_ignored(backend: WorkbookBackend):
    _write(backend, CellWrite(" customers ", 2, 5, "found"))

    assert backend.read().grids["Customers"][1][4] == "found"


def test_an_empty_batch_leaves_the_file_alone(backend: WorkbookBackend):
    stamp = backend.path.stat().st_mtime_ns

    backend.write(WriteBatch(), Snapshot(grids={}, version="stale"))

    assert backend.path.stat().st_mtime_ns == stamp


def test_a_crash_during_save_leaves_the_original_intact(
    backend: WorkbookBackend, monkeypatch: pytest.MonkeyPatch
):
    before = backend.path.read_bytes()
    snapshot = backend.read()

    def half_save(self: Workbook, target: Any) -> None:
        target.write(b"PK\x03\x04 half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(Workbook, "save", half_save)
    with pytest.raises(OSError, match="disk full"):
        _write(backend, CellWrite("Customers", 2, 5, "lost"), snapshot=snapshot)

    assert backend.path.read_bytes() == before
    assert _leftovers(backend.path.parent) == []


def test_a_newly_written_tracker_keeps_the_file_permissions(backend: WorkbookBackend):
    backend.path.chmod(0o640)

    _write(backend, CellWrite("Customers", 2, 5, "x"))

    assert backend.path.stat().st_mode & 0o777 == 0o640


def test_libreoffice_lock_file_refuses_the_write_naming_the_person(
    backend: WorkbookBackend,
):
    lock = backend.path.with_name(".~lock.tracker.xlsx#")
    lock.write_text(
        "Dewi Lestari,dewi,kantor-pc,02.02.2026 09:12,"
        "file:///home/dewi/.config/libreoffice/4;"
    )
    before = backend.path.read_bytes()

    with pytest.raises(TrackerBusyError) as caught:
        _write(backend, CellWrite("Customers", 2, 5, "x"))

    message = str(caught.value)
    assert "open in LibreOffice by Dewi Lestari (dewi)" in message
    assert str(lock) in message
    assert "close the workbook in LibreOffice, or delete the stale lock" in message
    assert backend.path.read_bytes() == before


def test_libreoffice_lock_file_without_a_full_name_names_the_login(
    backend: WorkbookBackend,
):
    lock = backend.path.with_name(".~lock.tracker.xlsx#")
    lock.write_text(",budi,laptop,02.02.2026 09:12,file:///home/budi;")

    with pytest.raises(TrackerBusyError, match="LibreOffice by budi "):
        _write(backend, CellWrite("Customers", 2, 5, "x"))


def test_excel_owner_file_refuses_the_write(backend: WorkbookBackend):
    owner = backend.path.with_name("~$tracker.xlsx")
    name = b"Rina"
    owner.write_bytes(bytes([len(name)]) + name + b" " * 49)

    with pytest.raises(TrackerBusyError) as caught:
        _write(backend, CellWrite("Customers", 2, 5, "x"))

    assert "open in Excel by Rina" in str(caught.value)
    assert "delete the stale lock file" in str(caught.value)


def test_another_sheetops_writer_holding_the_lock_is_busy(
    backend: WorkbookBackend, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(workbook_module, "LOCK_TIMEOUT_SECONDS", 0.1)
    snapshot = backend.read()

    with (
        FileLock(backend.lock_path),
        pytest.raises(TrackerBusyError, match="another sheetops process"),
    ):
        _write(backend, CellWrite("Customers", 2, 5, "x"), snapshot=snapshot)


def test_a_change_since_the_read_is_refused(backend: WorkbookBackend):
    snapshot = backend.read()
    book = load_workbook(backend.path)
    book["Customers"]["B2"] = "Warung Sate Baru"
    book.save(backend.path)

    with pytest.raises(TrackerMovedError, match="the cycle will be redone"):
        _write(backend, CellWrite("Customers", 2, 5, "x"), snapshot=snapshot)
    assert load_workbook(backend.path)["Customers"]["E2"].value is None


def test_a_same_size_change_keeping_the_mtime_still_changes_the_version(
    backend: WorkbookBackend,
):
    before = backend.read().version
    stat = backend.path.stat()
    data = bytearray(backend.path.read_bytes())
    data[-30] ^= 1  # inside the zip's central directory: same size, new bytes
    backend.path.write_bytes(bytes(data))
    os.utime(backend.path, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    stamp = WorkbookBackend(backend.path)._load_bytes()[1]

    assert stamp != before


def test_a_save_by_someone_during_the_write_is_not_overwritten(
    backend: WorkbookBackend, monkeypatch: pytest.MonkeyPatch
):
    snapshot = backend.read()
    real_save = Workbook.save

    def save_while_someone_saves(self: Workbook, target: Any) -> None:
        real_save(self, target)
        backend.path.write_bytes(backend.path.read_bytes() + b"\0")

    monkeypatch.setattr(Workbook, "save", save_while_someone_saves)
    with pytest.raises(TrackerMovedError, match="saved during the write"):
        _write(backend, CellWrite("Customers", 2, 5, "x"), snapshot=snapshot)
    assert _leftovers(backend.path.parent) == []


def test_row_guards_that_still_match_let_the_write_through(backend: WorkbookBackend):
    guard = RowGuard("Customers", 2, (1,), ("C-001",))

    _write(backend, CellWrite("Customers", 2, 5, "ok"), guards=[guard])

    assert backend.read().grids["Customers"][1][4] == "ok"


def test_a_row_guard_that_no_longer_matches_refuses_everything(
    backend: WorkbookBackend,
):
    guard = RowGuard("Customers", 3, (1, 4), ("C-001", "2025-01-15 00:00"))
    before = backend.path.read_bytes()

    with pytest.raises(TrackerMovedError, match="row 3 of Customers"):
        _write(backend, CellWrite("Customers", 2, 5, "x"), guards=[guard])
    assert backend.path.read_bytes() == before


def test_a_write_to_a_tab_that_is_gone_is_refused(backend: WorkbookBackend):
    with pytest.raises(TrackerMovedError, match="tab 'Calls' is gone"):
        _write(backend, CellWrite("Calls", 2, 1, "x"))


CATALOG_SEED = [["Add a KPI card", 30, 60, "Revenue per cover"]]


def test_prepare_creates_every_tab_on_a_new_file(tmp_path: Path):
    path = tmp_path / "new" / "tracker.xlsx"

    done = WorkbookBackend(path).prepare(schema.TABS, {"Catalog": CATALOG_SEED})

    book = load_workbook(path)
    assert book.sheetnames == [tab.name for tab in schema.TABS]
    for tab in schema.TABS:
        assert [c.value for c in book[tab.name][1]] == tab.headers
        assert f"created tab {tab.name}" in done
    assert "added 1 rows to Catalog" in done
    assert [c.value for c in book["Catalog"][2]][:4] == CATALOG_SEED[0]
    assert _leftovers(path.parent) == []


def test_prepare_shades_computed_headers_and_freezes_the_header_row(tmp_path: Path):
    path = tmp_path / "tracker.xlsx"
    WorkbookBackend(path).prepare(schema.TABS, {})

    sheet = load_workbook(path)["Customers"]
    for cell in sheet[1]:
        computed = schema.CUSTOMERS.columns[cell.column - 1].computed
        shaded = cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb[-6:]
        assert shaded == ("D9D9D9" if computed else False), cell.value
        assert (cell.font.b, bool(cell.font.i)) == (True, computed), cell.value
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width >= 12


def _dropdowns(sheet: Any) -> dict[str, str]:
    """Each validated column's header, with the list its dropdown offers."""
    found = {}
    for rule in sheet.data_validations.dataValidation:
        assert rule.type == "list"
        first = next(iter(rule.sqref.ranges))
        assert (first.min_row, first.max_row >= 5000) == (2, True)
        found[sheet.cell(1, first.min_col).value] = rule.formula1
    return found


def test_prepare_adds_dropdowns_for_choices_checkboxes_and_catalog_tasks(
    tmp_path: Path,
):
    path = tmp_path / "tracker.xlsx"
    WorkbookBackend(path).prepare(schema.TABS, {"Catalog": CATALOG_SEED})
    book = load_workbook(path)

    customers = _dropdowns(book["Customers"])
    requests = _dropdowns(book["Requests"])

    assert customers == {
        "Tier": '"R1,R2,R3"',
        "Language": '"en,id"',
        "Active": '"TRUE,FALSE"',
    }
    assert requests["Status"] == '"' + ",".join(schema.STATUSES) + '"'
    assert requests["Preferred Channel"] == '"Email,WhatsApp,Phone"'
    assert requests["Follow-up"] == '"TRUE,FALSE"'
    assert requests["Catalog Task"] == "Catalog!$A$2:$A$200"
    assert _dropdowns(book["Calls"])["Medium"] == '"video,phone"'
    assert _dropdowns(book["Time Log"]) == {}


def test_prepare_adds_only_missing_columns_to_an_existing_tracker(
    backend: WorkbookBackend,
):
    before = backend.read().grids["Customers"]

    done = backend.prepare([schema.CUSTOMERS], {})

    after = backend.read().grids["Customers"]
    missing = [h for h in schema.CUSTOMERS.headers if h not in HEADERS]
    assert [f"added column {h!r} to Customers" for h in missing] == [
        line for line in done if line.startswith("added column")
    ]
    # New headers start past the staff's own formula column G.
    assert after[0] == [*HEADERS, None, *missing]
    assert [row[:7] for row in after[1:]] == [row[:7] for row in before[1:]]
    sheet = load_workbook(backend.path)["Customers"]
    assert (sheet["G2"].value, sheet["G2"].number_format) == ("=LEN(B2)", "0.00")
    assert sheet.column_dimensions["B"].width == 33


def test_prepare_keeps_a_staff_dropdown_and_adds_the_rest(backend: WorkbookBackend):
    backend.prepare([schema.CUSTOMERS], {})

    rules = load_workbook(backend.path)["Customers"].data_validations.dataValidation
    on_tier = [r for r in rules if "C2" in r.sqref]
    assert [str(r.sqref) for r in on_tier] == ["C2:C100"]
    assert len(rules) == 3


def test_prepare_points_the_catalog_dropdown_at_the_task_column(tmp_path: Path):
    path = tmp_path / "tracker.xlsx"
    book = Workbook()
    book.active.title = "Catalog"
    book["Catalog"].append(["Example", "Task", "Min (min)", "Max (min)"])
    book.save(path)

    WorkbookBackend(path).prepare([schema.CATALOG, schema.REQUESTS], {})

    requests = _dropdowns(load_workbook(path)["Requests"])
    assert requests["Catalog Task"] == "Catalog!$B$2:$B$200"


def test_a_second_prepare_changes_nothing(tmp_path: Path):
    backend = WorkbookBackend(tmp_path / "tracker.xlsx")
    backend.prepare(schema.TABS, {"Catalog": CATALOG_SEED})
    before = backend.path.read_bytes()
    stamp = backend.path.stat().st_mtime_ns

    assert backend.prepare(schema.TABS, {"Catalog": CATALOG_SEED}) == []
    assert backend.path.read_bytes() == before
    assert backend.path.stat().st_mtime_ns == stamp


def test_prepare_refuses_while_the_workbook_is_open(backend: WorkbookBackend):
    backend.path.with_name(".~lock.tracker.xlsx#").write_text(",ayu,pc,now,x;")

    with pytest.raises(TrackerBusyError, match="LibreOffice by ayu"):
        backend.prepare(schema.TABS, {})
