"""The spreadsheet model: sheets of cells, their properties, and reading values."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from . import a1
from .cells import Cell, Scalar, format_number, json_number, parse_input
from .errors import ApiError, bad_request
from .formula import FormulaError, Value, evaluate

DEFAULT_ROWS = 1000
DEFAULT_COLUMNS = 26
# Formulas that refer to each other deeper than this are treated as a cycle.
_MAX_DEPTH = 64


@dataclass
class Sheet:
    """One tab: its properties, its rows of cells and what hangs off them."""

    props: dict[str, Any]
    rows: list[dict[int, Cell]]
    column_count: int
    row_meta: list[dict[str, Any]] = field(default_factory=list)
    col_meta: list[dict[str, Any]] = field(default_factory=list)
    protected: list[dict[str, Any]] = field(default_factory=list)
    conditional_formats: list[dict[str, Any]] = field(default_factory=list)
    basic_filter: dict[str, Any] | None = None
    merges: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def new(cls, sheet_id: int, title: str, rows: int, columns: int) -> Sheet:
        """Make an empty grid sheet."""
        props = {"sheetId": sheet_id, "title": title, "sheetType": "GRID"}
        props["gridProperties"] = {}
        sheet = cls(props, [], 0)
        sheet.resize(rows, columns)
        return sheet

    @property
    def sheet_id(self) -> int:
        """The sheet's numeric id (``gid``)."""
        return int(self.props["sheetId"])

    @property
    def title(self) -> str:
        """The tab's title."""
        return str(self.props["title"])

    @property
    def row_count(self) -> int:
        """Rows in the grid."""
        return len(self.rows)

    def properties(self, index: int) -> dict[str, Any]:
        """Return the sheet's properties as the API shows them."""
        props = copy.deepcopy(self.props)
        grid = {"rowCount": self.row_count, "columnCount": self.column_count}
        for key, value in props.pop("gridProperties", {}).items():
            if value not in (0, False, None):
                grid[key] = value
        ordered: dict[str, Any] = {
            key: props.pop(key) for key in ("sheetId", "title") if key in props
        }
        rest = {k: v for k, v in props.items() if v is not None and v is not False}
        return {**ordered, "index": index, **rest, "gridProperties": grid}

    def cell(self, row: int, col: int) -> Cell | None:
        """Return the cell at 0-based ``(row, col)``, if anything is stored there."""
        if 0 <= row < len(self.rows):
            return self.rows[row].get(col)
        return None

    def cell_for_write(self, row: int, col: int) -> Cell:
        """Return the cell at ``(row, col)``, creating it when needed."""
        return self.rows[row].setdefault(col, Cell())

    def full_box(self) -> a1.Box:
        """The whole grid as a box."""
        return a1.Box(0, 0, self.row_count, self.column_count)

    def resize(self, rows: int, columns: int) -> None:
        """Grow or shrink the grid; cells cut off are lost."""
        del self.rows[rows:]
        del self.row_meta[rows:]
        while len(self.rows) < rows:
            self.rows.append({})
            self.row_meta.append({})
        self.column_count = columns
        del self.col_meta[columns:]
        while len(self.col_meta) < columns:
            self.col_meta.append({})
        for row in self.rows:
            for col in [c for c in row if c >= columns]:
                del row[col]

    def insert_rows(self, start: int, count: int) -> None:
        """Insert ``count`` empty rows before 0-based row ``start``."""
        self.rows[start:start] = [{} for _ in range(count)]
        self.row_meta[start:start] = [{} for _ in range(count)]

    def delete_rows(self, start: int, end: int) -> None:
        """Delete rows ``start`` to ``end`` (exclusive)."""
        del self.rows[start:end]
        del self.row_meta[start:end]

    def insert_columns(self, start: int, count: int) -> None:
        """Insert ``count`` empty columns before 0-based column ``start``."""
        for index, row in enumerate(self.rows):
            self.rows[index] = {
                (col + count if col >= start else col): cell
                for col, cell in row.items()
            }
        self.col_meta[start:start] = [{} for _ in range(count)]
        self.column_count += count

    def delete_columns(self, start: int, end: int) -> None:
        """Delete columns ``start`` to ``end`` (exclusive)."""
        width = end - start
        for index, row in enumerate(self.rows):
            self.rows[index] = {
                (col - width if col >= end else col): cell
                for col, cell in row.items()
                if not start <= col < end
            }
        del self.col_meta[start:end]
        self.column_count -= width

    def used_cells(self) -> Iterator[tuple[int, int, Cell]]:
        """Yield every stored cell with its position."""
        for row_index, row in enumerate(self.rows):
            for col_index, cell in row.items():
                yield row_index, col_index, cell


@dataclass
class Spreadsheet:
    """A spreadsheet file: properties, sheets and who may open it."""

    spreadsheet_id: str
    props: dict[str, Any]
    sheets: list[Sheet]
    created_time: str
    modified_time: str
    parents: list[str] = field(default_factory=list)
    trashed: bool = False
    denied: set[str] = field(default_factory=set)
    permissions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def title(self) -> str:
        """The spreadsheet's title (Drive calls it the name)."""
        return str(self.props["title"])

    def titles(self) -> list[str]:
        """Titles of all sheets, in tab order."""
        return [sheet.title for sheet in self.sheets]

    def sheet_by_title(self, title: str) -> Sheet | None:
        """Find a sheet by title; Sheets matches titles without regard to case."""
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        for sheet in self.sheets:
            if sheet.title.lower() == title.lower():
                return sheet
        return None

    def sheet_by_id(self, sheet_id: int) -> Sheet | None:
        """Find a sheet by its numeric id."""
        return next((s for s in self.sheets if s.sheet_id == sheet_id), None)

    def resolve(self, text: str) -> tuple[Sheet, a1.RangeRef]:
        """Parse a range in this spreadsheet; unknown sheets fail as the API does."""
        ref = a1.parse_range(text, self.titles())
        sheet = self.sheets[0] if ref.sheet is None else self.sheet_by_title(ref.sheet)
        if sheet is None:
            raise bad_request(f"Unable to parse range: {text}")
        return sheet, ref

    def effective(self, sheet: Sheet, row: int, col: int, depth: int = 0) -> Value:
        """The value a cell shows, evaluating its formula if it has one."""
        cell = sheet.cell(row, col)
        if cell is None or cell.blank:
            return None
        if cell.formula is None:
            return cell.value
        if depth > _MAX_DEPTH:
            return FormulaError("#REF!")

        def resolve(title: str | None, box: a1.Box) -> list[list[Value]]:
            target = sheet if title is None else self.sheet_by_title(title)
            if target is None:
                return [[FormulaError("#REF!")]]
            return [
                [
                    self.effective(target, r, c, depth + 1)
                    for c in range(box.start_col, box.end_col)
                ]
                for r in range(box.start_row, box.end_row)
            ]

        return evaluate(cell.formula, resolve)


def clip(sheet: Sheet, ref: a1.RangeRef, text: str) -> a1.Box:
    """Turn a parsed range into a box on the sheet, clipped to the grid."""
    end_row = sheet.row_count if ref.end_row is None else ref.end_row
    end_col = sheet.column_count if ref.end_col is None else ref.end_col
    if ref.start_row >= sheet.row_count or ref.start_col >= sheet.column_count:
        raise grid_limits(sheet, text)
    return a1.Box(
        ref.start_row,
        ref.start_col,
        min(end_row, sheet.row_count),
        min(end_col, sheet.column_count),
    )


def grid_limits(sheet: Sheet, text: str) -> ApiError:
    """The 400 for a range that reaches past the grid."""
    return bad_request(
        f"Range ({text}) exceeds grid limits. Max rows: {sheet.row_count}, "
        f"max columns: {sheet.column_count}"
    )


@dataclass(frozen=True)
class RenderOptions:
    """How values are rendered: ``valueRenderOption`` and ``dateTimeRenderOption``."""

    value: str = "FORMATTED_VALUE"
    date_time: str = "SERIAL_NUMBER"


def render_cell(
    book: Spreadsheet, sheet: Sheet, row: int, col: int, options: RenderOptions
) -> Any:
    """Render one cell for a values response; ``None`` when it is empty."""
    cell = sheet.cell(row, col)
    if cell is None or cell.blank:
        return None
    if options.value == "FORMULA" and cell.formula is not None:
        return cell.formula
    value = book.effective(sheet, row, col)
    if isinstance(value, bool):
        formatted = options.value == "FORMATTED_VALUE"
        return ("TRUE" if value else "FALSE") if formatted else value
    if isinstance(value, float):
        return _render_number(value, cell.number_format(), options)
    return value


def _render_number(
    value: float, number_format: dict[str, Any], options: RenderOptions
) -> Any:
    """Render a number, honouring its format and the date-time option."""
    if options.value == "FORMATTED_VALUE":
        return format_number(value, number_format)
    is_date = number_format.get("type") in ("DATE", "TIME", "DATE_TIME")
    if is_date and options.date_time == "FORMATTED_STRING":
        return format_number(value, number_format)
    return json_number(value)


def render_grid(
    book: Spreadsheet,
    sheet: Sheet,
    box: a1.Box,
    options: RenderOptions,
    major: str = "ROWS",
) -> list[list[Any]]:
    """Render a box as the ``values`` array: trailing blanks trimmed."""
    grid = [
        [
            render_cell(book, sheet, r, c, options)
            for c in range(box.start_col, box.end_col)
        ]
        for r in range(box.start_row, box.end_row)
    ]
    if major == "COLUMNS":
        grid = [list(column) for column in zip(*grid, strict=False)] if grid else []
    return _trim(grid)


def _trim(grid: list[list[Any]]) -> list[list[Any]]:
    """Drop trailing empty cells and rows; interior blanks become ``""``."""
    trimmed = []
    for line in grid:
        while line and line[-1] is None:
            line.pop()
        trimmed.append(["" if value is None else value for value in line])
    while trimmed and not trimmed[-1]:
        trimmed.pop()
    return trimmed


def write_cell(cell: Cell, raw: Any, user_entered: bool) -> None:
    """Store one typed value in a cell, as ``valueInputOption`` asks."""
    as_text = cell.number_format().get("type") == "TEXT"
    parsed = parse_input(raw, user_entered=user_entered, as_text=as_text)
    cell.value = parsed.value
    cell.formula = parsed.formula
    if parsed.number_format and not cell.number_format():
        cell.fmt["numberFormat"] = parsed.number_format


def write_rows(
    sheet: Sheet,
    start_row: int,
    start_col: int,
    rows: list[list[Any]],
    user_entered: bool,
) -> None:
    """Write rows of values from a corner; ``None`` leaves a cell untouched."""
    for row_offset, line in enumerate(rows):
        for col_offset, raw in enumerate(line):
            if raw is None:
                continue
            cell = sheet.cell_for_write(start_row + row_offset, start_col + col_offset)
            write_cell(cell, raw, user_entered)


def sort_key(value: Scalar | None) -> tuple[int, Any]:
    """Order cells the way Sheets sorts: numbers, then text, then booleans."""
    if value is None or value == "":
        return (3, 0)
    if isinstance(value, bool):
        return (2, value)
    if isinstance(value, float | int):
        return (0, value)
    return (1, str(value).lower())
