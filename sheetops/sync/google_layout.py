"""What ``sheetops init`` does to a Google Sheet, as batchUpdate requests.

The plan compares the schema with what ``spreadsheets.get`` shows (tabs,
header rows and their style, dropdowns in row 2, protected ranges,
conditional formats, frozen rows) and asks only for what is missing, so
a second ``init`` plans nothing and sends nothing.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sheetops.schema import Column, Tab, Type, loose
from sheetops.sync.backend import Grid
from sheetops.sync.google_cells import (
    BLOCK_ROWS,
    VALUE_AND_FORMAT,
    VALUE_ONLY,
    CellData,
    cell_data,
    column_letters,
    from_cell_data,
    quote_title,
)

LAYOUT_FIELDS = (
    "properties(title,timeZone),"
    "sheets(properties(sheetId,title,gridProperties(rowCount,columnCount,"
    "frozenRowCount)),protectedRanges(protectedRangeId,description,range),"
    "conditionalFormats(ranges,booleanRule(condition)))"
)
TOP_FIELDS = (
    "sheets(properties.title,data(startRow,rowData(values(userEnteredValue,"
    "userEnteredFormat(textFormat(bold,italic),backgroundColor),dataValidation))))"
)
DEFAULT_ROWS = 1000
DEFAULT_COLUMNS = 26
PROTECTED = "Computed by sheetops"
GREY = {"red": 0.85, "green": 0.85, "blue": 0.85}
RED = {"red": 0.96, "green": 0.8, "blue": 0.8}
AMBER = {"red": 1.0, "green": 0.9, "blue": 0.6}
STYLE_FIELDS = "userEnteredFormat.textFormat.bold,userEnteredFormat.textFormat.italic"
SHADE_FIELDS = STYLE_FIELDS + ",userEnteredFormat.backgroundColor"
# Roughly how many pixels one character of a header takes.
PIXELS_PER_CHARACTER = 7


@dataclass(frozen=True)
class Highlight:
    """A conditional format sheetops sets on one computed column."""

    tab: str
    field: str
    condition: str
    value: str
    colour: Mapping[str, float]


HIGHLIGHTS = (
    Highlight("Requests", "sla", "TEXT_STARTS_WITH", "breached", RED),
    Highlight("Requests", "sla", "TEXT_STARTS_WITH", "at risk", AMBER),
    Highlight("Customers", "remaining", "NUMBER_LESS_THAN_EQ", "0", RED),
)


@dataclass
class Plan:
    """The requests ``init`` sends (none when all is in place) and its report."""

    requests: list[Any] = field(default_factory=list)
    done: list[str] = field(default_factory=list)


@dataclass
class _Sheet:
    """One tab as it will be once the plan's structure requests are applied."""

    tab: Tab
    title: str
    sheet_id: int
    columns: int
    positions: dict[str, int]
    header: list[CellData]
    second: list[CellData]
    frozen: int
    protected: list[Any]
    highlights: list[Any]
    new: bool
    added: set[str] = field(default_factory=set)


def matching_sheets(layout: Mapping[str, Any], tabs: Sequence[Tab]) -> dict[str, str]:
    """Each tab's title in the spreadsheet, for the tabs that are there."""
    titles = [sheet["properties"]["title"] for sheet in layout.get("sheets", [])]
    found = {}
    for tab in tabs:
        title = next((t for t in titles if _same(t, tab.name)), None)
        if title is not None:
            found[tab.name] = title
    return found


def top_rows(answer: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The CellData of rows 1 and 2 of each sheet in a ranged get."""
    found: dict[str, list[Any]] = {}
    for sheet in answer.get("sheets", []):
        data = (sheet.get("data") or [{}])[0]
        rows = [row.get("values") or [] for row in data.get("rowData") or []]
        found[sheet["properties"]["title"]] = rows
    return found


def plan(
    layout: Mapping[str, Any],
    tops: Mapping[str, list[Any]],
    tabs: Sequence[Tab],
    seed: Mapping[str, Grid],
) -> Plan:
    """Everything ``init`` has to ask for, tab by tab, in one batch."""
    result = Plan()
    sheets = {s["properties"]["title"]: s for s in layout.get("sheets", [])}
    used_ids = {int(s["properties"].get("sheetId", 0)) for s in sheets.values()}
    planned: list[_Sheet] = []
    for tab in tabs:
        title = next((t for t in sheets if _same(t, tab.name)), None)
        if title is None:
            sheet = _create(tab, _seed_rows(seed, tab.name), used_ids, result)
        else:
            sheet = _extend(tab, sheets[title], tops.get(title, []), result)
        planned.append(sheet)

    catalog = next((s for s in planned if _same(s.tab.name, "Catalog")), None)
    for sheet in planned:
        _style_headers(sheet, result)
        _freeze(sheet, result)
        _widen(sheet, result)
        _dropdowns(sheet, catalog, result)
        _protect(sheet, result)
        _highlight(sheet, result)
    return result


def _same(left: str, right: str) -> bool:
    return " ".join(left.split()).casefold() == " ".join(right.split()).casefold()


def _seed_rows(seed: Mapping[str, Grid], name: str) -> Grid:
    return next((rows for key, rows in seed.items() if _same(key, name)), [])


def _new_sheet_id(title: str, used: set[int]) -> int:
    """A stable id for a new tab, so later requests in the batch can name it."""
    candidate = zlib.crc32(title.encode("utf-8")) % (2**31 - 1) or 1
    while candidate in used:
        candidate = candidate % (2**31 - 2) + 1
    used.add(candidate)
    return candidate


def _create(tab: Tab, rows: Grid, used_ids: set[int], result: Plan) -> _Sheet:
    sheet_id = _new_sheet_id(tab.name, used_ids)
    width = max([len(tab.columns), *(len(row) for row in rows)])
    columns = max(DEFAULT_COLUMNS, width)
    grid = {
        "rowCount": max(DEFAULT_ROWS, len(rows) + 1),
        "columnCount": columns,
        "frozenRowCount": 1,
    }
    properties = {"sheetId": sheet_id, "title": tab.name, "gridProperties": grid}
    result.requests.append({"addSheet": {"properties": properties}})
    values = [[cell_data(header) for header in tab.headers]]
    values += [[cell_data(value) for value in row] for row in rows]
    for first in range(0, len(values), BLOCK_ROWS):
        block = values[first : first + BLOCK_ROWS]
        start = {"sheetId": sheet_id, "rowIndex": first, "columnIndex": 0}
        result.requests.append(
            {
                "updateCells": {
                    "start": start,
                    "rows": [{"values": line} for line in block],
                    "fields": VALUE_AND_FORMAT,
                }
            }
        )
    result.done.append(f"created tab {tab.name}")
    if rows:
        result.done.append(f"added {len(rows)} rows to {tab.name}")
    result.done.append(f"froze the header row of {tab.name}")

    return _Sheet(
        tab=tab,
        title=tab.name,
        sheet_id=sheet_id,
        columns=columns,
        positions={column.field: i for i, column in enumerate(tab.columns)},
        header=[],
        second=[],
        frozen=1,
        protected=[],
        highlights=[],
        new=True,
        added={column.field for column in tab.columns},
    )


def _extend(tab: Tab, sheet: Mapping[str, Any], top: list[Any], result: Plan) -> _Sheet:
    """An existing tab, with its missing headers added after the last one."""
    properties = sheet["properties"]
    grid = properties.get("gridProperties", {})
    header = list(top[0]) if top else []
    second = list(top[1]) if len(top) > 1 else []
    planned = _Sheet(
        tab=tab,
        title=properties["title"],
        sheet_id=int(properties.get("sheetId", 0)),
        columns=int(grid.get("columnCount", DEFAULT_COLUMNS)),
        positions=_positions(tab, header),
        header=header,
        second=second,
        frozen=int(grid.get("frozenRowCount", 0)),
        protected=list(sheet.get("protectedRanges", [])),
        highlights=list(sheet.get("conditionalFormats", [])),
        new=False,
    )
    missing = [c for c in tab.columns if c.field not in planned.positions]
    if missing:
        _add_headers(planned, missing, _last_used(header, second), result)
    return planned


def _positions(tab: Tab, header: list[CellData]) -> dict[str, int]:
    """Each schema field found in row 1, with its 0-based column."""
    wanted = {loose(c.header): c.field for c in tab.columns}
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        value = from_cell_data(cell)
        name = wanted.get(loose(value)) if value is not None else None
        if name and name not in found:
            found[name] = index
    return found


def _last_used(*rows: list[CellData]) -> int:
    """How many columns rows 1 and 2 use, so new headers land past them."""
    used = [
        index + 1
        for row in rows
        for index, cell in enumerate(row)
        if from_cell_data(cell) is not None
    ]
    return max(used, default=0)


def _add_headers(
    sheet: _Sheet, missing: list[Column], after: int, result: Plan
) -> None:
    need = after + len(missing)
    if need > sheet.columns:
        result.requests.append(
            {
                "appendDimension": {
                    "sheetId": sheet.sheet_id,
                    "dimension": "COLUMNS",
                    "length": need - sheet.columns,
                }
            }
        )
        sheet.columns = need
    start = {"sheetId": sheet.sheet_id, "rowIndex": 0, "columnIndex": after}
    values = [cell_data(column.header) for column in missing]
    result.requests.append(
        {
            "updateCells": {
                "start": start,
                "rows": [{"values": values}],
                "fields": VALUE_ONLY,
            }
        }
    )
    for offset, column in enumerate(missing):
        sheet.positions[column.field] = after + offset
        sheet.added.add(column.field)
        result.done.append(f"added column {column.header!r} to {sheet.title}")


def _style_headers(sheet: _Sheet, result: Plan) -> None:
    """Bold headers; computed ones also italic on grey."""
    restyled = False
    for column in sheet.tab.columns:
        index = sheet.positions.get(column.field)
        if index is None or _styled(_cell(sheet.header, index), column):
            continue
        text = {"bold": True, "italic": column.computed}
        look: dict[str, Any] = {"textFormat": text}
        if column.computed:
            look["backgroundColor"] = GREY
        result.requests.append(
            {
                "updateCells": {
                    "start": _at(sheet, 0, index),
                    "rows": [{"values": [{"userEnteredFormat": look}]}],
                    "fields": SHADE_FIELDS if column.computed else STYLE_FIELDS,
                }
            }
        )
        restyled = True
    if restyled:
        result.done.append(f"styled the headers of {sheet.title}")


def _styled(cell: CellData, column: Column) -> bool:
    look = cell.get("userEnteredFormat") or {}
    text = look.get("textFormat") or {}
    if not text.get("bold") or bool(text.get("italic")) != column.computed:
        return False
    return not column.computed or _close(look.get("backgroundColor"), GREY)


def _close(colour: Mapping[str, float] | None, wanted: Mapping[str, float]) -> bool:
    if not colour:
        return False
    return all(abs(colour.get(k, 0.0) - v) < 0.02 for k, v in wanted.items())


def _cell(row: list[CellData], index: int) -> CellData:
    return row[index] if index < len(row) and row[index] else {}


def _at(sheet: _Sheet, row: int, column: int) -> dict[str, int]:
    return {"sheetId": sheet.sheet_id, "rowIndex": row, "columnIndex": column}


def _column_range(sheet: _Sheet, index: int, first_row: int) -> dict[str, int]:
    """A whole column from ``first_row`` (0-based) down, open-ended."""
    return {
        "sheetId": sheet.sheet_id,
        "startRowIndex": first_row,
        "startColumnIndex": index,
        "endColumnIndex": index + 1,
    }


def _freeze(sheet: _Sheet, result: Plan) -> None:
    if sheet.new or sheet.frozen >= 1:
        return
    result.requests.append(
        {
            "updateSheetProperties": {
                "properties": {
                    "sheetId": sheet.sheet_id,
                    "gridProperties": {"frozenRowCount": 1},
                },
                "fields": "gridProperties.frozenRowCount",
            }
        }
    )
    result.done.append(f"froze the header row of {sheet.title}")


def _widen(sheet: _Sheet, result: Plan) -> None:
    """Give new columns room: free text more, dates enough, others their header."""
    for column in sheet.tab.columns:
        index = sheet.positions.get(column.field)
        if index is None or column.field not in sheet.added:
            continue
        width = {Type.TEXT: 30, Type.DATE: 12, Type.DATETIME: 17}.get(column.type, 0)
        width = min(max(width, len(column.header) + 4), 40)
        span = {
            "sheetId": sheet.sheet_id,
            "dimension": "COLUMNS",
            "startIndex": index,
            "endIndex": index + 1,
        }
        result.requests.append(
            {
                "updateDimensionProperties": {
                    "range": span,
                    "properties": {"pixelSize": width * PIXELS_PER_CHARACTER},
                    "fields": "pixelSize",
                }
            }
        )


def _dropdowns(sheet: _Sheet, catalog: _Sheet | None, result: Plan) -> None:
    """A dropdown or checkbox under every pick-from column that has none."""
    named = []
    for column in sheet.tab.staff:
        index = sheet.positions.get(column.field)
        rule = _rule(sheet, column, catalog)
        if index is None or rule is None:
            continue
        if _cell(sheet.second, index).get("dataValidation"):
            continue
        result.requests.append(
            {
                "setDataValidation": {
                    "range": _column_range(sheet, index, 1),
                    "rule": rule,
                }
            }
        )
        named.append(column.header)
    if named:
        result.done.append(f"added dropdowns to {sheet.title}: {', '.join(named)}")


def _rule(sheet: _Sheet, column: Column, catalog: _Sheet | None) -> Any:
    """The validation rule a staff column gets, or None."""
    if column.type is Type.CHOICE and column.choices:
        values = [{"userEnteredValue": choice} for choice in column.choices]
        condition = {"type": "ONE_OF_LIST", "values": values}
        return {"condition": condition, "strict": True, "showCustomUi": True}
    if column.type is Type.BOOL:
        return {"condition": {"type": "BOOLEAN"}}
    if _same(sheet.tab.name, "Requests") and column.field == "catalog_task":
        return _catalog_rule(catalog)
    return None


def _catalog_rule(catalog: _Sheet | None) -> Any:
    index = catalog.positions.get("task") if catalog else None
    if catalog is None or index is None:
        return None
    letter = column_letters(index + 1)
    source = f"={quote_title(catalog.title)}!${letter}$2:${letter}"
    condition = {"type": "ONE_OF_RANGE", "values": [{"userEnteredValue": source}]}
    # A task typed by hand is flagged by the engine, so only warn here.
    return {"condition": condition, "strict": False, "showCustomUi": True}


def _protect(sheet: _Sheet, result: Plan) -> None:
    """A warning-only protected range over each computed column."""
    named = []
    for column in sheet.tab.computed:
        index = sheet.positions.get(column.field)
        if index is None or _protected(sheet, index):
            continue
        protected = {
            "range": _column_range(sheet, index, 0),
            "description": PROTECTED,
            "warningOnly": True,
        }
        result.requests.append({"addProtectedRange": {"protectedRange": protected}})
        named.append(column.header)
    if named:
        result.done.append(f"protected the computed columns of {sheet.title}")


def _protected(sheet: _Sheet, index: int) -> bool:
    for protected in sheet.protected:
        span = protected.get("range") or {}
        if protected.get("description") == PROTECTED and _covers(span, index):
            return True
    return False


def _covers(span: Mapping[str, Any], index: int) -> bool:
    start = int(span.get("startColumnIndex", 0))
    return start == index and int(span.get("endColumnIndex", start + 1)) == index + 1


def _highlight(sheet: _Sheet, result: Plan) -> None:
    """The SLA and Remaining colours, where they are not set yet."""
    named = []
    for wanted in HIGHLIGHTS:
        index = sheet.positions.get(wanted.field)
        if not _same(sheet.tab.name, wanted.tab) or index is None:
            continue
        if _highlighted(sheet, wanted, index):
            continue
        values = [{"userEnteredValue": wanted.value}]
        rule = {
            "ranges": [_column_range(sheet, index, 1)],
            "booleanRule": {
                "condition": {"type": wanted.condition, "values": values},
                "format": {"backgroundColor": dict(wanted.colour)},
            },
        }
        result.requests.append({"addConditionalFormatRule": {"rule": rule, "index": 0}})
        named.append(f"{sheet.tab.column(wanted.field).header} {wanted.value!r}")
    if named:
        shown = ", ".join(named)
        result.done.append(f"added conditional formatting to {sheet.title}: {shown}")


def _highlighted(sheet: _Sheet, wanted: Highlight, index: int) -> bool:
    for rule in sheet.highlights:
        condition = (rule.get("booleanRule") or {}).get("condition") or {}
        values = [v.get("userEnteredValue") for v in condition.get("values") or []]
        if condition.get("type") != wanted.condition or values != [wanted.value]:
            continue
        if any(_covers(span, index) for span in rule.get("ranges") or []):
            return True
    return False
