"""The tabs sheetops keeps for itself: Outbox, Usage History, Alerts, Status.

A ledger is read from a snapshot, changed in memory (rows appended,
fields of a row updated), and written back as one batch. Every row it
touches is guarded: an updated row must still hold its key, an appended
row must still be empty, so two writers never overwrite each other's
rows; the loser gets TrackerMovedError and tries again from a fresh read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import pandas as pd

from sheetops import schema
from sheetops.errors import TrackerLayoutError
from sheetops.rules.validation import Table, parse_tab
from sheetops.sync.backend import (
    Backend,
    Cell,
    CellWrite,
    RowGuard,
    Snapshot,
    WriteBatch,
    identity,
)
from sheetops.sync.diff import comparable


@dataclass
class Ledger:
    """One sheetops-kept tab, as read, plus the changes not yet written."""

    table: Table
    snapshot: Snapshot
    next_row: int
    writes: list[CellWrite] = field(default_factory=list)
    guards: dict[int, RowGuard] = field(default_factory=dict)

    @classmethod
    def read(cls, tab: schema.Tab, snapshot: Snapshot) -> Ledger:
        """The ledger ``tab`` as ``snapshot`` shows it."""
        title = snapshot.title(tab.name)
        if title is None:
            raise TrackerLayoutError(
                f"the tracker has no tab {tab.name!r}; run `sheetops init` to add it"
            )
        grid = snapshot.grids[title]
        table = parse_tab(tab, title, grid)
        return cls(table, snapshot, next_row=max(len(grid), 1) + 1)

    @property
    def tab(self) -> schema.Tab:
        return self.table.tab

    @property
    def frame(self) -> pd.DataFrame:
        """The rows as typed values, indexed by sheet row number."""
        return self.table.frame

    def rows(self) -> Iterator[tuple[int, dict[str, object]]]:
        """Each row's number and its values by field."""
        for number, values in self.frame.to_dict("index").items():
            yield int(str(number)), {str(k): v for k, v in values.items()}

    def find(self, key: str) -> int | None:
        """The row holding ``key`` in the tab's key column (case ignored)."""
        column = self._key_field()
        wanted = key.strip().casefold()
        hits = self.frame.index[self.frame[column].str.strip().str.casefold() == wanted]
        return int(hits[0]) if len(hits) else None

    def append(self, values: Mapping[str, Cell]) -> int:
        """Add a row at the end; return its row number."""
        row = self.next_row
        self.next_row += 1
        self._set(row, values)
        # The row must still be empty when the write lands: someone else's
        # append since our read would otherwise be overwritten.
        key_column = self.table.positions[self._key_field()] + 1
        self.guards[row] = RowGuard(self.table.title, row, (key_column,), ("",))
        return row

    def update(self, row: int, values: Mapping[str, Cell]) -> None:
        """Change some fields of an existing row."""
        if row not in self.guards:
            key = self._key_field()
            column = self.table.positions[key] + 1
            held = identity([self.table.raw(row, key)])
            self.guards[row] = RowGuard(self.table.title, row, (column,), held)
        self._set(row, values)

    def batch(self) -> WriteBatch:
        """The pending changes as one guarded batch."""
        return WriteBatch(writes=list(self.writes), guards=list(self.guards.values()))

    def save(self, backend: Backend) -> int:
        """Write the pending changes; return how many cells were written."""
        if not self.writes:
            return 0
        backend.write(self.batch(), self.snapshot)
        written = len(self.writes)
        self.writes.clear()
        self.guards.clear()
        return written

    def _set(self, row: int, values: Mapping[str, Cell]) -> None:
        for name, value in values.items():
            column = self.tab.column(name)
            index = self.table.positions[name]
            new = comparable(value, column)
            self.writes.append(CellWrite(self.table.title, row, index + 1, new))

    def _key_field(self) -> str:
        return self.tab.key or self.tab.columns[0].field
