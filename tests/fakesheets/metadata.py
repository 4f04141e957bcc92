"""``spreadsheets.get``: properties, sheets and, when asked, grid data."""

from __future__ import annotations

import copy
from typing import Any

from . import a1, fieldmask
from .batch import user_entered_value
from .cells import json_number
from .formula import FormulaError
from .model import RenderOptions, Sheet, Spreadsheet, clip, render_cell

# What a new spreadsheet reports as its default cell format and theme. Pure
# presentation: kept so that metadata reads match the real API byte for byte.
DEFAULT_FORMAT: dict[str, Any] = {
    "backgroundColor": {"red": 1, "green": 1, "blue": 1},
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {
        "foregroundColor": {},
        "fontFamily": "arial,sans,sans-serif",
        "fontSize": 10,
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "foregroundColorStyle": {"rgbColor": {}},
    },
    "backgroundColorStyle": {"rgbColor": {"red": 1, "green": 1, "blue": 1}},
}
_THEME_COLORS = [
    ("TEXT", {}),
    ("BACKGROUND", {"red": 1, "green": 1, "blue": 1}),
    ("ACCENT1", {"red": 0.25882354, "green": 0.52156866, "blue": 0.95686275}),
    ("ACCENT2", {"red": 0.91764706, "green": 0.2627451, "blue": 0.20784314}),
    ("ACCENT3", {"red": 0.9843137, "green": 0.7372549, "blue": 0.015686275}),
    ("ACCENT4", {"red": 0.20392157, "green": 0.65882355, "blue": 0.3254902}),
    ("ACCENT5", {"red": 1, "green": 0.42745098, "blue": 0.003921569}),
    ("ACCENT6", {"red": 0.27450982, "green": 0.7411765, "blue": 0.7764706}),
    ("LINK", {"red": 0.06666667, "green": 0.33333334, "blue": 0.8}),
]
DEFAULT_THEME: dict[str, Any] = {
    "primaryFontFamily": "Arial",
    "themeColors": [
        {"colorType": kind, "color": {"rgbColor": rgb}} for kind, rgb in _THEME_COLORS
    ],
}
_ROW_PIXELS = 21
_COLUMN_PIXELS = 100


def spreadsheet_url(spreadsheet_id: str) -> str:
    """The browser address of a spreadsheet."""
    return f"https://docs.google.com/spreadsheets/d/{spreadsheet_id}/edit"


def describe(
    book: Spreadsheet,
    *,
    grid_data: bool,
    ranges: list[str],
    fields: str | None,
) -> dict[str, Any]:
    """Build the Spreadsheet resource, filtered by ``ranges`` and ``fields``."""
    mask = fieldmask.parse(fields) if fields else None
    with_data = grid_data or (
        mask is not None and fieldmask.mentions(mask, "sheets", "data")
    )
    wanted = _ranges_by_sheet(book, ranges)
    sheets = [
        _sheet_json(book, sheet, index, wanted.get(sheet.sheet_id), with_data)
        for index, sheet in enumerate(book.sheets)
        if not ranges or sheet.sheet_id in wanted
    ]
    properties = dict(book.props)
    properties["defaultFormat"] = copy.deepcopy(DEFAULT_FORMAT)
    properties["spreadsheetTheme"] = copy.deepcopy(DEFAULT_THEME)
    resource = {
        "spreadsheetId": book.spreadsheet_id,
        "properties": properties,
        "sheets": sheets,
        "spreadsheetUrl": spreadsheet_url(book.spreadsheet_id),
    }
    return fieldmask.apply(resource, mask) if mask is not None else resource


def _ranges_by_sheet(book: Spreadsheet, ranges: list[str]) -> dict[int, list[a1.Box]]:
    wanted: dict[int, list[a1.Box]] = {}
    for text in ranges:
        sheet, ref = book.resolve(text)
        wanted.setdefault(sheet.sheet_id, []).append(clip(sheet, ref, text))
    return wanted


def _sheet_json(
    book: Spreadsheet,
    sheet: Sheet,
    index: int,
    boxes: list[a1.Box] | None,
    with_data: bool,
) -> dict[str, Any]:
    result: dict[str, Any] = {"properties": sheet.properties(index)}
    if sheet.merges:
        result["merges"] = copy.deepcopy(sheet.merges)
    if sheet.conditional_formats:
        result["conditionalFormats"] = copy.deepcopy(sheet.conditional_formats)
    if sheet.protected:
        result["protectedRanges"] = copy.deepcopy(sheet.protected)
    if sheet.basic_filter:
        result["basicFilter"] = copy.deepcopy(sheet.basic_filter)
    if with_data:
        result["data"] = [
            _grid_data(book, sheet, box) for box in boxes or [sheet.full_box()]
        ]
    return result


def _grid_data(book: Spreadsheet, sheet: Sheet, box: a1.Box) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if box.start_row:
        data["startRow"] = box.start_row
    if box.start_col:
        data["startColumn"] = box.start_col
    rows = [
        _row_data(book, sheet, row, box) for row in range(box.start_row, box.end_row)
    ]
    while rows and not rows[-1]:
        rows.pop()
    if rows:
        data["rowData"] = rows
    data["rowMetadata"] = [
        {"pixelSize": _ROW_PIXELS, **sheet.row_meta[row]}
        for row in range(box.start_row, box.end_row)
    ]
    data["columnMetadata"] = [
        {"pixelSize": _COLUMN_PIXELS, **sheet.col_meta[col]}
        for col in range(box.start_col, box.end_col)
    ]
    return data


def _row_data(book: Spreadsheet, sheet: Sheet, row: int, box: a1.Box) -> dict[str, Any]:
    values = [
        _cell_json(book, sheet, row, col) for col in range(box.start_col, box.end_col)
    ]
    while values and not values[-1]:
        values.pop()
    return {"values": values} if values else {}


def _cell_json(book: Spreadsheet, sheet: Sheet, row: int, col: int) -> dict[str, Any]:
    cell = sheet.cell(row, col)
    if cell is None:
        return {}
    result: dict[str, Any] = {}
    if cell.formula is not None:
        result["userEnteredValue"] = {"formulaValue": cell.formula}
    elif cell.value is not None:
        result["userEnteredValue"] = user_entered_value(cell.value)
    if not cell.blank:
        effective = book.effective(sheet, row, col)
        if effective is not None and effective != "":
            result["effectiveValue"] = _extended(effective)
        result["formattedValue"] = render_cell(book, sheet, row, col, RenderOptions())
    if cell.fmt:
        result["userEnteredFormat"] = copy.deepcopy(cell.fmt)
    if cell.note:
        result["note"] = cell.note
    if cell.validation:
        result["dataValidation"] = copy.deepcopy(cell.validation)
    return result


def _extended(value: Any) -> dict[str, Any]:
    if isinstance(value, FormulaError):
        return {
            "errorValue": {
                "type": _ERROR_TYPES.get(value, "ERROR"),
                "message": str(value),
            }
        }
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, float):
        return {"numberValue": json_number(value)}
    return {"stringValue": value}


_ERROR_TYPES = {
    "#NAME?": "NAME",
    "#DIV/0!": "DIVIDE_BY_ZERO",
    "#VALUE!": "VALUE",
    "#REF!": "REF",
    "#NUM!": "NUM",
    "#N/A": "N_A",
    "#ERROR!": "ERROR",
}
