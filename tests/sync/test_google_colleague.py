"""A colleague edits the sheet between our read and our write.

The fake's hook plays the colleague, just before the backend re-reads the
identities (the ``get`` call). Every colleague edit must survive, and
every write must land on the row holding its identity, or not at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sheetops import schema
from sheetops.errors import TrackerMovedError
from sheetops.settings import Settings
from sheetops.sync.backend import CellWrite, RowGuard, Snapshot, WriteBatch
from sheetops.sync.google import GoogleBackend
from tests.fakesheets import FakeSheetsServer, Store
from tests.sync.test_google_helpers import (
    column_of,
    make_tracker,
    open_backend,
)

CUSTOMERS = [
    {"customer_id": f"C-{n:04d}", "customer": f"Warung {n}", "tier": "R1"}
    for n in range(1, 11)
]
HINT = column_of(schema.CUSTOMERS, "hint")
TIER = column_of(schema.CUSTOMERS, "tier")


@pytest.fixture
def book(fake_sheets: FakeSheetsServer) -> str:
    return make_tracker(fake_sheets, {"Customers": CUSTOMERS})


@pytest.fixture
def backend(
    settings: Settings, fake_sheets: FakeSheetsServer, key: Path, book: str
) -> GoogleBackend:
    return open_backend(settings, fake_sheets, key, book)


def hints(snapshot: Snapshot, only: set[str] | None = None) -> WriteBatch:
    """A Hint naming each customer, on its row, guarded by its Customer ID."""
    batch = WriteBatch()
    title = snapshot.title("Customers") or "Customers"
    for number, row in enumerate(snapshot.grids[title][1:], start=2):
        if only is None or row[0] in only:
            text = f"hint for {row[0]}"
            batch.writes.append(CellWrite(title, number, HINT, text))
            batch.guards.append(RowGuard(title, number, (1,), (str(row[0]),)))
    return batch


def rows(fake: FakeSheetsServer, book: str) -> list[list[Any]]:
    return fake.store.values(book, "Customers")[1:]


def assert_hints_on_their_rows(fake: FakeSheetsServer, book: str) -> None:
    for row in rows(fake, book):
        hint = row[HINT - 1] if len(row) >= HINT else ""
        assert hint in ("", f"hint for {row[0]}")


def test_a_row_inserted_above_moves_the_writes_down(
    backend: GoogleBackend, fake_sheets: FakeSheetsServer, book: str
) -> None:
    snapshot = backend.read()
    fake_sheets.before_next(
        "get",
        lambda store: store.insert_rows(
            book, "Customers", 2, [["C-0100", "Kopi Baru", "R3"]]
        ),
    )

    backend.write(hints(snapshot), snapshot)

    found = rows(fake_sheets, book)
    assert found[0] == ["C-0100", "Kopi Baru", "R3"]
    assert [row[HINT - 1] for row in found[1:]] == [
        f"hint for C-{n:04d}" for n in range(1, 11)
    ]


def test_a_deleted_row_elsewhere_moves_the_writes_up(
    backend: GoogleBackend, fake_sheets: FakeSheetsServer, book: str
) -> None:
    snapshot = backend.read()
    fake_sheets.before_next(
        "get", lambda store: store.delete_rows(book, "Customers", 4)
    )

    backend.write(hints(snapshot, only={"C-0010"}), snapshot)

    found = rows(fake_sheets, book)
    assert len(found) == 9
    assert found[-1][0] == "C-0010"
    assert found[-1][HINT - 1] == "hint for C-0010"
    assert_hints_on_their_rows(fake_sheets, book)


def test_a_deleted_row_that_was_written_refuses_the_whole_write(
    backend: GoogleBackend, fake_sheets: FakeSheetsServer, book: str
) -> None:
    snapshot = backend.read()
    fake_sheets.before_next(
        "get", lambda store: store.delete_rows(book, "Customers", 6)
    )

    with pytest.raises(TrackerMovedError, match=r"row 6 of Customers.*it is gone"):
        backend.write(hints(snapshot), snapshot)

    assert fake_sheets.counts()["batchUpdate"] == 0
    assert all(len(row) < HINT for row in rows(fake_sheets, book))


def test_a_sorted_tab_is_followed_row_by_row(
    backend: GoogleBackend, fake_sheets: FakeSheetsServer, book: str
) -> None:
    snapshot = backend.read()
    fake_sheets.before_next(
        "get",
        lambda store: store.sort_rows(book, "Customers", "A", descending=True),
    )

    backend.write(hints(snapshot), snapshot)

    found = rows(fake_sheets, book)
    assert [row[0] for row in found] == [f"C-{n:04d}" for n in range(10, 0, -1)]
    assert [row[HINT - 1] for row in found] == [f"hint for {row[0]}" for row in found]


def test_staff_edits_made_meanwhile_all_survive(
    backend: GoogleBackend, fake_sheets: FakeSheetsServer, book: str
) -> None:
    snapshot = backend.read()

    def colleague(store: Store) -> None:
        store.edit_cell(book, "Customers", "B3", "Warung Dua (renamed)")
        store.edit_cell(book, "Customers", "C5", "R3")
        store.set_values(book, "Customers", "A12", [["C-0011", "Toko Baru", "R2"]])

    fake_sheets.before_next("get", colleague)

    backend.write(hints(snapshot), snapshot)

    found = rows(fake_sheets, book)
    assert found[1][1] == "Warung Dua (renamed)"
    assert found[3][TIER - 1] == "R3"
    assert found[10] == ["C-0011", "Toko Baru", "R2"]
    assert [row[HINT - 1] for row in found[:10]] == [
        f"hint for C-{n:04d}" for n in range(1, 11)
    ]


def test_an_identity_now_on_two_rows_refuses_the_write(
    backend: GoogleBackend, fake_sheets: FakeSheetsServer, book: str
) -> None:
    snapshot = backend.read()
    fake_sheets.before_next(
        "get",
        lambda store: store.insert_rows(book, "Customers", 2, [["C-0004", "Copy"]]),
    )

    with pytest.raises(TrackerMovedError, match=r"now on rows \[2, 6\]"):
        backend.write(hints(snapshot), snapshot)

    assert fake_sheets.counts()["batchUpdate"] == 0


def test_a_column_inserted_meanwhile_refuses_the_write(
    backend: GoogleBackend, fake_sheets: FakeSheetsServer, book: str
) -> None:
    snapshot = backend.read()

    def colleague(store: Store) -> None:
        store.sheet(book, "Customers").insert_columns(3, 1)
        store.edit_cell(book, "Customers", "D1", "Notes")

    fake_sheets.before_next("get", colleague)

    with pytest.raises(TrackerMovedError, match="header row of Customers changed"):
        backend.write(hints(snapshot), snapshot)

    assert fake_sheets.counts()["batchUpdate"] == 0


def test_an_append_onto_a_row_filled_meanwhile_is_refused(
    backend: GoogleBackend, fake_sheets: FakeSheetsServer, book: str
) -> None:
    snapshot = backend.read()
    append = WriteBatch(
        [CellWrite("Customers", 12, 1, "C-0099")],
        [RowGuard("Customers", 12, (1,), ("",))],
    )
    fake_sheets.before_next(
        "get",
        lambda store: store.set_values(book, "Customers", "A12", [["C-0011"]]),
    )

    with pytest.raises(TrackerMovedError, match="row 12 of Customers"):
        backend.write(append, snapshot)

    assert rows(fake_sheets, book)[-1] == ["C-0011"]


def test_a_tab_renamed_meanwhile_redoes_the_cycle_and_is_found_again(
    backend: GoogleBackend, fake_sheets: FakeSheetsServer, book: str
) -> None:
    snapshot = backend.read()

    def rename(store: Store) -> None:
        store.sheet(book, "Customers").props["title"] = "Customers  "

    fake_sheets.before_next("get", rename)

    with pytest.raises(TrackerMovedError, match="renamed or deleted"):
        backend.write(hints(snapshot), snapshot)

    again = backend.read()
    assert again.title("Customers") == "Customers  "
    backend.write(hints(again), again)
    found = fake_sheets.store.values(book, "Customers  ")[1:]
    assert [row[HINT - 1] for row in found] == [f"hint for {r[0]}" for r in found]
