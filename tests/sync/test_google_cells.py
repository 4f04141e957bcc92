"""How writes become batchUpdate requests: shapes, gaps, formats, size."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from sheetops import schema
from sheetops.settings import Settings
from sheetops.sync import google_write
from sheetops.sync.backend import CellWrite, RowGuard, WriteBatch
from sheetops.sync.google_cells import (
    BLOCK_ROWS,
    cell_data,
    column_letters,
    title_of_range,
    update_cells,
)
from tests.fakesheets import FakeSheetsServer
from tests.sync.test_google_helpers import (
    column_of,
    make_tracker,
    open_backend,
)

DATE_FORMAT = {"numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"}}


def text(value: str) -> dict[str, Any]:
    return {"userEnteredValue": {"stringValue": value}}


@pytest.mark.parametrize(
    ("number", "letters"),
    [(1, "A"), (26, "Z"), (27, "AA"), (52, "AZ"), (703, "AAA")],
)
def test_column_letters(number: int, letters: str) -> None:
    assert column_letters(number) == letters


@pytest.mark.parametrize(
    ("returned", "title"),
    [
        ("Customers!A1:S1000", "Customers"),
        ("'Time Log'!A1:L1000", "Time Log"),
        ("'Pak Budi''s tab'!A1:B2", "Pak Budi's tab"),
    ],
    ids=["plain", "spaces", "quote"],
)
def test_the_title_is_read_back_from_a_returned_range(
    returned: str, title: str
) -> None:
    assert title_of_range(returned) == title


def test_neighbouring_cells_on_consecutive_rows_share_one_request() -> None:
    cells = {(row, col): text(f"{row},{col}") for row in (2, 3, 4) for col in (5, 6)}

    requests = update_cells(7, cells)

    assert len(requests) == 1
    update = requests[0]["updateCells"]
    assert update["start"] == {"sheetId": 7, "rowIndex": 1, "columnIndex": 4}
    assert update["fields"] == "userEnteredValue"
    assert [len(row["values"]) for row in update["rows"]] == [2, 2, 2]


def test_a_gap_between_cells_is_never_inside_a_request() -> None:
    requests = update_cells(7, {(2, 1): text("a"), (2, 3): text("c")})

    starts = [r["updateCells"]["start"]["columnIndex"] for r in requests]
    assert starts == [0, 2]
    assert all(len(r["updateCells"]["rows"][0]["values"]) == 1 for r in requests)


def test_requests_are_cut_every_block_of_rows() -> None:
    cells = {(row, 1): text("x") for row in range(2, 2 + BLOCK_ROWS + 5)}

    requests = update_cells(7, cells)

    assert [len(r["updateCells"]["rows"]) for r in requests] == [BLOCK_ROWS, 5]


def test_date_formats_go_in_one_repeat_cell_per_rectangle() -> None:
    cells = {(row, 3): cell_data(date(2026, 2, row)) for row in range(2, 12)}

    requests = update_cells(7, cells)

    kinds = [next(iter(request)) for request in requests]
    assert kinds == ["updateCells", "repeatCell"]
    repeat = requests[1]["repeatCell"]
    assert repeat["range"] == {
        "sheetId": 7,
        "startRowIndex": 1,
        "endRowIndex": 11,
        "startColumnIndex": 2,
        "endColumnIndex": 3,
    }
    assert repeat["cell"] == {"userEnteredFormat": DATE_FORMAT}
    assert repeat["fields"] == "userEnteredFormat.numberFormat"
    values = requests[0]["updateCells"]["rows"]
    assert values[0]["values"] == [{"userEnteredValue": {"numberValue": 46055.0}}]


def test_blanks_between_writes_join_the_request_but_nothing_else_is_touched(
    settings: Settings, fake_sheets: FakeSheetsServer, key: Path
) -> None:
    customer = {"customer_id": "C-0001", "customer": "Warung", "tier": "R1"}
    book = make_tracker(fake_sheets, {"Customers": [customer, customer]})
    fake_sheets.store.edit_cell(book, "Customers", "M2", 0.5)
    backend = open_backend(settings, fake_sheets, key, book)
    snapshot = backend.read()
    first, last = column_of(schema.CUSTOMERS, "monthly_allocation"), 19
    writes = [CellWrite("Customers", 2, first, 1), CellWrite("Customers", 2, last, "x")]
    writes += [CellWrite("Customers", 3, c, 2) for c in range(first, last + 1)]
    guards = [RowGuard("Customers", r, (1, 2), ("C-0001", "Warung")) for r in (2, 3)]

    with pytest.MonkeyPatch.context() as patch:
        sent: list[bytes] = []
        patch.setattr(backend, "_send", sent.append)
        backend.write(WriteBatch(writes, guards), snapshot)

    body = sent[0].decode()
    assert body.count('"updateCells"') == 3
    backend.write(WriteBatch(writes, guards), snapshot)
    values = fake_sheets.store.values(book, "Customers")
    assert values[1][first - 1 : last] == [1, "", "", 0.5, *[""] * 5, "x"]
    assert values[2][:3] == ["C-0001", "Warung", "R1"]


def test_a_write_too_big_for_one_call_is_sent_in_several(
    settings: Settings, fake_sheets: FakeSheetsServer, key: Path
) -> None:
    customers = [
        {"customer_id": f"C-{n:04d}", "customer": f"Warung {n}", "tier": "R1"}
        for n in range(1, 41)
    ]
    book = make_tracker(fake_sheets, {"Customers": customers})
    backend = open_backend(settings, fake_sheets, key, book)
    snapshot = backend.read()
    hint = column_of(schema.CUSTOMERS, "hint")
    batch = WriteBatch()
    for row in range(2, 42):
        batch.writes.append(CellWrite("Customers", row, hint, "y" * 300))
        batch.guards.append(RowGuard("Customers", row, (1,), (f"C-{row - 1:04d}",)))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(google_write, "MAX_BODY_BYTES", 4000)
        patch.setattr("sheetops.sync.google_cells.BLOCK_ROWS", 5)
        backend.write(batch, snapshot)

    assert fake_sheets.counts()["batchUpdate"] == 4
    shown = [row[hint - 1] for row in fake_sheets.store.values(book, "Customers")[1:]]
    assert shown == ["y" * 300] * 40
