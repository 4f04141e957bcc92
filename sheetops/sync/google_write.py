"""Planning a Google Sheets write: follow moved rows, then shape the batch.

Right before a write the backend re-reads the written tabs' header rows
and the guarded rows' identities (and, with them, each tab's sheet id and
grid size). From that this module decides where each write lands now,
or that it can't, and turns the writes into as few batchUpdate requests
as will do, in bodies Google accepts.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sheetops.errors import TrackerMovedError
from sheetops.schema import loose
from sheetops.sync.backend import Grid, RowGuard, Snapshot, WriteBatch
from sheetops.sync.backend import identity as identity_of
from sheetops.sync.google_cells import (
    CellData,
    cell_data,
    column_letters,
    grid_from_row_data,
    quote_title,
    update_cells,
)

logger = logging.getLogger(__name__)

# Google refuses request bodies over 10 MiB; keep clear of that.
MAX_BODY_BYTES = 9_000_000
RECHECK_FIELDS = (
    "properties.timeZone,"
    "sheets(properties(sheetId,title,gridProperties(rowCount,columnCount)),"
    "data(startRow,startColumn,rowData(values(userEnteredValue))))"
)


@dataclass
class Recheck:
    """One tab as re-read right before a write."""

    sheet_id: int
    rows: int
    columns: int
    header: Grid
    # Identity cells from row ``first_row`` and column ``first_column`` on.
    identities: Grid
    first_row: int
    first_column: int


def recheck_ranges(
    tabs: Sequence[str], spans: Mapping[str, tuple[int, int]]
) -> list[str]:
    """Each tab's header row, and from row 2 down its identity columns."""
    ranges: list[str] = []
    for title in tabs:
        ranges.append(f"{quote_title(title)}!1:1")
        if title in spans:
            first, last = spans[title]
            cells = f"{column_letters(first)}2:{column_letters(last)}"
            ranges.append(f"{quote_title(title)}!{cells}")
    return ranges


def identity_spans(guards: Sequence[RowGuard]) -> dict[str, tuple[int, int]]:
    """The first and last identity column of each guarded tab."""
    spans: dict[str, tuple[int, int]] = {}
    for guard in guards:
        first, last = spans.get(guard.tab, (min(guard.columns), max(guard.columns)))
        spans[guard.tab] = (
            min(first, *guard.columns),
            max(last, *guard.columns),
        )
    return spans


def parse_recheck(
    answer: Mapping[str, Any],
    tabs: Sequence[str],
    spans: Mapping[str, tuple[int, int]],
) -> dict[str, Recheck]:
    """Each tab of a ``spreadsheets.get`` made with :func:`recheck_ranges`."""
    found: dict[str, Recheck] = {}
    by_title = {loose(s["properties"]["title"]): s for s in answer.get("sheets", [])}
    for title in tabs:
        sheet = by_title.get(loose(title))
        if sheet is None:
            raise TrackerMovedError(
                f"tab {title!r} is gone since it was read; the cycle will be redone"
            )
        properties = sheet["properties"]
        grid = properties.get("gridProperties", {})
        found[title] = Recheck(
            sheet_id=int(properties.get("sheetId", 0)),
            rows=int(grid.get("rowCount", 0)),
            columns=int(grid.get("columnCount", 0)),
            header=[],
            identities=[],
            first_row=2,
            first_column=spans.get(title, (1, 1))[0],
        )
        # The header range starts on row 1, the identities on row 2.
        for data in sheet.get("data", []):
            rows = grid_from_row_data(data.get("rowData", []))
            if int(data.get("startRow", 0)) == 0:
                found[title].header = rows
            else:
                found[title].identities = rows
                found[title].first_row = int(data["startRow"]) + 1
                found[title].first_column = int(data.get("startColumn", 0)) + 1
    return found


def check_header(title: str, snapshot: Snapshot, rechecked: Recheck) -> None:
    """Refuse when row 1 changed: the columns the writes aim at may have moved."""
    grid = snapshot.grid(title) or []
    before = identity_of(grid[0]) if grid else ()
    now = identity_of(rechecked.header[0]) if rechecked.header else ()
    if before != now:
        raise TrackerMovedError(
            f"the header row of {title} changed since it was read (a column "
            "was added, moved or renamed); the cycle will be redone"
        )


def follow_rows(
    guards: Sequence[RowGuard], rechecked: Mapping[str, Recheck]
) -> dict[tuple[str, int], int]:
    """Where each guarded row is now; TrackerMovedError if it can't be told."""
    moves: dict[tuple[str, int], int] = {}
    taken: dict[tuple[str, int], int] = {}
    finders: dict[tuple[str, tuple[int, ...]], dict[tuple[str, ...], list[int]]] = {}
    for guard in guards:
        tab = rechecked[guard.tab]
        row = guard.row
        if _identity_at(tab, row, guard.columns) != tuple(guard.values):
            row = _find_row(guard, tab, finders)
        if taken.setdefault((guard.tab, row), guard.row) != guard.row:
            raise _moved(guard, "two rows now hold the same identity")
        moves[(guard.tab, guard.row)] = row
    return moves


def _identity_at(tab: Recheck, row: int, columns: Sequence[int]) -> tuple[str, ...]:
    index = row - tab.first_row
    cells = tab.identities[index] if 0 <= index < len(tab.identities) else []
    offsets = [column - tab.first_column for column in columns]
    return identity_of([cells[i] if 0 <= i < len(cells) else None for i in offsets])


def _find_row(
    guard: RowGuard,
    tab: Recheck,
    finders: dict[tuple[str, tuple[int, ...]], dict[tuple[str, ...], list[int]]],
) -> int:
    """The one row now holding the guard's identity."""
    if not any(guard.values):
        # A blank identity is no identity: it can't be followed anywhere.
        raise _moved(guard, "it was blank and the row has changed")
    index = finders.get((guard.tab, guard.columns))
    if index is None:
        index = {}
        last = tab.first_row + len(tab.identities)
        for row in range(tab.first_row, last):
            index.setdefault(_identity_at(tab, row, guard.columns), []).append(row)
        finders[(guard.tab, guard.columns)] = index
    rows = index.get(tuple(guard.values), [])
    if len(rows) != 1:
        why = "it is gone" if not rows else f"it is now on rows {rows}"
        raise _moved(guard, why)
    logger.debug("row %s of %s moved to row %s", guard.row, guard.tab, rows[0])
    return rows[0]


def _moved(guard: RowGuard, why: str) -> TrackerMovedError:
    shown = " / ".join(guard.values)
    return TrackerMovedError(
        f"row {guard.row} of {guard.tab} ({shown!r}) can't be found for "
        f"writing: {why}; the cycle will be redone"
    )


def write_requests(
    batch: WriteBatch,
    snapshot: Snapshot,
    moves: Mapping[tuple[str, int], int],
    rechecked: Mapping[str, Recheck],
) -> list[Any]:
    """appendDimension where a tab is too short, then the cells."""
    by_tab: dict[str, dict[tuple[int, int], CellData]] = {}
    for change in batch.writes:
        cells = by_tab.setdefault(change.tab, {})
        cells[(change.row, change.column)] = cell_data(
            change.value, formula=change.formula
        )

    grow: list[Any] = []
    cells_requests: list[Any] = []
    for title, planned in by_tab.items():
        _fill_blanks(planned, snapshot.grid(title) or [])
        cells = {
            (moves.get((title, row), row), column): data
            for (row, column), data in planned.items()
        }
        tab = rechecked[title]
        grow.extend(_grow(tab, max(r for r, _ in cells), max(c for _, c in cells)))
        cells_requests.extend(update_cells(tab.sheet_id, cells))
    return grow + cells_requests


def _fill_blanks(cells: dict[tuple[int, int], CellData], grid: Grid) -> None:
    """Also "write" the blank cells between writes, so requests stay few.

    Every updateCells request is one rectangle; a cell left out splits it.
    A cell that was blank when read, in a column this batch writes (a
    column sheetops owns), is cleared again at no risk, and so joins the
    rectangle; in a date column it gets the column's date format too.
    Without this a first sync of 2,000 customers is a fifth bigger.
    """
    looks: dict[int, Any] = {}
    for (_, column), data in cells.items():
        look = data.get("userEnteredFormat")
        if look is not None:
            looks[column] = look if looks.get(column, look) == look else {}
    rows = sorted({row for row, _ in cells})
    columns = sorted({column for _, column in cells})
    for row in rows:
        line = grid[row - 1] if row - 1 < len(grid) else []
        for column in columns:
            blank = column > len(line) or line[column - 1] is None
            if blank and (row, column) not in cells:
                look = looks.get(column)
                cells[(row, column)] = {"userEnteredFormat": look} if look else {}


def _grow(tab: Recheck, last_row: int, last_column: int) -> list[Any]:
    """appendDimension requests so the grid reaches ``last_row``, ``last_column``."""
    grow = []
    for dimension, have, need in (
        ("ROWS", tab.rows, last_row),
        ("COLUMNS", tab.columns, last_column),
    ):
        if need > have:
            grow.append(
                {
                    "appendDimension": {
                        "sheetId": tab.sheet_id,
                        "dimension": dimension,
                        "length": need - have,
                    }
                }
            )
    return grow


def bodies(requests_: list[Any]) -> list[bytes]:
    """One batchUpdate body, or several if one would pass Google's size limit.

    Bodies are compact JSON: the spaces json.dumps puts in by default
    would cost a tenth of a large write.
    """
    cut: list[bytes] = []
    current: list[bytes] = []
    size = 0
    for request in requests_:
        encoded = _json(request)
        if current and size + len(encoded) > MAX_BODY_BYTES:
            cut.append(_joined(current))
            current, size = [], 0
        current.append(encoded)
        size += len(encoded) + 1
    if current:
        cut.append(_joined(current))
    if len(cut) > 1:
        # Each body is applied whole; a failure between them leaves part of
        # the batch written, which the next sync completes.
        logger.warning(
            "the write is %s bytes, too big for one call; sending it in %s calls",
            sum(len(body) for body in cut),
            len(cut),
        )
    return cut


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _joined(requests_: list[bytes]) -> bytes:
    return b'{"requests":[' + b",".join(requests_) + b"]}"
