"""A1 notation: parse ranges the way the Sheets API reads them, and write them back."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .errors import bad_request

_ENDPOINT = re.compile(r"^\$?([A-Za-z]*)\$?([0-9]*)$")
_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Names that read as a cell (B12) or an R1C1 reference must be quoted.
_CELL_LIKE = re.compile(r"^([A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc][0-9]*)$")


@dataclass(frozen=True)
class RangeRef:
    """A parsed range: 0-based, end-exclusive, ``None`` where unbounded."""

    sheet: str | None
    start_row: int
    start_col: int
    end_row: int | None
    end_col: int | None
    whole_sheet: bool = False
    # A single cell (``A1``) given as where to start writing, not as a limit.
    anchor: bool = False


@dataclass(frozen=True)
class Box:
    """A concrete rectangle on a grid: 0-based, end-exclusive."""

    start_row: int
    start_col: int
    end_row: int
    end_col: int

    @property
    def rows(self) -> int:
        """Number of rows covered."""
        return max(0, self.end_row - self.start_row)

    @property
    def cols(self) -> int:
        """Number of columns covered."""
        return max(0, self.end_col - self.start_col)


def column_letters(index: int) -> str:
    """Turn a 0-based column index into letters (0 -> A, 26 -> AA)."""
    letters = ""
    number = index + 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def column_index(letters: str) -> int:
    """Turn column letters into a 0-based index (A -> 0)."""
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - ord("A") + 1
    return number - 1


def cell_name(row: int, col: int) -> str:
    """Name one cell in A1 notation from 0-based indexes."""
    return f"{column_letters(col)}{row + 1}"


def parse_cell(text: str) -> tuple[int, int]:
    """Parse ``B3`` into 0-based ``(row, col)``."""
    match = _ENDPOINT.match(text.strip())
    if not match or not match.group(1) or not match.group(2):
        raise ValueError(f"not a cell reference: {text!r}")
    return int(match.group(2)) - 1, column_index(match.group(1))


def quote_sheet_name(title: str) -> str:
    """Quote a sheet title as the API does in the ranges it returns."""
    if _PLAIN_NAME.match(title) and not _CELL_LIKE.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def format_range(title: str, box: Box) -> str:
    """Write a box back in A1 notation, as ``Sheet1!A1:D4`` or ``Sheet1!B1``."""
    first = cell_name(box.start_row, box.start_col)
    last = cell_name(box.end_row - 1, box.end_col - 1)
    cells = first if first == last else f"{first}:{last}"
    return f"{quote_sheet_name(title)}!{cells}"


def split_sheet(text: str) -> tuple[str | None, str | None]:
    """Split ``'My sheet'!A1:B2`` into the sheet title and the cell part."""
    if text.startswith("'"):
        title, rest = _read_quoted(text)
        if rest == "":
            return title, None
        if not rest.startswith("!"):
            raise bad_request(f"Unable to parse range: {text}")
        return title, rest[1:]
    if "!" in text:
        title, cells = text.rsplit("!", 1)
        return title, cells
    return None, text


def _read_quoted(text: str) -> tuple[str, str]:
    """Read a single-quoted title (``''`` escapes a quote); return it and the rest."""
    index = 1
    title = ""
    while index < len(text):
        char = text[index]
        if char == "'":
            if text[index + 1 : index + 2] == "'":
                title += "'"
                index += 2
                continue
            return title, text[index + 1 :]
        title += char
        index += 1
    raise bad_request(f"Unable to parse range: {text}")


def parse_cells(cells: str) -> RangeRef | None:
    """Parse the cells after ``!`` (``A1``, ``A1:C``, ``A:B``, ``2:5``), or None."""
    parts = cells.strip().split(":")
    if len(parts) > 2 or not all(parts):
        return None
    first = _ENDPOINT.match(parts[0])
    last = _ENDPOINT.match(parts[-1])
    if not first or not last:
        return None
    if len(parts) == 1 and not (first.group(1) and first.group(2)):
        return None
    start_col = column_index(first.group(1)) if first.group(1) else 0
    start_row = int(first.group(2)) - 1 if first.group(2) else 0
    end_col = column_index(last.group(1)) + 1 if last.group(1) else None
    end_row = int(last.group(2)) if last.group(2) else None
    if start_row < 0 or (end_row is not None and end_row < 1):
        return None
    ref = _ordered(start_row, start_col, end_row, end_col)
    return replace(ref, anchor=len(parts) == 1)


def _ordered(
    start_row: int, start_col: int, end_row: int | None, end_col: int | None
) -> RangeRef:
    """Swap reversed corners, so ``D4:A1`` means ``A1:D4``."""
    if end_row is not None and end_row <= start_row:
        start_row, end_row = end_row - 1, start_row + 1
    if end_col is not None and end_col <= start_col:
        start_col, end_col = end_col - 1, start_col + 1
    return RangeRef(None, start_row, start_col, end_row, end_col)


def parse_range(text: str, sheet_titles: list[str]) -> RangeRef:
    """Parse a range as the API does; a bare sheet title means the whole sheet.

    A range without a sheet name refers to the first sheet, unless the whole
    text is the title of a sheet.
    """
    if text in sheet_titles:
        return RangeRef(text, 0, 0, None, None, whole_sheet=True)
    title, cells = split_sheet(text)
    if cells is None:
        return RangeRef(title, 0, 0, None, None, whole_sheet=True)
    ref = parse_cells(cells)
    if ref is None:
        raise bad_request(f"Unable to parse range: {text}")
    return replace(ref, sheet=title)
