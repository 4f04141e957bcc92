"""Cells between sheetops and the Sheets API: values in, CellData out.

Reading, a cell arrives as JSON (a number, text, a boolean, or a
formula's text). Writing, every value goes out as an explicit
``userEnteredValue`` of one kind, so text a customer typed that starts
with ``=`` is stored as text and only sheetops' own formulas are formulas.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sheetops.sync.backend import Cell, Grid

# Sheets counts days from this date, like Excel with its 1900 bug fixed.
SERIAL_EPOCH = datetime(1899, 12, 30)
SECONDS_PER_DAY = 86400
DATE_PATTERN = "yyyy-mm-dd"
DATETIME_PATTERN = "yyyy-mm-dd hh:mm"
TIME_PATTERN = "hh:mm"
VALUE_ONLY = "userEnteredValue"
FORMAT_ONLY = "userEnteredFormat.numberFormat"
VALUE_AND_FORMAT = f"{VALUE_ONLY},{FORMAT_ONLY}"
# Rows per updateCells request: small enough that a batch too big for one
# call can be split between requests.
BLOCK_ROWS = 1000

CellData = dict[str, Any]


def quote_title(title: str) -> str:
    """A sheet title as A1 notation wants it: always quoted, quotes doubled."""
    return "'" + title.replace("'", "''") + "'"


def column_letters(number: int) -> str:
    """Letters of a 1-based column number (1 -> A, 27 -> AA)."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def title_of_range(text: str) -> str:
    """The sheet title at the front of a range the API returned."""
    if not text.startswith("'"):
        return text.rsplit("!", 1)[0] if "!" in text else text
    title, index = "", 1
    while index < len(text):
        char = text[index]
        if char == "'" and text[index + 1 : index + 2] == "'":
            title, index = title + "'", index + 2
        elif char == "'":
            break
        else:
            title, index = title + char, index + 1
    return title


def plain(value: Any) -> Cell:
    """One value from a FORMULA/SERIAL_NUMBER read, as the backends agree."""
    if value == "" or value is None:
        return None
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def grid_from_values(rows: Iterable[Sequence[Any]]) -> Grid:
    """A ``values`` array as a grid: blanks as None, trailing blanks gone."""
    grid: Grid = []
    for row in rows:
        cells = [plain(value) for value in row]
        while cells and cells[-1] is None:
            cells.pop()
        grid.append(cells)
    while grid and not grid[-1]:
        grid.pop()
    return grid


def from_cell_data(data: Mapping[str, Any]) -> Cell:
    """A CellData's ``userEnteredValue`` read the way a FORMULA read shows it."""
    entered = data.get("userEnteredValue") or {}
    for key in ("formulaValue", "stringValue", "numberValue", "boolValue"):
        if key in entered:
            return plain(entered[key])
    return None


def grid_from_row_data(rows: Iterable[Mapping[str, Any]]) -> Grid:
    """GridData ``rowData`` as a grid, read like :func:`grid_from_values`."""
    return grid_from_values(
        [from_cell_data(cell) for cell in row.get("values") or []] for row in rows
    )


def serial(value: date | time) -> float:
    """A date, date-time or time of day as a Sheets serial number."""
    if isinstance(value, datetime):
        delta = value.replace(tzinfo=None) - SERIAL_EPOCH
        return delta.days + delta.seconds / SECONDS_PER_DAY
    if isinstance(value, date):
        return float((value - SERIAL_EPOCH.date()).days)
    seconds = value.hour * 3600 + value.minute * 60 + value.second
    return seconds / SECONDS_PER_DAY


def cell_data(value: Cell, *, formula: bool = False) -> CellData:
    """The CellData that puts ``value`` in a cell.

    Dates carry a date number format so they show as dates; numbers and
    text carry none, so the format staff gave the cell survives.
    """
    if formula:
        if not (isinstance(value, str) and value.startswith("=")):
            raise ValueError(f"a formula write needs text starting with '=': {value!r}")
        return {"userEnteredValue": {"formulaValue": value}}
    if isinstance(value, float) and not math.isfinite(value):
        value = None
    if value is None:
        return {}
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, int | float):
        return {"userEnteredValue": {"numberValue": value}}
    if isinstance(value, date | time):
        return _dated(value)
    return {"userEnteredValue": {"stringValue": str(value)}}


def _dated(value: date | time) -> CellData:
    if isinstance(value, datetime):
        kind, pattern = "DATE_TIME", DATETIME_PATTERN
    elif isinstance(value, date):
        kind, pattern = "DATE", DATE_PATTERN
    else:
        kind, pattern = "TIME", TIME_PATTERN
    return {
        "userEnteredValue": {"numberValue": serial(value)},
        "userEnteredFormat": {"numberFormat": {"type": kind, "pattern": pattern}},
    }


@dataclass
class _Block:
    """Equal runs of neighbouring cells on consecutive rows: one rectangle."""

    row: int
    column: int
    rows: list[list[Any]]


def update_cells(sheet_id: int, cells: Mapping[tuple[int, int], CellData]) -> list[Any]:
    """Requests putting each cell's CellData at its (1-based) row and column.

    Only the given cells are touched: a request never spans a gap, since
    a gap inside one would be cleared. Values go in updateCells requests
    of rectangles of neighbouring cells; date formats go in one repeatCell
    per rectangle of equally formatted cells rather than in every cell,
    which keeps the batch about a sixth smaller.
    """
    values: dict[tuple[int, int], CellData] = {}
    looks: dict[tuple[int, int], Any] = {}
    for place, data in cells.items():
        values[place] = {k: v for k, v in data.items() if k != "userEnteredFormat"}
        if "userEnteredFormat" in data:
            looks[place] = data["userEnteredFormat"]

    requests = [_values(sheet_id, block) for block in _blocks(values, _any)]
    requests += [_formats(sheet_id, block) for block in _blocks(looks, repr)]
    return requests


def _any(item: object) -> str:
    return ""


def _blocks(
    cells: Mapping[tuple[int, int], Any], kind: Callable[[Any], str]
) -> list[_Block]:
    """Rectangles of cells of one ``kind``, at most BLOCK_ROWS rows each."""
    open_blocks: dict[tuple[int, int, str], _Block] = {}
    finished: list[_Block] = []
    for row, column, run in _runs(cells, kind):
        key = (column, len(run), kind(run[0]))
        block = open_blocks.get(key)
        if block is not None:
            follows = block.row + len(block.rows) == row
            if follows and len(block.rows) < BLOCK_ROWS:
                block.rows.append(run)
                continue
            finished.append(block)
        open_blocks[key] = _Block(row, column, [run])
    finished.extend(open_blocks.values())
    return sorted(finished, key=lambda b: (b.row, b.column))


def _runs(
    cells: Mapping[tuple[int, int], Any], kind: Callable[[Any], str]
) -> list[tuple[int, int, list[Any]]]:
    """Runs of adjacent cells of one kind, row by row."""
    runs: list[tuple[int, int, list[Any]]] = []
    for row, column in sorted(cells):
        item = cells[(row, column)]
        if runs:
            last_row, start, run = runs[-1]
            adjacent = last_row == row and start + len(run) == column
            if adjacent and kind(run[0]) == kind(item):
                run.append(item)
                continue
        runs.append((row, column, [item]))
    return runs


def _values(sheet_id: int, block: _Block) -> dict[str, Any]:
    start = {
        "sheetId": sheet_id,
        "rowIndex": block.row - 1,
        "columnIndex": block.column - 1,
    }
    rows = [{"values": run} for run in block.rows]
    return {"updateCells": {"start": start, "rows": rows, "fields": VALUE_ONLY}}


def _formats(sheet_id: int, block: _Block) -> dict[str, Any]:
    span = {
        "sheetId": sheet_id,
        "startRowIndex": block.row - 1,
        "endRowIndex": block.row - 1 + len(block.rows),
        "startColumnIndex": block.column - 1,
        "endColumnIndex": block.column - 1 + len(block.rows[0]),
    }
    cell = {"userEnteredFormat": block.rows[0][0]}
    return {"repeatCell": {"range": span, "cell": cell, "fields": FORMAT_ONLY}}
