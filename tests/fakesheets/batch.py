"""``spreadsheets.batchUpdate``: the structural and formatting requests."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from . import a1, fieldmask
from .errors import ApiError, bad_request
from .model import DEFAULT_COLUMNS, DEFAULT_ROWS, Sheet, Spreadsheet
from .store import Store, sort_box

Reply = dict[str, Any]


class Invalid(Exception):
    """A request in the batch is wrong; the message lacks the request prefix."""


class Context:
    """What a request handler needs: the store, the spreadsheet and the caller."""

    def __init__(self, store: Store, book: Spreadsheet, account: str | None) -> None:
        self.store = store
        self.book = book
        self.account = account

    def sheet(self, sheet_id: int | None) -> Sheet:
        """The sheet with this id (0 when absent), or an Invalid error."""
        sheet = self.book.sheet_by_id(sheet_id or 0)
        if sheet is None:
            raise Invalid(f"No grid with id: {sheet_id or 0}")
        return sheet

    def grid(self, grid_range: dict[str, Any]) -> tuple[Sheet, a1.Box]:
        """Resolve a GridRange; missing bounds mean the edge of the grid."""
        sheet = self.sheet(grid_range.get("sheetId"))
        box = a1.Box(
            int(grid_range.get("startRowIndex") or 0),
            int(grid_range.get("startColumnIndex") or 0),
            int(grid_range.get("endRowIndex") or sheet.row_count),
            int(grid_range.get("endColumnIndex") or sheet.column_count),
        )
        if box.end_row > sheet.row_count or box.end_col > sheet.column_count:
            raise Invalid(
                f"Range ({a1.format_range(sheet.title, box)}) exceeds grid limits. "
                f"Max rows: {sheet.row_count}, max columns: {sheet.column_count}"
            )
        return sheet, box


def run_batch(ctx: Context, requests: list[dict[str, Any]]) -> list[Reply]:
    """Apply every request in order; on any failure nothing is applied."""
    saved_sheets = copy.deepcopy(ctx.book.sheets)
    saved_props = copy.deepcopy(ctx.book.props)
    replies = []
    try:
        for index, request in enumerate(requests):
            replies.append(_run_one(ctx, index, request))
    except ApiError:
        ctx.book.sheets = saved_sheets
        ctx.book.props = saved_props
        raise
    return replies


def _run_one(ctx: Context, index: int, request: dict[str, Any]) -> Reply:
    if len(request) != 1:
        raise bad_request(f"Invalid requests[{index}]: No request set.")
    kind, body = next(iter(request.items()))
    handler = _HANDLERS.get(kind)
    if handler is None:
        raise ApiError(
            501,
            f"The fake Sheets API does not implement requests[{index}].{kind}.",
        )
    try:
        return handler(ctx, body or {})
    except Invalid as error:
        raise bad_request(f"Invalid requests[{index}].{kind}: {error}") from error


def public_range(grid_range: dict[str, Any]) -> dict[str, Any]:
    """A GridRange as the API echoes it: ``sheetId`` 0 and nulls left out."""
    shown = {key: value for key, value in grid_range.items() if value is not None}
    if not shown.get("sheetId"):
        shown.pop("sheetId", None)
    return shown


# -- sheets -------------------------------------------------------------------


def _add_sheet(ctx: Context, body: dict[str, Any]) -> Reply:
    props = copy.deepcopy(body.get("properties") or {})
    title = props.get("title") or _free_title(ctx.book)
    if ctx.book.sheet_by_title(title) is not None:
        raise Invalid(
            f'A sheet with the name "{title}" already exists. '
            "Please enter another name."
        )
    sheet_id = props.get("sheetId")
    if sheet_id is None:
        sheet_id = ctx.store.new_sheet_id(ctx.book)
    elif ctx.book.sheet_by_id(sheet_id) is not None:
        raise Invalid(f"A sheet with the id {sheet_id} already exists.")
    grid = props.pop("gridProperties", {}) or {}
    rows = int(grid.pop("rowCount", DEFAULT_ROWS))
    columns = int(grid.pop("columnCount", DEFAULT_COLUMNS))
    sheet = Sheet.new(int(sheet_id), title, rows, columns)
    index = props.pop("index", None)
    for key in ("sheetId", "title"):
        props.pop(key, None)
    sheet.props.update(props)
    sheet.props["gridProperties"] = grid
    _place(ctx.book, sheet, index)
    position = ctx.book.sheets.index(sheet)
    return {"addSheet": {"properties": sheet.properties(position)}}


def _free_title(book: Spreadsheet) -> str:
    number = len(book.sheets) + 1
    while book.sheet_by_title(f"Sheet{number}") is not None:
        number += 1
    return f"Sheet{number}"


def _place(book: Spreadsheet, sheet: Sheet, index: int | None) -> None:
    if index is None or index >= len(book.sheets):
        book.sheets.append(sheet)
    else:
        book.sheets.insert(max(0, int(index)), sheet)


def _delete_sheet(ctx: Context, body: dict[str, Any]) -> Reply:
    sheet = ctx.sheet(body.get("sheetId"))
    if len(ctx.book.sheets) == 1:
        raise Invalid("You can't remove all the sheets in a document.")
    ctx.book.sheets.remove(sheet)
    return {}


def _duplicate_sheet(ctx: Context, body: dict[str, Any]) -> Reply:
    source = ctx.sheet(body.get("sourceSheetId"))
    title = body.get("newSheetName") or f"Copy of {source.title}"
    if ctx.book.sheet_by_title(title) is not None:
        raise Invalid(f'A sheet with the name "{title}" already exists.')
    sheet = copy.deepcopy(source)
    sheet.props["sheetId"] = body.get("newSheetId") or ctx.store.new_sheet_id(ctx.book)
    sheet.props["title"] = title
    for protected in sheet.protected:
        protected["protectedRangeId"] = ctx.store.new_range_id()
        protected["range"]["sheetId"] = sheet.sheet_id
    _place(ctx.book, sheet, body.get("insertSheetIndex"))
    position = ctx.book.sheets.index(sheet)
    return {"duplicateSheet": {"properties": sheet.properties(position)}}


def _update_sheet_properties(ctx: Context, body: dict[str, Any]) -> Reply:
    source = body.get("properties") or {}
    sheet = ctx.sheet(source.get("sheetId"))
    mask = fieldmask.parse(_required_fields(body))
    position = ctx.book.sheets.index(sheet)
    current = sheet.properties(position)
    fieldmask.update(current, source, mask)
    title = current.get("title") or sheet.title
    clash = ctx.book.sheet_by_title(title)
    if clash is not None and clash is not sheet:
        raise Invalid(f'A sheet with the name "{title}" already exists.')
    grid = current.pop("gridProperties", {})
    rows = int(grid.pop("rowCount", sheet.row_count) or 0)
    columns = int(grid.pop("columnCount", sheet.column_count) or 0)
    if rows < 1 or columns < 1:
        raise Invalid("A sheet must have at least one row and one column.")
    sheet.resize(rows, columns)
    index = current.pop("index", position)
    current["sheetId"] = sheet.sheet_id
    current["title"] = title
    sheet.props = {**current, "gridProperties": grid}
    if index != position:
        ctx.book.sheets.remove(sheet)
        _place(ctx.book, sheet, index)
    return {}


def _required_fields(body: dict[str, Any]) -> str:
    fields = body.get("fields")
    if not fields:
        raise Invalid("At least one field must be updated.")
    return str(fields)


def _update_spreadsheet_properties(ctx: Context, body: dict[str, Any]) -> Reply:
    mask = fieldmask.parse(_required_fields(body))
    fieldmask.update(ctx.book.props, body.get("properties") or {}, mask)
    return {}


# -- dimensions ---------------------------------------------------------------


def _dimension(ctx: Context, body: dict[str, Any]) -> tuple[Sheet, str, int, int]:
    dim = body.get("range") or {}
    sheet = ctx.sheet(dim.get("sheetId"))
    kind = dim.get("dimension", "ROWS")
    size = sheet.row_count if kind == "ROWS" else sheet.column_count
    start = int(dim.get("startIndex") or 0)
    end = int(dim.get("endIndex") or size)
    if start >= end:
        raise Invalid("Range is empty.")
    return sheet, kind, start, end


def _append_dimension(ctx: Context, body: dict[str, Any]) -> Reply:
    sheet = ctx.sheet(body.get("sheetId"))
    length = int(body.get("length") or 0)
    if body.get("dimension", "ROWS") == "ROWS":
        sheet.resize(sheet.row_count + length, sheet.column_count)
    else:
        sheet.resize(sheet.row_count, sheet.column_count + length)
    return {}


def _insert_dimension(ctx: Context, body: dict[str, Any]) -> Reply:
    sheet, kind, start, end = _dimension(ctx, body)
    limit = sheet.row_count if kind == "ROWS" else sheet.column_count
    if start > limit:
        raise Invalid(f"Cannot insert beyond the end of the grid ({limit}).")
    if kind == "ROWS":
        sheet.insert_rows(start, end - start)
    else:
        sheet.insert_columns(start, end - start)
    return {}


def _delete_dimension(ctx: Context, body: dict[str, Any]) -> Reply:
    sheet, kind, start, end = _dimension(ctx, body)
    size = sheet.row_count if kind == "ROWS" else sheet.column_count
    end = min(end, size)
    if start == 0 and end >= size:
        noun = "rows" if kind == "ROWS" else "columns"
        raise Invalid(f"You can't delete all the {noun} on the sheet.")
    if kind == "ROWS":
        sheet.delete_rows(start, end)
    else:
        sheet.delete_columns(start, end)
    return {}


def _update_dimension_properties(ctx: Context, body: dict[str, Any]) -> Reply:
    sheet, kind, start, end = _dimension(ctx, body)
    mask = fieldmask.parse(_required_fields(body))
    metas = sheet.row_meta if kind == "ROWS" else sheet.col_meta
    for meta in metas[start:end]:
        fieldmask.update(meta, body.get("properties") or {}, mask)
    return {}


# -- cells --------------------------------------------------------------------


def with_color_styles(fmt: dict[str, Any]) -> dict[str, Any]:
    """Fill in ``*ColorStyle`` next to plain colours, as the API does on read."""
    fmt = copy.deepcopy(fmt)
    _pair_color(fmt, "backgroundColor", "backgroundColorStyle")
    text = fmt.get("textFormat")
    if isinstance(text, dict):
        _pair_color(text, "foregroundColor", "foregroundColorStyle")
    borders = fmt.get("borders")
    if isinstance(borders, dict):
        for border in borders.values():
            if isinstance(border, dict):
                _pair_color(border, "color", "colorStyle")
    return fmt


def _pair_color(holder: dict[str, Any], plain: str, styled: str) -> None:
    if plain in holder and styled not in holder:
        holder[styled] = {"rgbColor": holder[plain]}
    elif styled in holder and plain not in holder:
        rgb = holder[styled].get("rgbColor")
        if rgb is not None:
            holder[plain] = rgb


def _cell_data(sheet: Sheet, row: int, col: int) -> dict[str, Any]:
    cell = sheet.cell(row, col)
    if cell is None:
        return {}
    data: dict[str, Any] = {}
    if cell.fmt:
        data["userEnteredFormat"] = cell.fmt
    if cell.validation:
        data["dataValidation"] = cell.validation
    if cell.note:
        data["note"] = cell.note
    if cell.formula is not None:
        data["userEnteredValue"] = {"formulaValue": cell.formula}
    elif cell.value is not None:
        data["userEnteredValue"] = user_entered_value(cell.value)
    return data


def user_entered_value(value: str | float | bool) -> dict[str, Any]:
    """An ExtendedValue for a literal."""
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, float):
        from .cells import json_number

        return {"numberValue": json_number(value)}
    return {"stringValue": value}


def _store_cell_data(sheet: Sheet, row: int, col: int, data: dict[str, Any]) -> None:
    cell = sheet.cell_for_write(row, col)
    fmt = data.get("userEnteredFormat")
    cell.fmt = with_color_styles(fmt) if fmt else {}
    cell.validation = data.get("dataValidation") or None
    cell.note = data.get("note") or None
    entered = data.get("userEnteredValue") or {}
    cell.formula = entered.get("formulaValue")
    cell.value = None
    for key in ("stringValue", "boolValue", "numberValue"):
        if key in entered:
            value = entered[key]
            cell.value = float(value) if key == "numberValue" else value
    if cell.unused:
        del sheet.rows[row][col]


def _apply_cell(
    sheet: Sheet, row: int, col: int, source: dict[str, Any], mask: fieldmask.Mask
) -> None:
    data = copy.deepcopy(_cell_data(sheet, row, col))
    fieldmask.update(data, source, mask)
    _store_cell_data(sheet, row, col, data)


def _repeat_cell(ctx: Context, body: dict[str, Any]) -> Reply:
    sheet, box = ctx.grid(body.get("range") or {})
    mask = fieldmask.parse(_required_fields(body))
    source = body.get("cell") or {}
    for row in range(box.start_row, box.end_row):
        for col in range(box.start_col, box.end_col):
            _apply_cell(sheet, row, col, source, mask)
    return {}


def _update_cells(ctx: Context, body: dict[str, Any]) -> Reply:
    mask = fieldmask.parse(_required_fields(body))
    if "start" in body:
        start = body["start"]
        sheet = ctx.sheet(start.get("sheetId"))
        top, left = int(start.get("rowIndex") or 0), int(start.get("columnIndex") or 0)
    else:
        sheet, box = ctx.grid(body.get("range") or {})
        top, left = box.start_row, box.start_col
    for row_offset, row_data in enumerate(body.get("rows") or []):
        for col_offset, cell_data in enumerate(row_data.get("values") or []):
            row, col = top + row_offset, left + col_offset
            if row >= sheet.row_count or col >= sheet.column_count:
                raise Invalid("Attempting to write beyond the grid.")
            _apply_cell(sheet, row, col, cell_data or {}, mask)
    return {}


def _set_data_validation(ctx: Context, body: dict[str, Any]) -> Reply:
    sheet, box = ctx.grid(body.get("range") or {})
    rule = body.get("rule")
    for row in range(box.start_row, box.end_row):
        for col in range(box.start_col, box.end_col):
            cell = sheet.cell_for_write(row, col)
            cell.validation = copy.deepcopy(rule) if rule else None
            if cell.unused:
                del sheet.rows[row][col]
    return {}


def _sort_range(ctx: Context, body: dict[str, Any]) -> Reply:
    sheet, box = ctx.grid(body.get("range") or {})
    specs = [
        (int(spec.get("dimensionIndex") or 0), spec.get("sortOrder") == "DESCENDING")
        for spec in body.get("sortSpecs") or []
    ]
    sort_box(ctx.book, sheet, box, specs)
    return {}


def _merge_cells(ctx: Context, body: dict[str, Any]) -> Reply:
    sheet, _ = ctx.grid(body.get("range") or {})
    sheet.merges.append(copy.deepcopy(body.get("range") or {}))
    return {}


def _unmerge_cells(ctx: Context, body: dict[str, Any]) -> Reply:
    sheet, box = ctx.grid(body.get("range") or {})
    sheet.merges = [m for m in sheet.merges if not _overlaps(ctx, m, box)]
    return {}


def _overlaps(ctx: Context, grid_range: dict[str, Any], box: a1.Box) -> bool:
    _, other = ctx.grid(grid_range)
    return not (
        other.end_row <= box.start_row
        or other.start_row >= box.end_row
        or other.end_col <= box.start_col
        or other.start_col >= box.end_col
    )


def _accept(ctx: Context, body: dict[str, Any]) -> Reply:
    """Requests that change only how the sheet looks; accepted and ignored."""
    return {}


# -- protection, rules and filters ---------------------------------------------


def _add_protected_range(ctx: Context, body: dict[str, Any]) -> Reply:
    protected = {
        k: v for k, v in (body.get("protectedRange") or {}).items() if v is not None
    }
    grid_range = protected.get("range") or {}
    sheet, _ = ctx.grid(grid_range)
    protected["protectedRangeId"] = (
        protected.get("protectedRangeId") or ctx.store.new_range_id()
    )
    protected["range"] = public_range(grid_range)
    # The caller owns the file, so it may always edit what it protects; the
    # reply echoes the editors asked for, the stored range lists the caller.
    protected["requestingUserCanEdit"] = True
    asked = dict(protected.get("editors") or {})
    users = list(asked.get("users") or [])
    if ctx.account and ctx.account not in users:
        users.append(ctx.account)
    protected["editors"] = {**asked, "users": users}
    ordered = {"protectedRangeId": protected.pop("protectedRangeId"), **protected}
    sheet.protected.append(ordered)
    reply = copy.deepcopy(ordered)
    if reply.get("warningOnly"):
        reply["editors"] = asked
    return {"addProtectedRange": {"protectedRange": reply}}


def _find_protected(ctx: Context, range_id: Any) -> tuple[Sheet, dict[str, Any]]:
    for sheet in ctx.book.sheets:
        for protected in sheet.protected:
            if protected["protectedRangeId"] == range_id:
                return sheet, protected
    raise Invalid(f"No protected range with id: {range_id}")


def _delete_protected_range(ctx: Context, body: dict[str, Any]) -> Reply:
    sheet, protected = _find_protected(ctx, body.get("protectedRangeId"))
    sheet.protected.remove(protected)
    return {}


def _update_protected_range(ctx: Context, body: dict[str, Any]) -> Reply:
    source = body.get("protectedRange") or {}
    _, protected = _find_protected(ctx, source.get("protectedRangeId"))
    fieldmask.update(protected, source, fieldmask.parse(_required_fields(body)))
    return {}


def _add_conditional_format_rule(ctx: Context, body: dict[str, Any]) -> Reply:
    rule = copy.deepcopy(body.get("rule") or {})
    ranges = rule.get("ranges") or []
    if not ranges:
        raise Invalid("A conditional format rule needs at least one range.")
    sheet, _ = ctx.grid(ranges[0])
    rule["ranges"] = [public_range(r) for r in ranges]
    index = int(body.get("index") or 0)
    sheet.conditional_formats.insert(index, rule)
    return {}


def _delete_conditional_format_rule(ctx: Context, body: dict[str, Any]) -> Reply:
    sheet = ctx.sheet(body.get("sheetId"))
    index = int(body.get("index") or 0)
    if index >= len(sheet.conditional_formats):
        raise Invalid(
            f"No conditional format on sheet {sheet.sheet_id} at index {index}"
        )
    rule = sheet.conditional_formats.pop(index)
    return {"deleteConditionalFormatRule": {"rule": rule}}


def _set_basic_filter(ctx: Context, body: dict[str, Any]) -> Reply:
    found = copy.deepcopy(body.get("filter") or {})
    sheet, _ = ctx.grid(found.get("range") or {})
    found["range"] = public_range(found.get("range") or {})
    sheet.basic_filter = found
    return {}


def _clear_basic_filter(ctx: Context, body: dict[str, Any]) -> Reply:
    ctx.sheet(body.get("sheetId")).basic_filter = None
    return {}


_HANDLERS: dict[str, Callable[[Context, dict[str, Any]], Reply]] = {
    "addSheet": _add_sheet,
    "deleteSheet": _delete_sheet,
    "duplicateSheet": _duplicate_sheet,
    "updateSheetProperties": _update_sheet_properties,
    "updateSpreadsheetProperties": _update_spreadsheet_properties,
    "appendDimension": _append_dimension,
    "insertDimension": _insert_dimension,
    "deleteDimension": _delete_dimension,
    "updateDimensionProperties": _update_dimension_properties,
    "repeatCell": _repeat_cell,
    "updateCells": _update_cells,
    "setDataValidation": _set_data_validation,
    "sortRange": _sort_range,
    "mergeCells": _merge_cells,
    "unmergeCells": _unmerge_cells,
    "autoResizeDimensions": _accept,
    "updateBorders": _accept,
    "addProtectedRange": _add_protected_range,
    "deleteProtectedRange": _delete_protected_range,
    "updateProtectedRange": _update_protected_range,
    "addConditionalFormatRule": _add_conditional_format_rule,
    "deleteConditionalFormatRule": _delete_conditional_format_rule,
    "setBasicFilter": _set_basic_filter,
    "clearBasicFilter": _clear_basic_filter,
}
