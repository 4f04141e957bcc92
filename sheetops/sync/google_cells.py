"""Cells between sheetops and the Sheets API: values in, CellData out.

Reading, a cell arrives as JSON (a number, text, a boolean, or a
formula's text). Writing, every value goes out as an explicit
``userEnteredValue`` of one kind, so text a customer typed that starts
with ``=`` is stored as text and only sheetops' own formulas are formulas.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
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
VALUE_AND_FORMAT = "userEnteredValue,userEnteredFormat.numberFormat"

CellData = dict[str, Any]
# A cell to write: its CellData and the field mask that covers it.
Planned = tuple[CellData, str]


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


def cell_data(value: Cell, *, formula: bool = False) -> Planned:
    """The CellData that puts ``value`` in a cell, and its field mask.

    Dates get a date number format so they show as dates; numbers and
    text leave the cell's format alone, so staff's formatting survives.
    """
    if formula:
        if not (isinstance(value, str) and value.startswith("=")):
            raise ValueError(f"a formula write needs text starting with '=': {value!r}")
        return {"userEnteredValue": {"formulaValue": value}}, VALUE_ONLY
    if isinstance(value, float) and not math.isfinite(value):
        value = None
    if value is None:
        return {}, VALUE_ONLY
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}, VALUE_ONLY
    if isinstance(value, int | float):
        return {"userEnteredValue": {"numberValue": value}}, VALUE_ONLY
    if isinstance(value, date | time):
        return _dated(value), VALUE_AND_FORMAT
    return {"userEnteredValue": {"stringValue": str(value)}}, VALUE_ONLY


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
    """Rows of equally shaped runs of cells, one under the other."""

    row: int
    column: int
    fields: str
    rows: list[list[CellData]]


def update_cells(sheet_id: int, cells: Mapping[tuple[int, int], Planned]) -> list[Any]:
    """updateCells requests putting each planned cell (1-based row, column).

    Only cells in ``cells`` are touched: a request never spans a gap, since
    a gap inside one would be cleared. Runs of neighbouring cells with the
    same field mask share a request, and equal runs on consecutive rows
    share it too, which keeps a typical sync's batch small.
    """
    blocks: dict[tuple[int, int, str], _Block] = {}
    finished: list[_Block] = []
    for row, column, fields, run in _runs(cells):
        key = (column, len(run), fields)
        block = blocks.get(key)
        if block is not None and block.row + len(block.rows) == row:
            block.rows.append(run)
            continue
        if block is not None:
            finished.append(block)
        blocks[key] = _Block(row, column, fields, [run])
    finished.extend(blocks.values())
    finished.sort(key=lambda b: (b.row, b.column))
    return [_request(sheet_id, block) for block in finished]


def _runs(
    cells: Mapping[tuple[int, int], Planned],
) -> list[tuple[int, int, str, list[CellData]]]:
    """Runs of adjacent cells with one field mask, row by row."""
    runs: list[tuple[int, int, str, list[CellData]]] = []
    for row, column in sorted(cells):
        data, fields = cells[(row, column)]
        if runs:
            last_row, start, last_fields, run = runs[-1]
            if (last_row, last_fields) == (row, fields) and start + len(run) == column:
                run.append(data)
                continue
        runs.append((row, column, fields, [data]))
    return runs


def _request(sheet_id: int, block: _Block) -> dict[str, Any]:
    return {
        "updateCells": {
            "start": {
                "sheetId": sheet_id,
                "rowIndex": block.row - 1,
                "columnIndex": block.column - 1,
            },
            "rows": [{"values": run} for run in block.rows],
            "fields": block.fields,
        }
    }
