"""What the engine needs from a tracker, whichever backend holds it.

A backend reads every tab as a grid of plain values, writes a batch of
cell changes in one go, and lays out tabs for ``init``. It knows nothing
of tiers, budgets or SLAs; the engine knows nothing of openpyxl or the
Sheets API.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Protocol

from sheetops.schema import Tab

# What one cell holds once read: the backends agree on these types.
Cell = str | int | float | bool | date | datetime | time | None
Grid = list[list[Cell]]


@dataclass(frozen=True)
class Snapshot:
    """Every tab as read in one go, header row first.

    ``version`` lets a backend tell, at write time, whether the tracker
    changed since this read (a file's modification stamp, for example).
    """

    grids: dict[str, Grid]
    version: str = ""

    def grid(self, title: str) -> Grid | None:
        """The grid of a tab, found by name with case and spacing ignored."""
        wanted = " ".join(title.split()).casefold()
        for name, grid in self.grids.items():
            if " ".join(name.split()).casefold() == wanted:
                return grid
        return None

    def title(self, name: str) -> str | None:
        """The tab's title as it is spelt in this tracker."""
        wanted = " ".join(name.split()).casefold()
        for title in self.grids:
            if " ".join(title.split()).casefold() == wanted:
                return title
        return None


@dataclass(frozen=True)
class CellWrite:
    """Put ``value`` in one cell. Rows and columns count from 1, as in A1.

    ``formula`` marks sheetops' own formulas (a HYPERLINK); everything
    else is written as a plain value, so text a person typed that starts
    with ``=`` stays text.
    """

    tab: str
    row: int
    column: int
    value: Cell
    formula: bool = False


@dataclass(frozen=True)
class RowGuard:
    """What a row must still hold for writes to it to land there.

    ``columns`` (1-based) and ``values`` are the row's identity: its ID, or
    for tabs without one, its staff cells. A backend that can see rows
    move re-reads these right before writing and moves each write to the
    row that now holds the same identity, or refuses.
    """

    tab: str
    row: int
    columns: tuple[int, ...]
    values: tuple[str, ...]


@dataclass
class WriteBatch:
    """All the changes of one cycle, with the identities they depend on."""

    writes: list[CellWrite] = field(default_factory=list)
    guards: list[RowGuard] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.writes)

    def extend(self, other: WriteBatch) -> None:
        """Add another batch's writes and guards to this one."""
        self.writes.extend(other.writes)
        self.guards.extend(other.guards)


class Backend(Protocol):
    """A tracker that can be read whole and written in batches."""

    location: str

    def read(self) -> Snapshot:
        """Every tab, in one read."""
        ...

    def write(self, batch: WriteBatch, snapshot: Snapshot) -> None:
        """Write the whole batch or nothing.

        Raises TrackerMovedError when the tracker changed since
        ``snapshot`` in a way the writes can't follow; the caller redoes
        the cycle from a fresh read.
        """
        ...

    def prepare(self, tabs: Sequence[Tab], seed: dict[str, Grid]) -> list[str]:
        """Create what is missing for ``tabs`` and say what was done.

        Missing tabs get their headers and, when ``seed`` has rows for
        them, those rows; existing tabs get only missing headers added at
        their end. Computed headers are shaded, the header row frozen,
        dropdowns set. Nothing that exists is changed.
        """
        ...


def identity(values: Sequence[Cell]) -> tuple[str, ...]:
    """A row identity that compares equal across backends and re-reads."""
    return tuple(_identity_text(v) for v in values)


def _identity_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    return str(value).strip()
