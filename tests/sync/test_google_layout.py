"""``sheetops init`` on a Google Sheet: what prepare lays out, and only once."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from sheetops import schema
from sheetops.settings import Settings
from sheetops.sync.backend import Grid
from sheetops.sync.google import GoogleBackend
from sheetops.sync.google_layout import PROTECTED
from sheetops.sync.setup import seed_grids
from tests.fakesheets import FakeSheetsServer
from tests.sync.test_google_helpers import api_calls, open_backend, stored


@pytest.fixture
def book(fake_sheets: FakeSheetsServer) -> str:
    return fake_sheets.store.create_spreadsheet("New tracker")


@pytest.fixture
def backend(
    settings: Settings, fake_sheets: FakeSheetsServer, key: Path, book: str
) -> GoogleBackend:
    return open_backend(settings, fake_sheets, key, book)


@pytest.fixture
def grids(settings: Settings, as_of: datetime) -> dict[str, Grid]:
    """What ``sheetops init`` seeds: the catalog and the holidays."""
    return seed_grids(settings, as_of)


def test_prepare_lays_out_a_new_spreadsheet_then_a_second_run_writes_nothing(
    backend: GoogleBackend, fake_sheets: FakeSheetsServer, grids: dict[str, Grid]
) -> None:
    first = backend.prepare(schema.TABS, grids)
    assert fake_sheets.counts()["batchUpdate"] == 1
    fake_sheets.reset_counters()

    second = backend.prepare(schema.TABS, grids)

    assert "created tab Customers" in first
    assert second == []
    assert fake_sheets.counts()["batchUpdate"] == 0
    assert api_calls(fake_sheets) == 2


def test_new_tabs_get_headers_seed_rows_and_a_frozen_header_row(
    backend: GoogleBackend,
    fake_sheets: FakeSheetsServer,
    book: str,
    grids: dict[str, Grid],
) -> None:
    done = backend.prepare(schema.TABS, grids)

    store = fake_sheets.store
    catalog = store.values(book, "Catalog")
    assert catalog[0] == schema.CATALOG.headers
    assert catalog[1][0] == grids["Catalog"][0][0]
    assert f"added {len(grids['Catalog'])} rows to Catalog" in done
    for tab in schema.TABS:
        properties = store.sheet_properties(book, tab.name)
        assert properties["gridProperties"]["frozenRowCount"] == 1
        assert store.values(book, tab.name)[0][: len(tab.headers)] == tab.headers
    holiday = stored(fake_sheets, book, "Holidays", 2, 1)
    assert holiday.fmt["numberFormat"]["type"] == "DATE"


def test_headers_are_bold_and_computed_ones_italic_on_grey(
    backend: GoogleBackend,
    fake_sheets: FakeSheetsServer,
    book: str,
    grids: dict[str, Grid],
) -> None:
    backend.prepare(schema.TABS, grids)

    customer = stored(fake_sheets, book, "Customers", 1, 2).fmt
    remaining = stored(fake_sheets, book, "Customers", 1, 13).fmt
    assert customer["textFormat"] == {"bold": True, "italic": False}
    assert "backgroundColor" not in customer
    assert remaining["textFormat"] == {"bold": True, "italic": True}
    assert remaining["backgroundColor"]["red"] == pytest.approx(0.85, abs=0.01)


def test_pick_from_columns_get_dropdowns_and_checkboxes(
    backend: GoogleBackend,
    fake_sheets: FakeSheetsServer,
    book: str,
    grids: dict[str, Grid],
) -> None:
    backend.prepare(schema.TABS, grids)

    rules = fake_sheets.store.validations(book, "Requests")
    urgency = rules["F2"]["condition"]
    assert urgency["type"] == "ONE_OF_LIST"
    assert [v["userEnteredValue"] for v in urgency["values"]] == list(schema.URGENCIES)
    assert rules["T2"]["condition"] == {"type": "BOOLEAN"}
    catalog = rules["I2"]
    assert catalog["condition"] == {
        "type": "ONE_OF_RANGE",
        "values": [{"userEnteredValue": "='Catalog'!$A$2:$A"}],
    }
    assert catalog["strict"] is False
    assert "A2" not in rules
    assert "F1" not in rules


def test_computed_columns_are_protected_with_a_warning(
    backend: GoogleBackend,
    fake_sheets: FakeSheetsServer,
    book: str,
    grids: dict[str, Grid],
) -> None:
    backend.prepare(schema.TABS, grids)

    protected = fake_sheets.store.protected_ranges(book)
    sheet_id = fake_sheets.store.sheet_properties(book, "Customers")["sheetId"]
    columns = sorted(
        p["range"]["startColumnIndex"]
        for p in protected
        if p["range"].get("sheetId") == sheet_id
    )
    assert columns == [c - 1 for c in range(10, 20)]
    assert {p["description"] for p in protected} == {PROTECTED}
    assert all(p["warningOnly"] for p in protected)


def test_sla_and_remaining_are_coloured_by_conditional_formats(
    backend: GoogleBackend,
    fake_sheets: FakeSheetsServer,
    book: str,
    grids: dict[str, Grid],
) -> None:
    backend.prepare(schema.TABS, grids)

    with fake_sheets.store.locked():
        requests = fake_sheets.store.sheet(book, "Requests").conditional_formats
        customers = fake_sheets.store.sheet(book, "Customers").conditional_formats
    conditions = set()
    for rule in requests + customers:
        condition = rule["booleanRule"]["condition"]
        value = condition["values"][0]["userEnteredValue"]
        column = rule["ranges"][0]["startColumnIndex"]
        conditions.add((condition["type"], value, column))
    sla = schema.REQUESTS.headers.index("SLA")
    remaining = schema.CUSTOMERS.headers.index("Remaining")
    assert conditions == {
        ("TEXT_STARTS_WITH", "breached", sla),
        ("TEXT_STARTS_WITH", "at risk", sla),
        ("NUMBER_LESS_THAN_EQ", "0", remaining),
    }


def test_an_existing_tab_gets_only_its_missing_headers_after_its_own(
    settings: Settings, fake_sheets: FakeSheetsServer, key: Path
) -> None:
    book = fake_sheets.store.create_spreadsheet(
        "Old tracker",
        {
            "Catalog": [
                ["Task", "Notes", "Min (min)", "Max (min)"],
                ["Landing page", "ask Dewi", 60, 120],
            ]
        },
        columns=5,
    )
    backend = open_backend(settings, fake_sheets, key, book)

    done = backend.prepare([schema.CATALOG], {"Catalog": [["Ignored", 1, 2, ""]]})

    values = fake_sheets.store.values(book, "Catalog")
    assert values == [
        ["Task", "Notes", "Min (min)", "Max (min)", "Example", "Problems"],
        ["Landing page", "ask Dewi", 60, 120],
    ]
    assert done[:2] == [
        "added column 'Example' to Catalog",
        "added column 'Problems' to Catalog",
    ]
    assert "froze the header row of Catalog" in done


def test_prepare_changes_nothing_already_in_place(
    backend: GoogleBackend,
    fake_sheets: FakeSheetsServer,
    book: str,
    grids: dict[str, Grid],
) -> None:
    backend.prepare(schema.TABS, grids)
    fake_sheets.store.edit_cell(book, "Customers", "B2", "Warung Sate")
    before = fake_sheets.store.values(book, "Customers")

    done = backend.prepare(schema.TABS, {"Customers": [["C-9", "Someone else"]]})

    assert done == []
    assert fake_sheets.store.values(book, "Customers") == before
