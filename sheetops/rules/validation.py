"""From a tab's grid of raw cells to a typed table, and what is wrong with it.

Parsing is vectorised: each column is converted in one pandas pass, and
only the cells that pass fails are looked at one by one, to say what is
wrong with them. A bad cell becomes NaN/NaT/"" in the table and a
sentence in its row's problems; it never stops the others.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pandas as pd
from dateutil import parser as dateparser

from sheetops.errors import SheetopsError
from sheetops.schema import Column, Tab, Type, locate, loose
from sheetops.sync.backend import Cell, Grid

# Google Sheets and Excel count days from this date (serial number 0).
SERIAL_EPOCH = datetime(1899, 12, 30)
TRUE_WORDS = {"true", "yes", "y", "ya", "x", "✓", "✔", "1", "done"}
FALSE_WORDS = {"false", "no", "n", "tidak", "0", ""}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")

Problems = dict[int, list[str]]


@dataclass
class Table:
    """A tab as parsed: typed staff columns, where each column is, problems.

    ``frame`` is indexed by sheet row number (the header is row 1) and
    holds only rows with something in a staff cell. ``cells`` keeps every
    row's raw cells as read, for diffing computed columns later.
    """

    tab: Tab
    title: str
    frame: pd.DataFrame
    positions: dict[str, int]
    cells: dict[int, list[Cell]]
    # Rows with no staff cell filled but some computed cell still showing
    # (a row a person emptied): their computed cells are cleared.
    orphans: list[int] = field(default_factory=list)
    problems: Problems = field(default_factory=lambda: defaultdict(list))

    def add(self, row: int, message: str) -> None:
        """Record a problem with one row."""
        self.problems[row].append(message)

    def raw(self, row: int, field_name: str) -> Cell:
        """The cell of ``field_name`` in ``row`` exactly as read."""
        index = self.positions.get(field_name)
        cells = self.cells.get(row, [])
        if index is None or index >= len(cells):
            return None
        return cells[index]


def parse_tab(tab: Tab, title: str, grid: Grid) -> Table:
    """Parse a tab's grid (header first) into a typed :class:`Table`."""
    header = list(grid[0]) if grid else []
    positions = locate(tab, header)
    body = _body(grid)

    filled = body.notna() & (body != "")
    staff = [positions[c.field] for c in tab.staff if c.field in positions]
    computed = [positions[c.field] for c in tab.computed if c.field in positions]
    data = filled[staff].any(axis=1)
    orphans = ~data & filled[computed].any(axis=1)
    kept = body[data | orphans]
    cells = dict(zip(kept.index.tolist(), kept.to_numpy().tolist(), strict=True))

    raw = body.loc[data, staff]
    raw.columns = [c.field for c in tab.staff if c.field in positions]
    table = Table(tab, title, pd.DataFrame(index=raw.index), positions, cells)
    table.orphans = orphans.index[orphans].tolist()

    for column in tab.staff:
        values = raw[column.field] if column.field in raw else _blank(raw.index)
        table.frame[column.field] = _parse_column(column, values, table)

    _check_required(table)
    return table


def _body(grid: Grid) -> pd.DataFrame:
    """The rows below the header as objects, padded to one width, by row number.

    A cell holding only spaces counts as filled: someone typed there.
    """
    width = max((len(r) for r in grid), default=0)
    rows = [list(r) + [None] * (width - len(r)) for r in grid[1:]]
    body = pd.DataFrame(rows, dtype=object, columns=range(width))
    body.index = pd.RangeIndex(2, len(grid) + 1)
    return body.where(body.notna(), None)


def _blank(index: pd.Index) -> pd.Series:
    return pd.Series([None] * len(index), index=index, dtype=object)


def _is_blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _parse_column(column: Column, values: pd.Series, table: Table) -> pd.Series:
    parse = PARSERS[column.type]
    return parse(column, values, table)


def _report(table: Table, column: Column, bad: pd.Series, expected: str) -> None:
    for row, value in bad.items():
        table.add(int(str(row)), f"{column.header}: {_show(value)} is not {expected}")


def _show(value: Cell) -> str:
    text = value.isoformat() if isinstance(value, date | time) else str(value)
    text = text if len(text) <= 40 else text[:37] + "..."
    return repr(text)


def _parse_text(column: Column, values: pd.Series, table: Table) -> pd.Series:
    return values.map(_as_text).astype(str)


def _as_text(value: Cell) -> str:
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


def _parse_choice(column: Column, values: pd.Series, table: Table) -> pd.Series:
    canonical = {c.casefold(): c for c in column.choices}
    text = values.map(_as_text)
    parsed = text.map(lambda v: canonical.get(v.casefold(), "") if v else "")
    bad = text[(text != "") & (parsed == "")]
    _report(table, column, bad, f"one of {', '.join(column.choices)}")
    return parsed.astype(str)


def _parse_email(column: Column, values: pd.Series, table: Table) -> pd.Series:
    text = values.map(_as_text)
    ok = text.map(lambda v: not v or bool(EMAIL.match(v)))
    _report(table, column, text[~ok], "an email address like name@example.com")
    return text.where(ok, "").astype(str)


def _parse_phone(column: Column, values: pd.Series, table: Table) -> pd.Series:
    text = values.map(_as_text)
    digits = text.str.replace(r"\D", "", regex=True)
    ok = (text == "") | ((digits.str.len() >= 8) & text.str.fullmatch(r"[\d\s+().-]+"))
    _report(table, column, text[~ok], "a phone number like 0812-3456-7890")
    return text.where(ok, "").astype(str)


def _parse_number(column: Column, values: pd.Series, table: Table) -> pd.Series:
    numbers = pd.to_numeric(values.map(_number_candidate), errors="coerce")
    numbers = numbers.astype("float64")
    filled = ~values.map(_is_blank)
    _report(table, column, values[filled & numbers.isna()], "a number")
    if column.type is Type.WHOLE:
        fractional = numbers.notna() & (numbers % 1 != 0)
        _report(table, column, values[fractional], "a whole number")
        numbers = numbers.where(~fractional)
    return numbers


def _number_candidate(value: Cell) -> object:
    if isinstance(value, (bool, date | time)):
        return None
    if isinstance(value, str):
        # Indonesian writing uses a decimal comma: "1,5" hours.
        text = value.strip().replace(" ", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        return text or None
    return value


def _parse_dates(column: Column, values: pd.Series, table: Table) -> pd.Series:
    keep_time = column.type is Type.DATETIME
    parsed = pd.Series(
        [as_datetime(v) for v in values], index=values.index, dtype="datetime64[ns]"
    )
    filled = ~values.map(_is_blank)
    example = "2026-01-31 14:30" if keep_time else "2026-01-31"
    _report(table, column, values[filled & parsed.isna()], f"a date like {example}")
    return parsed if keep_time else parsed.dt.normalize()


def as_datetime(value: Cell) -> datetime | None:
    """A cell as a naive wall-clock datetime, or None if it isn't one.

    Years outside 1900-2199 are refused: no support business dates work
    then, and pandas can't hold most of them anyway.
    """
    moment = _any_datetime(value)
    if moment is None or not 1900 <= moment.year < 2200:
        return None
    return moment


def _any_datetime(value: Cell) -> datetime | None:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        # Sheets hands dates back as serial day numbers.
        if 1 <= value < 2958466:
            return SERIAL_EPOCH + timedelta(days=float(value))
        return None
    if isinstance(value, str) and value.strip():
        return _datetime_from_text(value.strip())
    return None


def _datetime_from_text(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    if not re.search(r"\d", text):
        return None
    try:
        # Indonesia writes the day first: 05/01/2026 is 5 January.
        return dateparser.parse(text, dayfirst=True)
    except (ValueError, OverflowError):
        return None


def _parse_time(column: Column, values: pd.Series, table: Table) -> pd.Series:
    parsed = values.map(_as_time)
    filled = ~values.map(_is_blank)
    _report(table, column, values[filled & parsed.isna()], "a time like 14:30")
    return parsed.astype(object)


def _as_time(value: Cell) -> time | None:
    if isinstance(value, datetime):
        return value.time()
    if isinstance(value, time):
        return value
    if isinstance(value, float | int) and not isinstance(value, bool):
        # A time typed in Sheets is a fraction of a day.
        if 0 <= value < 1:
            return (SERIAL_EPOCH + timedelta(days=float(value))).time()
        return None
    if isinstance(value, str) and value.strip():
        try:
            return time.fromisoformat(value.strip().replace(".", ":"))
        except ValueError:
            return None
    return None


def _parse_bool(column: Column, values: pd.Series, table: Table) -> pd.Series:
    parsed = values.map(_as_bool)
    _report(table, column, values[parsed.isna()], "TRUE or FALSE (a checkbox)")
    return parsed.fillna(False).astype(bool)


def _as_bool(value: Cell) -> bool | None:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, int | float):
        return bool(value) if value in (0, 1) else None
    text = str(value).strip().casefold()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    return None


def _parse_month(column: Column, values: pd.Series, table: Table) -> pd.Series:
    parsed = values.map(_as_month)
    filled = ~values.map(_is_blank)
    _report(table, column, values[filled & (parsed == "")], "a month like 2026-02")
    return parsed.astype(str)


def _as_month(value: Cell) -> str:
    if isinstance(value, str) and (match := MONTH.match(value.strip())):
        year, month = int(match[1]), int(match[2])
        return f"{year:04d}-{month:02d}" if 1 <= month <= 12 else ""
    moment = as_datetime(value)
    return moment.strftime("%Y-%m") if moment else ""


PARSERS: dict[Type, Callable[[Column, pd.Series, Table], pd.Series]] = {
    Type.TEXT: _parse_text,
    Type.CHOICE: _parse_choice,
    Type.EMAIL: _parse_email,
    Type.PHONE: _parse_phone,
    Type.NUMBER: _parse_number,
    Type.WHOLE: _parse_number,
    Type.DATE: _parse_dates,
    Type.DATETIME: _parse_dates,
    Type.TIME: _parse_time,
    Type.BOOL: _parse_bool,
    Type.MONTH: _parse_month,
}


def _check_required(table: Table) -> None:
    frame = table.frame
    for column in table.tab.staff:
        if not column.required or column.field not in frame:
            continue
        values = frame[column.field]
        missing = values.isna() | values.astype(str).eq("")
        for row in values.index[missing]:
            # A cell that was filled but unreadable already has its sentence.
            if _is_blank(table.raw(int(row), column.field)):
                table.add(int(row), f"{column.header}: blank, but every row needs one")


def check_duplicates(table: Table, field_name: str) -> None:
    """Flag every row whose ``field_name`` repeats another row's."""
    values = table.frame[field_name]
    keys = values.str.casefold().str.strip()
    repeated = keys[(keys != "") & keys.duplicated(keep=False)]
    header = table.tab.column(field_name).header
    typed = values.to_dict()
    for row, key in repeated.items():
        others = [str(r) for r in repeated.index[repeated == key] if r != row]
        table.add(
            int(str(row)),
            f"{header}: {typed[row]!r} is also on row {', '.join(others)}; "
            "give each row its own",
        )


def customer_keys(customers: pd.DataFrame) -> tuple[dict[str, str], dict[str, str]]:
    """Customer IDs looked up by ID and by name, case and spacing ignored."""
    ids = customers["customer_id"]
    by_id = {loose(i): i for i in ids if i}
    by_name = {
        loose(n): i for n, i in zip(customers["customer"], ids, strict=True) if n
    }
    return by_id, by_name


def find_customer(customers: pd.DataFrame, wanted: str) -> pd.Series:
    """The Customers row that ``wanted`` names, by Customer ID or exact name."""
    key = loose(wanted)
    for field_name in ("customer_id", "customer"):
        hits = customers[customers[field_name].map(loose) == key]
        if not hits.empty:
            return hits.iloc[0]
    raise SheetopsError(
        f"{wanted!r} is not on the Customers tab; give a Customer ID or the exact name"
    )


def resolve_customers(
    table: Table, by_id: dict[str, str], by_name: dict[str, str]
) -> pd.Series:
    """The Customer ID each row's Customer cell names, by ID or exact name.

    Case and spacing are ignored. A row naming no known customer gets a
    problem and ``""``; a blank cell gives ``""`` silently (the caller
    decides whether blank is allowed).
    """
    header = table.tab.column("customer").header
    values = table.frame["customer"]
    keys = values.str.replace(r"\s+", " ", regex=True).str.strip().str.casefold()
    found = keys.map(by_id).fillna(keys.map(by_name))

    unknown = (keys != "") & found.isna()
    for row, text in values[unknown].items():
        table.add(int(str(row)), f"{header}: {text!r} is not on the Customers tab")
    return found.fillna("").astype(str)
