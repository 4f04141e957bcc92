"""``spreadsheets.values``: reading, writing, appending and clearing A1 ranges."""

from __future__ import annotations

import json
from typing import Any

from . import a1
from .errors import ApiError, bad_request
from .model import (
    RenderOptions,
    Sheet,
    Spreadsheet,
    clip,
    grid_limits,
    render_grid,
    write_rows,
)

_INPUT_OPTIONS = ("RAW", "USER_ENTERED")


def read_range(
    book: Spreadsheet, text: str, options: RenderOptions, major: str
) -> dict[str, Any]:
    """A ValueRange for one range, trimmed as the API trims it."""
    sheet, ref = book.resolve(text)
    box = clip(sheet, ref, text)
    values = render_grid(book, sheet, box, options, major)
    result: dict[str, Any] = {
        "range": a1.format_range(sheet.title, box),
        "majorDimension": major,
    }
    if values:
        result["values"] = values
    return result


def check_values(values: Any, field: str) -> list[list[Any]]:
    """Reject ``values`` that is not a list of lists, with Google's message."""
    if values is None:
        return []
    if not isinstance(values, list):
        raise _list_value_error(field, values)
    for index, line in enumerate(values):
        if not isinstance(line, list):
            raise _list_value_error(f"{field}[{index}]", line)
    return values


def _list_value_error(field: str, value: Any) -> ApiError:
    message = (
        f"Invalid value at '{field}' (type.googleapis.com/google.protobuf.ListValue), "
        f"{json.dumps(value)}"
    )
    violation = {"field": field, "description": message}
    detail = {
        "@type": "type.googleapis.com/google.rpc.BadRequest",
        "fieldViolations": [violation],
    }
    return ApiError(400, message, extra={"details": [detail]})


def input_option(query: dict[str, list[str]]) -> bool:
    """Read ``valueInputOption``; True for USER_ENTERED. It is required."""
    option = first(query, "valueInputOption") or first(query, "value_input_option")
    if option is None:
        raise bad_request("'valueInputOption' is required but not specified")
    if option not in _INPUT_OPTIONS:
        raise bad_request(
            f"Invalid value at 'value_input_option' "
            f'(type.googleapis.com/google.apps.sheets.v4.ValueInputOption), "{option}"'
        )
    return option == "USER_ENTERED"


def first(query: dict[str, list[str]], name: str) -> str | None:
    """The first value of a query parameter."""
    found = query.get(name)
    return found[0] if found else None


def flag(query: dict[str, list[str]], name: str) -> bool:
    """A boolean query parameter; Python clients send ``True``/``False``."""
    return (first(query, name) or "").lower() == "true"


def as_rows(values: list[list[Any]], major: str | None) -> list[list[Any]]:
    """Turn COLUMNS-major input into rows."""
    if major != "COLUMNS" or not values:
        return values
    height = max(len(column) for column in values)
    return [
        [column[row] if row < len(column) else None for column in values]
        for row in range(height)
    ]


def write_range(
    book: Spreadsheet,
    text: str,
    rows: list[list[Any]],
    user_entered: bool,
) -> tuple[Sheet, a1.Box | None]:
    """Write rows at a range as ``values.update`` does; return the box written."""
    sheet, ref = book.resolve(text)
    height = len(rows)
    width = max((len(line) for line in rows), default=0)
    if height == 0 or width == 0:
        return sheet, None
    _check_fits(sheet, ref, text, height, width)
    box = a1.Box(
        ref.start_row, ref.start_col, ref.start_row + height, ref.start_col + width
    )
    if box.end_row > sheet.row_count or box.end_col > sheet.column_count:
        raise grid_limits(sheet, a1.format_range(sheet.title, box))
    write_rows(sheet, box.start_row, box.start_col, rows, user_entered)
    return sheet, box


def _check_fits(
    sheet: Sheet, ref: a1.RangeRef, text: str, height: int, width: int
) -> None:
    """A range with an end bounds the data; the error names the first overflow."""
    if ref.anchor or ref.whole_sheet:
        return
    shown = _bounded_text(sheet, ref)
    if ref.end_row is not None and ref.start_row + height > ref.end_row:
        raise bad_request(
            f"Requested writing within range [{shown}], but tried writing to row "
            f"[{ref.end_row + 1}]"
        )
    if ref.end_col is not None and ref.start_col + width > ref.end_col:
        raise bad_request(
            f"Requested writing within range [{shown}], but tried writing to column "
            f"[{a1.column_letters(ref.end_col)}]"
        )


def _bounded_text(sheet: Sheet, ref: a1.RangeRef) -> str:
    end_row = ref.end_row if ref.end_row is not None else sheet.row_count
    end_col = ref.end_col if ref.end_col is not None else sheet.column_count
    box = a1.Box(ref.start_row, ref.start_col, end_row, end_col)
    return a1.format_range(sheet.title, box)


def update_response(
    book: Spreadsheet,
    sheet: Sheet,
    box: a1.Box | None,
    rows: list[list[Any]],
    echo: RenderOptions | None,
) -> dict[str, Any]:
    """An UpdateValuesResponse, with ``updatedData`` when it was asked for."""
    result: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
    if box is None:
        return result
    result["updatedRange"] = a1.format_range(sheet.title, box)
    result["updatedRows"] = sum(1 for line in rows if any(v is not None for v in line))
    result["updatedColumns"] = box.cols
    result["updatedCells"] = sum(1 for line in rows for v in line if v is not None)
    if echo is not None:
        data = {"range": result["updatedRange"], "majorDimension": "ROWS"}
        values = render_grid(book, sheet, box, echo)
        if values:
            data["values"] = values
        result["updatedData"] = data
    return result


def find_table(sheet: Sheet, box: a1.Box) -> a1.Box | None:
    """Find the table ``append`` adds to: data starting inside the searched box.

    The table begins at the first row of the box with a value in the box's
    columns and runs down while rows hold values; an empty row ends it.
    """
    first_row = next(
        (
            row
            for row in range(box.start_row, box.end_row)
            if _has_data(sheet, row, box.start_col, box.end_col)
        ),
        None,
    )
    if first_row is None:
        return None
    last_row = first_row
    while last_row + 1 < sheet.row_count and _has_data(
        sheet, last_row + 1, box.start_col, sheet.column_count
    ):
        last_row += 1
    used = [
        col
        for row in range(first_row, last_row + 1)
        for col, cell in sheet.rows[row].items()
        if col >= box.start_col and not cell.blank
    ]
    return a1.Box(first_row, box.start_col, last_row + 1, max(used) + 1)


def _has_data(sheet: Sheet, row: int, start_col: int, end_col: int) -> bool:
    return any(
        start_col <= col < end_col and not cell.blank
        for col, cell in sheet.rows[row].items()
    )


def append_rows(
    book: Spreadsheet,
    text: str,
    rows: list[list[Any]],
    user_entered: bool,
    insert_rows: bool,
) -> tuple[Sheet, a1.Box | None, a1.Box | None]:
    """Append after the table found in the range; the grid grows as needed."""
    sheet, ref = book.resolve(text)
    searched = clip(sheet, ref, text)
    table = find_table(sheet, searched)
    start_row = table.end_row if table else searched.start_row
    height = len(rows)
    width = max((len(line) for line in rows), default=0)
    if height == 0 or width == 0:
        return sheet, table, None
    box = a1.Box(
        start_row, searched.start_col, start_row + height, searched.start_col + width
    )
    if insert_rows:
        sheet.insert_rows(min(start_row, sheet.row_count), height)
    # Appending adds rows (and columns) as needed, unlike values.update.
    sheet.resize(
        max(sheet.row_count, box.end_row), max(sheet.column_count, box.end_col)
    )
    write_rows(sheet, box.start_row, box.start_col, rows, user_entered)
    return sheet, table, box


def clear_range(book: Spreadsheet, text: str) -> str:
    """Clear values (keeping formats) and return the cleared range."""
    sheet, ref = book.resolve(text)
    box = clip(sheet, ref, text)
    for row in range(box.start_row, box.end_row):
        cells = sheet.rows[row]
        for col in [c for c in cells if box.start_col <= c < box.end_col]:
            cell = cells[col]
            cell.value = None
            cell.formula = None
            if cell.unused:
                del cells[col]
    return a1.format_range(sheet.title, box)
