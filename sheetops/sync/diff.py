"""Compare what the rules computed with what the sheet shows.

Only cells whose value really changed are written: a number the sheet
shows as 0.5 and the rules compute as 0.5000001 is the same cell, and so
is a date the sheet stores as a serial number. That is what makes a
second sync with no edits write nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from sheetops.rules.validation import Table, as_datetime
from sheetops.schema import Column, Type
from sheetops.sync.backend import Cell, CellWrite, RowGuard, identity


@dataclass(frozen=True)
class Change:
    """One cell sheetops will change, as a person would describe it."""

    tab: str
    row: int
    key: str
    header: str
    old: Cell
    new: Cell

    def describe(self) -> str:
        """'Customers C-0003 Remaining: 0.5 → 0.25'."""
        where = self.key or f"row {self.row}"
        return (
            f"{self.tab} {where} {self.header}: {_shown(self.old)} → {_shown(self.new)}"
        )


def _shown(value: Cell) -> str:
    if value is None or value == "":
        return "(blank)"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        return str(value)
    return repr(value if len(value) <= 60 else value[:57] + "...")


def comparable(value: object, column: Column) -> Cell:
    """A cell value in the form used both to compare and to write."""
    if _missing(value):
        return None
    kind = column.type
    if kind in (Type.NUMBER, Type.WHOLE):
        return _number(value, whole=kind is Type.WHOLE)
    if kind is Type.DATE:
        moment = as_datetime(_plain(value))
        return moment.date() if moment else _text(value)
    if kind is Type.DATETIME:
        moment = as_datetime(_plain(value))
        return moment.replace(second=0, microsecond=0) if moment else _text(value)
    if kind is Type.BOOL:
        return value if isinstance(value, bool) else _text(value)
    return _text(value)


def _missing(value: object) -> bool:
    if value is None or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _plain(value: object) -> Cell:
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value  # type: ignore[return-value]


def _number(value: object, *, whole: bool) -> Cell:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return _text(value)
    try:
        number = float(value)
    except ValueError:
        return _text(value)
    if whole:
        return round(number)
    return round(number, 2)


def _text(value: object) -> str | None:
    text = str(value).strip()
    return text or None


def plan_writes(
    table: Table, computed: pd.DataFrame, formulas: frozenset[str] = frozenset()
) -> tuple[list[Change], list[CellWrite]]:
    """The changes that bring ``table``'s computed cells to ``computed``.

    ``formulas`` names the fields that may hold sheetops' own formulas; a
    value there is entered as a formula only when it starts with "=".
    Rows whose staff cells are all blank but that still show computed
    values (a row a person emptied) have those values cleared.
    """
    changes: list[Change] = []
    writes: list[CellWrite] = []
    columns = [
        c
        for c in table.tab.computed
        if c.field in table.positions and c.field in computed
    ]
    for column in columns:
        new_values = computed[column.field]
        for row, value in new_values.items():
            _plan_cell(
                table,
                int(str(row)),
                column,
                value,
                column.field in formulas,
                changes,
                writes,
            )

    for row in _orphan_rows(table):
        for column in table.tab.computed:
            if column.field in table.positions:
                _plan_cell(table, row, column, None, False, changes, writes)
    return changes, writes


def _plan_cell(
    table: Table,
    row: int,
    column: Column,
    value: object,
    formula: bool,
    changes: list[Change],
    writes: list[CellWrite],
) -> None:
    old = table.raw(row, column.field)
    new = comparable(value, column)
    if comparable(old, column) == new:
        return
    changes.append(
        Change(table.title, row, row_key(table, row), column.header, old, new)
    )
    formula = formula and isinstance(new, str) and new.startswith("=")
    writes.append(
        CellWrite(table.title, row, table.positions[column.field] + 1, new, formula)
    )


def _orphan_rows(table: Table) -> list[int]:
    return [row for row in table.orphans if row not in table.frame.index]


def row_key(table: Table, row: int) -> str:
    """How a person finds the row: its ID, or its row number."""
    key = table.tab.key
    if key and row in table.frame.index:
        return str(table.frame.at[row, key])
    return ""


def guards_for(table: Table, rows: set[int]) -> list[RowGuard]:
    """What each written row must still hold when the write lands.

    The ID cell when the tab has one and it is filled; otherwise every
    staff cell, which is as close to an identity as a row without an ID
    gets.
    """
    guards = []
    staff_fields = [c.field for c in table.tab.staff if c.field in table.positions]
    for row in sorted(rows):
        key = table.tab.key
        fields = (
            [key] if key and table.raw(row, key) not in (None, "") else staff_fields
        )
        columns = tuple(table.positions[f] + 1 for f in fields)
        values = identity([table.raw(row, f) for f in fields])
        guards.append(RowGuard(table.title, row, columns, values))
    return guards
