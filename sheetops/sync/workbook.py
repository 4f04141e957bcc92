"""The tracker as a local .xlsx workbook that staff edit in LibreOffice or Excel.

Reads stream the file in openpyxl's read-only mode. Writes load the whole
workbook, change only the cells in the batch and replace the file in one
``os.replace``, so a reader never meets a half-written tracker. A write is
refused while someone has the workbook open, because their next save would
silently undo ours (or ours theirs).
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import os
import re
import secrets
import shutil
import time as clock
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from copy import copy
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.styles.numbers import is_date_format
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from sheetops.errors import TrackerBusyError, TrackerError, TrackerMovedError
from sheetops.schema import Column, Tab, Type, loose
from sheetops.sync.backend import Cell, Grid, RowGuard, Snapshot, WriteBatch, identity

logger = logging.getLogger(__name__)

LOCK_SUFFIX = ".sheetops.lock"
LOCK_TIMEOUT_SECONDS = 30.0
# Text starting with these is a formula to a spreadsheet unless marked as text.
FORMULA_STARTS = ("=", "+", "-", "@")
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
TIME_FORMAT = "hh:mm"
COMPUTED_FILL = "D9D9D9"
# Dropdowns reach well past today's rows so new rows typed by staff get them.
VALIDATION_ROWS = 5000
CATALOG_ROWS = 200
UNREADABLE = (OSError, zipfile.BadZipFile, InvalidFileException, KeyError, ValueError)


class WorkbookBackend:
    """A tracker kept in one .xlsx file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        self.lock_path = self.path.with_name(self.path.name + LOCK_SUFFIX)

    def read(self) -> Snapshot:
        """Every worksheet as a grid anchored at A1, with the file's version."""
        started = clock.perf_counter()
        data, version = self._load_bytes()
        workbook = self._open(data, read_only=True)

        try:
            grids = {ws.title: worksheet_grid(ws) for ws in workbook.worksheets}
        except UNREADABLE as exc:
            raise self._unreadable(exc) from exc
        finally:
            workbook.close()

        seconds = clock.perf_counter() - started
        logger.debug("read %s tabs from %s in %.2f s", len(grids), self.path, seconds)
        return Snapshot(grids=grids, version=version)

    def write(self, batch: WriteBatch, snapshot: Snapshot) -> None:
        """Write the whole batch or nothing; refuse if the file moved on."""
        if not batch.writes:
            return

        with self._exclusive():
            data, version = self._load_bytes()
            if version != snapshot.version:
                raise self._moved("someone saved it since")
            workbook = self._open(data, read_only=False)

            self._check_guards(workbook, batch.guards)
            for change in batch.writes:
                worksheet = self._worksheet(workbook, change.tab)
                cell = worksheet.cell(change.row, change.column)
                _set_value(cell, change.value, formula=change.formula)

            self._save(workbook, version)
        logger.debug("wrote %s cells to %s", len(batch.writes), self.path)

    def prepare(self, tabs: Sequence[Tab], seed: dict[str, Grid]) -> list[str]:
        """Create missing tabs and headers, then style and validate them."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._exclusive():
            version = _current_version(self.path)
            workbook = self._workbook_to_prepare(version)
            done: list[str] = []

            added = {
                tab.name: _add_structure(workbook, tab, seed, done) for tab in tabs
            }
            for tab in tabs:
                worksheet = _find_worksheet(workbook, tab.name)
                _layout(worksheet, tab, added[tab.name], done)
                _add_dropdowns(workbook, worksheet, tab, done)

            if done:
                self._save(workbook, version)
        return done

    def _workbook_to_prepare(self, version: str) -> Any:
        if not version:
            workbook = Workbook()
            workbook.remove(workbook.active)
            return workbook
        data, _ = self._load_bytes()
        return self._open(data, read_only=False)

    def _load_bytes(self) -> tuple[bytes, str]:
        """The file's bytes and their version."""
        try:
            found = _bytes_and_version(self.path)
        except OSError as exc:
            raise TrackerError(f"the tracker {self.path} can't be read: {exc}") from exc
        if found is None:
            raise TrackerError(
                f"the tracker {self.path} does not exist; "
                "run `sheetops init` to create it"
            )
        return found

    def _open(self, data: bytes, *, read_only: bool) -> Any:
        # Formulas stay as their text: the engine compares its own HYPERLINKs.
        try:
            return load_workbook(io.BytesIO(data), read_only=read_only, data_only=False)
        except UNREADABLE as exc:
            raise self._unreadable(exc) from exc

    def _unreadable(self, exc: Exception) -> TrackerError:
        return TrackerError(
            f"the tracker {self.path} is not a readable .xlsx workbook ({exc}); "
            "if it is being saved right now, try again in a moment"
        )

    def _moved(self, why: str) -> TrackerMovedError:
        return TrackerMovedError(
            "the tracker changed since it was read; the cycle will be redone "
            f"({self.path}: {why})"
        )

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        """Hold the sheetops write lock, and make sure no person has the file open."""
        lock = FileLock(self.lock_path, timeout=LOCK_TIMEOUT_SECONDS)
        try:
            lock.acquire()
        except Timeout:
            raise TrackerBusyError(
                f"another sheetops process has been writing {self.path} for "
                f"{LOCK_TIMEOUT_SECONDS:.0f} s; try again, or delete "
                f"{self.lock_path} if no sheetops process is running"
            ) from None

        try:
            refuse_if_open(self.path)
            yield
        finally:
            lock.release()

    def _worksheet(self, workbook: Any, title: str) -> Any:
        worksheet = _find_worksheet(workbook, title)
        if worksheet is None:
            raise self._moved(f"tab {title!r} is gone")
        return worksheet

    def _check_guards(self, workbook: Any, guards: Sequence[RowGuard]) -> None:
        """Refuse if any guarded row no longer holds its identity."""
        for guard in guards:
            worksheet = self._worksheet(workbook, guard.tab)
            found = identity(
                [plain_value(worksheet.cell(guard.row, c).value) for c in guard.columns]
            )
            if found != tuple(guard.values):
                raise self._moved(
                    f"row {guard.row} of {guard.tab} now holds {found}, "
                    f"not {tuple(guard.values)}"
                )

    def _save(self, workbook: Any, version: str) -> None:
        """Save beside the file, then swap it in if the file is still as loaded."""
        # Not mkstemp: its private mode would stick to a newly created tracker.
        temp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}.tmp")
        target = temp.open("xb")

        try:
            with target:
                workbook.save(target)
                target.flush()
                os.fsync(target.fileno())

            # A person may have saved while we worked: check once more, late.
            refuse_if_open(self.path)
            if _current_version(self.path) != version:
                raise self._moved("the file was saved during the write")
            if version:
                shutil.copymode(self.path, temp)
            _replace(temp, self.path)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        _sync_folder(self.path.parent)


def _version(stat: os.stat_result, data: bytes) -> str:
    # mtime and size are cheap but can miss a same-size save inside one clock
    # tick or a copy that keeps mtime; the hash of the bytes cannot.
    digest = hashlib.sha256(data).hexdigest()
    return f"{stat.st_mtime_ns}:{stat.st_size}:{digest}"


def _bytes_and_version(path: Path) -> tuple[bytes, str] | None:
    """The file's bytes and version from one open handle; None if no file."""
    try:
        with path.open("rb") as handle:
            stat = os.fstat(handle.fileno())
            data = handle.read()
    except FileNotFoundError:
        return None
    return data, _version(stat, data)


def _current_version(path: Path) -> str:
    """The version of the file as it is now, or "" if there is no file."""
    found = _bytes_and_version(path)
    return found[1] if found else ""


def worksheet_grid(worksheet: Any) -> Grid:
    """The worksheet's values from A1, trailing blanks trimmed."""
    # Some writers store a wrong used range; reading to the end is safer.
    worksheet.reset_dimensions()
    grid: Grid = []
    for values in worksheet.iter_rows(min_row=1, min_col=1, values_only=True):
        row = [plain_value(value) for value in values]
        while row and row[-1] is None:
            row.pop()
        grid.append(row)

    while grid and not grid[-1]:
        grid.pop()
    return grid


def plain_value(value: Any) -> Cell:
    """A value as openpyxl gives it, in the types the backends agree on."""
    if value is None or isinstance(value, str | bool | int | float | date | time):
        return value
    if isinstance(value, timedelta):
        # A duration format ([h]:mm) on a time of day, as staff often use.
        if timedelta(0) <= value < timedelta(days=1):
            return (datetime.min + value).time()
        return value.total_seconds() / 86400
    # An array formula keeps its text ("=..."), like a plain formula.
    text = getattr(value, "text", None)
    return text if isinstance(text, str) else str(value)


def _set_value(cell: Any, value: Cell, *, formula: bool = False) -> None:
    """Set one cell, keeping its style; only sheetops' formulas are formulas."""
    if formula and not (isinstance(value, str) and value.startswith("=")):
        raise ValueError(f"a formula write needs text starting with '=': {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        logger.debug("blanking %s: %r is not a number a sheet can hold", cell, value)
        value = None
    if isinstance(value, datetime | time) and value.tzinfo is not None:
        # Workbooks have no time zones: keep the wall-clock time as given.
        value = value.replace(tzinfo=None)

    had_date_format = is_date_format(cell.number_format)
    cell.value = value

    if isinstance(value, str) and not formula:
        cell.data_type = "s"
        # The quote prefix keeps it text when someone edits it in the app.
        if bool(cell.quotePrefix) != value.startswith(FORMULA_STARTS):
            cell.quotePrefix = value.startswith(FORMULA_STARTS)
    if isinstance(value, date | time) and not had_date_format:
        cell.number_format = _date_format(value)


def _date_format(value: date | time) -> str:
    if isinstance(value, datetime):
        return DATETIME_FORMAT
    return DATE_FORMAT if isinstance(value, date) else TIME_FORMAT


def _same_name(left: str, right: str) -> bool:
    return " ".join(left.split()).casefold() == " ".join(right.split()).casefold()


def _find_worksheet(workbook: Any, title: str) -> Any:
    for worksheet in workbook.worksheets:
        if _same_name(worksheet.title, title):
            return worksheet
    return None


def _replace(temp: Path, path: Path) -> None:
    try:
        os.replace(temp, path)
    except PermissionError as exc:
        # Windows refuses to replace a file another program holds open.
        raise TrackerBusyError(
            f"{path} is held open by another program ({exc}); close it and "
            "let the next cycle write"
        ) from exc


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable where the platform allows (not Windows)."""
    with suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def refuse_if_open(path: Path) -> None:
    """Raise TrackerBusyError if LibreOffice or Excel has the workbook open."""
    libreoffice = path.with_name(f".~lock.{path.name}#")
    if libreoffice.exists():
        owner = _libreoffice_owner(libreoffice)
        raise TrackerBusyError(
            f"{path} is open in LibreOffice{owner} (lock file {libreoffice}); "
            "close the workbook in LibreOffice, or delete the stale lock file "
            f"{libreoffice} if no one has it open"
        )

    excel = path.with_name(f"~${path.name}")
    if excel.exists():
        owner = _excel_owner(excel)
        raise TrackerBusyError(
            f"{path} is open in Excel{owner} (lock file {excel}); close the "
            f"workbook in Excel, or delete the stale lock file {excel} if no "
            "one has it open"
        )


def _libreoffice_owner(lock: Path) -> str:
    """' by <name>' from a LibreOffice lock file, or "" if it names no one."""
    try:
        text = lock.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    # Fields: full name, login, host, time, profile; a backslash escapes ",".
    fields = re.split(r"(?<!\\),", text.strip().rstrip(";"))
    fields = [re.sub(r"\\(.)", r"\1", field).strip() for field in fields]
    login = fields[1] if len(fields) > 1 else ""
    name = fields[0] or login
    if name and login and name != login:
        return f" by {name} ({login})"
    return f" by {name}" if name else ""


def _excel_owner(lock: Path) -> str:
    """' by <name>' from an Office owner file, or "" if it can't be read."""
    try:
        data = lock.read_bytes()
    except OSError:
        return ""
    # One length byte, then the user name in the ANSI code page.
    if not data or len(data) < 1 + data[0]:
        return ""
    name = data[1 : 1 + data[0]].decode("cp1252", errors="replace").strip()
    return f" by {name}" if name else ""


def _add_structure(
    workbook: Any, tab: Tab, seed: dict[str, Grid], done: list[str]
) -> set[str]:
    """Create the tab or its missing headers; return the fields added."""
    worksheet = _find_worksheet(workbook, tab.name)
    if worksheet is None:
        worksheet = workbook.create_sheet(tab.name)
        done.append(f"created tab {tab.name}")
        _fill_new_tab(worksheet, tab, _seed_rows(seed, tab.name), done)
        return {column.field for column in tab.columns}

    present = {loose(c.value) for c in worksheet[1] if c.value is not None}
    missing = [c for c in tab.columns if loose(c.header) not in present]
    next_column = _last_used_column(worksheet) + 1
    for offset, column in enumerate(missing):
        cell = worksheet.cell(1, next_column + offset)
        _set_value(cell, column.header)
        done.append(f"added column {column.header!r} to {worksheet.title}")
    return {column.field for column in missing}


def _fill_new_tab(worksheet: Any, tab: Tab, rows: Grid, done: list[str]) -> None:
    for index, header in enumerate(tab.headers, start=1):
        _set_value(worksheet.cell(1, index), header)

    for row_number, values in enumerate(rows, start=2):
        for column_number, value in enumerate(values, start=1):
            _set_value(worksheet.cell(row_number, column_number), value)
    if rows:
        done.append(f"added {len(rows)} rows to {tab.name}")


def _seed_rows(seed: dict[str, Grid], name: str) -> Grid:
    return next((rows for key, rows in seed.items() if _same_name(key, name)), [])


def _last_used_column(worksheet: Any) -> int:
    """The rightmost column holding a value, so new headers land past data."""
    rows = worksheet.iter_rows(values_only=True)
    used = (i for row in rows for i, value in enumerate(row, 1) if value is not None)
    return max(used, default=0)


def _positions(worksheet: Any, tab: Tab) -> dict[str, int]:
    """Each schema field found in row 1, with its 1-based column."""
    wanted = {loose(c.header): c.field for c in tab.columns}
    found: dict[str, int] = {}
    for cell in worksheet[1]:
        field = wanted.get(loose(cell.value))
        if cell.value is not None and field and field not in found:
            found[field] = cell.column
    return found


def _layout(worksheet: Any, tab: Tab, added: set[str], done: list[str]) -> None:
    """Bold headers, shaded computed ones, frozen header row, new widths."""
    positions = _positions(worksheet, tab)
    restyled = False
    for column in tab.columns:
        if column.field in positions:
            cell = worksheet.cell(1, positions[column.field])
            restyled |= _style_header(cell, column)
            if column.field in added:
                _set_width(worksheet, positions[column.field], column)
    if restyled:
        done.append(f"styled the headers of {worksheet.title}")

    pane = _frozen_pane(worksheet.freeze_panes)
    if pane != worksheet.freeze_panes:
        worksheet.freeze_panes = pane
        done.append(f"froze the header row of {worksheet.title}")


def _style_header(cell: Any, column: Column) -> bool:
    """Make one header look as its kind should; True if anything changed."""
    italic = column.computed
    changed = False
    if not cell.font.b or bool(cell.font.i) != italic:
        font: Font = copy(cell.font)
        font.b = True
        font.i = italic
        cell.font = font
        changed = True

    if column.computed and not _is_shaded(cell):
        cell.fill = PatternFill(fill_type="solid", fgColor=COMPUTED_FILL)
        changed = True
    return changed


def _is_shaded(cell: Any) -> bool:
    colour = cell.fill.fgColor.rgb if cell.fill.fill_type == "solid" else None
    return isinstance(colour, str) and colour.upper().endswith(COMPUTED_FILL)


def _frozen_pane(current: str | None) -> str:
    """Where to freeze so the header row stays, keeping frozen columns."""
    if current is None:
        return "A2"
    letters = current.rstrip("0123456789")
    row = int(current[len(letters) :] or 1)
    return current if row >= 2 else f"{letters}2"


def _set_width(worksheet: Any, index: int, column: Column) -> None:
    # Free text gets room to be read; the rest fits its header or a date.
    width = {Type.TEXT: 30, Type.DATE: 12, Type.DATETIME: 17}.get(column.type, 0)
    width = max(width, len(column.header) + 4)
    worksheet.column_dimensions[get_column_letter(index)].width = min(width, 40)


def _add_dropdowns(workbook: Any, worksheet: Any, tab: Tab, done: list[str]) -> None:
    """A list validation under every pick-from column that has none yet."""
    positions = _positions(worksheet, tab)
    last_row = max(VALIDATION_ROWS, worksheet.max_row + VALIDATION_ROWS // 5)
    named: list[str] = []
    for column in tab.staff:
        source = _dropdown_source(workbook, tab, column)
        if source is None or column.field not in positions:
            continue
        letter = get_column_letter(positions[column.field])
        if _has_validation(worksheet, f"{letter}2"):
            continue

        worksheet.add_data_validation(
            _validation(source, f"{letter}2:{letter}{last_row}")
        )
        named.append(column.header)
    if named:
        done.append(f"added dropdowns to {worksheet.title}: {', '.join(named)}")


def _dropdown_source(workbook: Any, tab: Tab, column: Column) -> str | None:
    """The list a column's dropdown offers, as a validation formula."""
    if column.type is Type.CHOICE and column.choices:
        return '"' + ",".join(column.choices) + '"'
    if column.type is Type.BOOL:
        return '"TRUE,FALSE"'
    if _same_name(tab.name, "Requests") and column.field == "catalog_task":
        return _catalog_range(workbook)
    return None


def _catalog_range(workbook: Any) -> str | None:
    catalog = _find_worksheet(workbook, "Catalog")
    if catalog is None:
        return None
    for cell in catalog[1]:
        if loose(cell.value) == loose("Task"):
            letter = get_column_letter(cell.column)
            last = max(CATALOG_ROWS, catalog.max_row + CATALOG_ROWS // 2)
            title = catalog.title
            # Quote only titles that need it, so the rule reads as staff write it.
            sheet = title if title.isalpha() else quote_sheetname(title)
            return f"{sheet}!${letter}$2:${letter}${last}"
    return None


def _has_validation(worksheet: Any, coordinate: str) -> bool:
    return any(
        coordinate in rule.sqref for rule in worksheet.data_validations.dataValidation
    )


def _validation(source: str, cells: str) -> DataValidation:
    # A free-text catalog entry is flagged by the engine, so only warn there.
    strict = source.startswith('"')
    return DataValidation(
        type="list",
        formula1=source,
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop" if strict else "warning",
        sqref=cells,
    )
