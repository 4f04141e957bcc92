"""The fake's in-memory store, and helpers tests use to arrange and inspect it.

Row and column numbers in the helpers are 1-based, as in A1 notation.
Every helper takes the store's lock, so a test (or a colleague hook) may
call them while the server is answering requests.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
import string
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from . import a1
from .errors import not_found, permission_denied
from .model import (
    DEFAULT_COLUMNS,
    DEFAULT_ROWS,
    RenderOptions,
    Sheet,
    Spreadsheet,
    clip,
    render_grid,
    sort_key,
    write_rows,
)

_ID_CHARS = string.ascii_letters + string.digits + "-_"


def now_rfc3339() -> str:
    """The current UTC time as Drive writes it."""
    moment = dt.datetime.now(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class Store:
    """Spreadsheets by id, behind one lock."""

    def __init__(self, seed: int | None = None) -> None:
        self.lock = threading.RLock()
        self.spreadsheets: dict[str, Spreadsheet] = {}
        self.random = random.Random(seed)

    @contextmanager
    def locked(self) -> Iterator[Store]:
        """Hold the store's lock for several steps."""
        with self.lock:
            yield self

    def new_id(self) -> str:
        """A spreadsheet id shaped like Google's (44 characters)."""
        return "1" + "".join(self.random.choice(_ID_CHARS) for _ in range(43))

    def new_sheet_id(self, book: Spreadsheet | None = None) -> int:
        """A random positive 31-bit sheet id not used in ``book``."""
        used = {sheet.sheet_id for sheet in book.sheets} if book else set()
        while True:
            candidate = self.random.randrange(1, 2**31 - 1)
            if candidate not in used:
                return candidate

    def new_range_id(self) -> int:
        """A random id for a protected range."""
        return self.random.randrange(1, 2**31 - 1)

    # -- spreadsheets -------------------------------------------------------

    def create_spreadsheet(
        self,
        title: str = "Untitled spreadsheet",
        sheets: Mapping[str, Sequence[Sequence[Any]]] | None = None,
        *,
        spreadsheet_id: str | None = None,
        rows: int = DEFAULT_ROWS,
        columns: int = DEFAULT_COLUMNS,
        user_entered: bool = True,
    ) -> str:
        """Create a spreadsheet and return its id.

        ``sheets`` maps tab titles to rows of values written from A1 (typed
        as a user would unless ``user_entered`` is false). Without it the
        spreadsheet has one empty ``Sheet1`` with sheetId 0, like a new file.
        """
        with self.lock:
            book_id = spreadsheet_id or self.new_id()
            stamp = now_rfc3339()
            props = {
                "title": title,
                "locale": "en_US",
                "autoRecalc": "ON_CHANGE",
                "timeZone": "Etc/GMT",
            }
            book = Spreadsheet(book_id, props, [], stamp, stamp)
            for index, (sheet_title, values) in enumerate(
                (sheets or {"Sheet1": []}).items()
            ):
                sheet_id = 0 if index == 0 else self.new_sheet_id(book)
                height = max(rows, len(values))
                width = max([columns, *(len(line) for line in values)])
                sheet = Sheet.new(sheet_id, sheet_title, height, width)
                write_rows(sheet, 0, 0, [list(line) for line in values], user_entered)
                book.sheets.append(sheet)
            self.spreadsheets[book_id] = book
            return book_id

    def book(self, spreadsheet_id: str, account: str | None = None) -> Spreadsheet:
        """Return a spreadsheet, failing as the API does if missing or not shared."""
        with self.lock:
            book = self.spreadsheets.get(spreadsheet_id)
            if book is None or book.trashed:
                raise not_found()
            if account is not None and account in book.denied:
                raise permission_denied()
            return book

    def sheet(self, spreadsheet_id: str, title: str) -> Sheet:
        """Return one sheet by title; KeyError if there is none."""
        sheet = self.book(spreadsheet_id).sheet_by_title(title)
        if sheet is None:
            raise KeyError(title)
        return sheet

    def delete_spreadsheet(self, spreadsheet_id: str) -> None:
        """Remove a spreadsheet for good."""
        with self.lock:
            self.spreadsheets.pop(spreadsheet_id, None)

    def unshare(self, spreadsheet_id: str, account: str) -> None:
        """Make the spreadsheet refuse ``account`` with 403 PERMISSION_DENIED."""
        with self.lock:
            self.book(spreadsheet_id).denied.add(account)

    def share(self, spreadsheet_id: str, account: str) -> None:
        """Let ``account`` open the spreadsheet again."""
        with self.lock:
            self.book(spreadsheet_id).denied.discard(account)

    # -- reading ------------------------------------------------------------

    def values(
        self,
        spreadsheet_id: str,
        title: str,
        *,
        render: str = "UNFORMATTED_VALUE",
        date_time: str = "SERIAL_NUMBER",
    ) -> list[list[Any]]:
        """The sheet's values as a values read of the whole sheet returns them."""
        with self.lock:
            book = self.book(spreadsheet_id)
            sheet = self.sheet(spreadsheet_id, title)
            options = RenderOptions(render, date_time)
            return render_grid(book, sheet, sheet.full_box(), options)

    def formatted_values(self, spreadsheet_id: str, title: str) -> list[list[Any]]:
        """The sheet's values as shown on screen (strings)."""
        return self.values(spreadsheet_id, title, render="FORMATTED_VALUE")

    def formulas(self, spreadsheet_id: str, title: str) -> list[list[Any]]:
        """The sheet's formulas (and plain values where there is no formula)."""
        return self.values(spreadsheet_id, title, render="FORMULA")

    def formats(self, spreadsheet_id: str, title: str) -> dict[str, dict[str, Any]]:
        """Each formatted cell's ``userEnteredFormat``, keyed by A1 name."""
        with self.lock:
            sheet = self.sheet(spreadsheet_id, title)
            return {
                a1.cell_name(row, col): copy.deepcopy(cell.fmt)
                for row, col, cell in sheet.used_cells()
                if cell.fmt
            }

    def validations(self, spreadsheet_id: str, title: str) -> dict[str, dict[str, Any]]:
        """Each validated cell's data validation rule, keyed by A1 name."""
        with self.lock:
            sheet = self.sheet(spreadsheet_id, title)
            return {
                a1.cell_name(row, col): copy.deepcopy(cell.validation)
                for row, col, cell in sheet.used_cells()
                if cell.validation
            }

    def protected_ranges(self, spreadsheet_id: str) -> list[dict[str, Any]]:
        """All protected ranges of the spreadsheet, as the API returns them."""
        with self.lock:
            book = self.book(spreadsheet_id)
            return [copy.deepcopy(p) for sheet in book.sheets for p in sheet.protected]

    def hidden_rows(self, spreadsheet_id: str, title: str) -> list[int]:
        """1-based numbers of the rows hidden by a user."""
        with self.lock:
            sheet = self.sheet(spreadsheet_id, title)
            return [
                i + 1
                for i, meta in enumerate(sheet.row_meta)
                if meta.get("hiddenByUser")
            ]

    def sheet_properties(self, spreadsheet_id: str, title: str) -> dict[str, Any]:
        """The sheet's properties as the API shows them."""
        with self.lock:
            book = self.book(spreadsheet_id)
            sheet = self.sheet(spreadsheet_id, title)
            return sheet.properties(book.sheets.index(sheet))

    # -- a colleague's edits --------------------------------------------------

    def set_values(
        self,
        spreadsheet_id: str,
        title: str,
        start: str,
        rows: Sequence[Sequence[Any]],
        *,
        user_entered: bool = True,
    ) -> None:
        """Type rows of values from cell ``start`` (e.g. ``"B2"``), growing the grid."""
        with self.lock:
            sheet = self.sheet(spreadsheet_id, title)
            row, col = a1.parse_cell(start)
            width = max((len(line) for line in rows), default=0)
            sheet.resize(
                max(sheet.row_count, row + len(rows)),
                max(sheet.column_count, col + width),
            )
            write_rows(sheet, row, col, [list(line) for line in rows], user_entered)

    def edit_cell(self, spreadsheet_id: str, title: str, cell: str, value: Any) -> None:
        """Type one value into one cell, as a user would."""
        self.set_values(spreadsheet_id, title, cell, [[value]])

    def insert_rows(
        self,
        spreadsheet_id: str,
        title: str,
        before_row: int,
        rows: Sequence[Sequence[Any]] = ((),),
    ) -> None:
        """Insert rows above row ``before_row`` and type ``rows`` into them."""
        with self.lock:
            sheet = self.sheet(spreadsheet_id, title)
            sheet.insert_rows(before_row - 1, len(rows))
            self.set_values(spreadsheet_id, title, f"A{before_row}", rows)

    def delete_rows(
        self, spreadsheet_id: str, title: str, first_row: int, count: int = 1
    ) -> None:
        """Delete ``count`` rows starting at row ``first_row``."""
        with self.lock:
            sheet = self.sheet(spreadsheet_id, title)
            sheet.delete_rows(first_row - 1, first_row - 1 + count)

    def sort_rows(
        self,
        spreadsheet_id: str,
        title: str,
        column: str | int,
        *,
        descending: bool = False,
        header_rows: int = 1,
    ) -> None:
        """Sort the sheet's rows by one column (letter or 1-based number).

        The first ``header_rows`` rows stay put; blank cells sort last.
        """
        with self.lock:
            book = self.book(spreadsheet_id)
            sheet = self.sheet(spreadsheet_id, title)
            col = a1.column_index(column) if isinstance(column, str) else column - 1
            last = max(
                (row for row, _, cell in sheet.used_cells() if not cell.blank),
                default=-1,
            )
            box = a1.Box(header_rows, 0, last + 1, sheet.column_count)
            sort_box(book, sheet, box, [(col, descending)])


def sort_box(
    book: Spreadsheet, sheet: Sheet, box: a1.Box, specs: list[tuple[int, bool]]
) -> None:
    """Sort the rows of a box by ``(column, descending)`` keys; blanks stay last."""
    if box.rows <= 1:
        return
    indexes = list(range(box.start_row, box.end_row))
    for col, descending in reversed(specs):

        def key(row: int, col: int = col) -> tuple[int, Any]:
            return sort_key(book.effective(sheet, row, col))

        blank = [row for row in indexes if key(row)[0] == 3]
        filled = sorted(
            (r for r in indexes if key(r)[0] != 3), key=key, reverse=descending
        )
        indexes = filled + blank
    snapshot = [dict(sheet.rows[row]) for row in indexes]
    meta = [sheet.row_meta[row] for row in indexes]
    for offset, cells in enumerate(snapshot):
        target = sheet.rows[box.start_row + offset]
        for col in [c for c in target if box.start_col <= c < box.end_col]:
            del target[col]
        target.update(
            {c: cell for c, cell in cells.items() if box.start_col <= c < box.end_col}
        )
        sheet.row_meta[box.start_row + offset] = meta[offset]


def box_of(sheet: Sheet, text: str) -> a1.Box:
    """Parse a range on a known sheet into a clipped box (helper for tests)."""
    ref = a1.parse_range(text, [sheet.title])
    return clip(sheet, ref, text)
