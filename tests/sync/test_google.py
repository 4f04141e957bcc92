"""The Google Sheets backend against the fake: reading, writing, signing in."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, time
from pathlib import Path

import pytest

from sheetops import schema
from sheetops.errors import TrackerError
from sheetops.settings import Settings
from sheetops.sync.backend import Cell, CellWrite, RowGuard, WriteBatch
from sheetops.sync.google import GoogleBackend
from sheetops.sync.google_auth import SCOPES, sign_in
from tests.fakesheets import FakeSheetsServer
from tests.fakesheets.plugin import SERVICE_ACCOUNT_EMAIL
from tests.sync.test_google_helpers import (
    api_calls,
    column_of,
    google_settings,
    make_tracker,
    open_backend,
    stored,
)

CUSTOMER: dict[str, Cell] = {
    "customer_id": "C-0001",
    "customer": "Warung Sate",
    "tier": "R2",
    "start_date": "2025-06-01",
    "active": True,
}
HINT = column_of(schema.CUSTOMERS, "hint")
REMAINING = column_of(schema.CUSTOMERS, "remaining")
RESET = column_of(schema.CUSTOMERS, "reset_date")


@pytest.fixture
def book(fake_sheets: FakeSheetsServer) -> str:
    return make_tracker(fake_sheets, {"Customers": [CUSTOMER]})


@pytest.fixture
def backend(
    settings: Settings, fake_sheets: FakeSheetsServer, key: Path, book: str
) -> GoogleBackend:
    return open_backend(settings, fake_sheets, key, book)


def guarded(*writes: CellWrite, identity: str = "C-0001") -> WriteBatch:
    """A batch writing to row 2 of Customers, guarded by its Customer ID."""
    return WriteBatch(list(writes), [RowGuard("Customers", 2, (1,), (identity,))])


def test_read_is_one_values_batch_get_of_every_tab(
    backend: GoogleBackend, fake_sheets: FakeSheetsServer
) -> None:
    snapshot = backend.read()

    assert fake_sheets.counts()["values.batchGet"] == 1
    assert api_calls(fake_sheets) == 1
    assert set(snapshot.grids) == {tab.name for tab in schema.TABS}
    assert snapshot.grids["Customers"][1][:3] == ["C-0001", "Warung Sate", "R2"]


def test_read_gives_dates_as_serial_numbers_and_booleans_as_booleans(
    backend: GoogleBackend,
) -> None:
    row = backend.read().grids["Customers"][1]

    # 2025-06-01 is day 45809 counted from 1899-12-30.
    assert row[3] == 45809
    assert row[8] is True


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain text", "plain text"),
        (42, 42),
        (2.5, 2.5),
        (True, True),
        (False, False),
        (date(2026, 2, 5), 46058),
        (datetime(2026, 2, 5, 18, 0), 46058.75),
        (time(6, 0), 0.25),
        (None, None),
        (float("nan"), None),
    ],
    ids=[
        "text",
        "whole",
        "fraction",
        "true",
        "false",
        "date",
        "datetime",
        "time",
        "blank",
        "not-a-number",
    ],
)
def test_every_cell_type_round_trips(
    backend: GoogleBackend, value: Cell, expected: Cell
) -> None:
    snapshot = backend.read()

    backend.write(guarded(CellWrite("Customers", 2, HINT, value)), snapshot)

    row = backend.read().grids["Customers"][1]
    assert (row[HINT - 1] if len(row) >= HINT else None) == expected


@pytest.mark.parametrize(
    ("value", "kind", "pattern", "shown"),
    [
        (date(2026, 2, 5), "DATE", "yyyy-mm-dd", "2026-02-05"),
        (
            datetime(2026, 2, 5, 17, 0),
            "DATE_TIME",
            "yyyy-mm-dd hh:mm",
            "2026-02-05 17:00",
        ),
        (time(9, 30), "TIME", "hh:mm", "09:30"),
    ],
    ids=["date", "datetime", "time"],
)
def test_dates_are_written_as_serials_with_a_date_format(
    backend: GoogleBackend,
    fake_sheets: FakeSheetsServer,
    book: str,
    value: Cell,
    kind: str,
    pattern: str,
    shown: str,
) -> None:
    backend.write(guarded(CellWrite("Customers", 2, RESET, value)), backend.read())

    cell = stored(fake_sheets, book, "Customers", 2, RESET)
    assert isinstance(cell.value, float)
    assert cell.fmt["numberFormat"] == {"type": kind, "pattern": pattern}
    assert fake_sheets.store.formatted_values(book, "Customers")[1][RESET - 1] == shown


def test_numbers_keep_the_format_staff_gave_the_cell(
    backend: GoogleBackend, fake_sheets: FakeSheetsServer, book: str
) -> None:
    rupiah = {"type": "CURRENCY", "pattern": '"Rp "#,##0'}
    with fake_sheets.store.locked():
        cell = fake_sheets.store.sheet(book, "Customers").cell_for_write(
            1, REMAINING - 1
        )
        cell.fmt["numberFormat"] = rupiah

    backend.write(guarded(CellWrite("Customers", 2, REMAINING, 250000)), backend.read())

    cell = stored(fake_sheets, book, "Customers", 2, REMAINING)
    assert (cell.value, cell.fmt["numberFormat"]) == (250000.0, rupiah)


@pytest.mark.parametrize(
    "text",
    [
        "=SUM(A1:A3) shows the wrong total",
        "+62 812 3456 7890 please call",
        "-5 hours were billed, why?",
        "@dewi can you check",
        '=HYPERLINK("https://evil.example","click")',
    ],
    ids=["equals", "plus", "minus", "at", "hyperlink-text"],
)
def test_text_starting_like_a_formula_is_stored_as_text(
    backend: GoogleBackend, fake_sheets: FakeSheetsServer, book: str, text: str
) -> None:
    backend.write(guarded(CellWrite("Customers", 2, HINT, text)), backend.read())

    cell = stored(fake_sheets, book, "Customers", 2, HINT)
    assert (cell.value, cell.formula) == (text, None)
    assert backend.read().grids["Customers"][1][HINT - 1] == text


def test_sheetops_hyperlink_is_stored_as_a_formula(
    backend: GoogleBackend, fake_sheets: FakeSheetsServer, book: str
) -> None:
    link = '=HYPERLINK("https://wa.me/6281234567890","WhatsApp")'

    backend.write(
        guarded(CellWrite("Customers", 2, HINT, link, formula=True)), backend.read()
    )

    cell = stored(fake_sheets, book, "Customers", 2, HINT)
    assert (cell.value, cell.formula) == (None, link)
    assert fake_sheets.store.formatted_values(book, "Customers")[1][HINT - 1] == (
        "WhatsApp"
    )
    assert backend.read().grids["Customers"][1][HINT - 1] == link


def test_a_formula_write_must_be_a_formula(backend: GoogleBackend) -> None:
    with pytest.raises(ValueError, match="starting with '='"):
        backend.write(
            guarded(CellWrite("Customers", 2, HINT, "https://x", formula=True)),
            backend.read(),
        )


def test_write_of_changed_cells_is_two_calls_and_of_nothing_none(
    backend: GoogleBackend, fake_sheets: FakeSheetsServer
) -> None:
    snapshot = backend.read()
    fake_sheets.reset_counters()

    backend.write(WriteBatch(), snapshot)
    assert api_calls(fake_sheets) == 0

    writes = [CellWrite("Customers", 2, c, 1.5) for c in range(10, 14)]
    backend.write(guarded(*writes), snapshot)
    assert fake_sheets.counts() == {"get": 1, "batchUpdate": 1}


def test_write_grows_the_grid_past_its_last_row(
    settings: Settings, fake_sheets: FakeSheetsServer, key: Path
) -> None:
    book = fake_sheets.store.create_spreadsheet(
        "Tracker", {"Status": [list(schema.STATUS.headers)]}, rows=3
    )
    backend = open_backend(settings, fake_sheets, key, book)

    backend.write(WriteBatch([CellWrite("Status", 6, 1, "Last Sync")]), backend.read())

    assert (
        fake_sheets.store.sheet_properties(book, "Status")["gridProperties"]["rowCount"]
        == 6
    )
    assert stored(fake_sheets, book, "Status", 6, 1).value == "Last Sync"


def test_a_renamed_tab_is_found_once_then_read_in_one_call(
    settings: Settings, fake_sheets: FakeSheetsServer, key: Path
) -> None:
    book = fake_sheets.store.create_spreadsheet(
        "Tracker",
        {"customers": [["Customer ID"], ["C-0001"]], "Time  Log": [["Date"]]},
    )
    backend = open_backend(settings, fake_sheets, key, book)

    first = backend.read()
    assert fake_sheets.counts() == {"token": 1, "values.batchGet": 2, "get": 1}
    fake_sheets.reset_counters()
    second = backend.read()

    assert api_calls(fake_sheets) == 1
    assert set(first.grids) == set(second.grids) == {"customers", "Time  Log"}
    assert second.grid("Customers") == [["Customer ID"], ["C-0001"]]


def test_a_time_zone_other_than_jakarta_is_warned_about_once(
    backend: GoogleBackend, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="sheetops.sync.google")

    for text in ("first", "second"):
        backend.write(guarded(CellWrite("Customers", 2, HINT, text)), backend.read())

    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1
    assert "time zone is Etc/GMT, not Asia/Jakarta" in warnings[0]


def test_a_jakarta_spreadsheet_gets_no_time_zone_warning(
    backend: GoogleBackend,
    fake_sheets: FakeSheetsServer,
    book: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake_sheets.store.book(book).props["timeZone"] = "Asia/Jakarta"
    caplog.set_level(logging.WARNING, logger="sheetops.sync.google")

    backend.write(guarded(CellWrite("Customers", 2, HINT, "x")), backend.read())

    assert backend.describe().time_zone == "Asia/Jakarta"
    assert caplog.records == []


def test_an_unknown_key_says_to_check_the_url(
    settings: Settings, fake_sheets: FakeSheetsServer, key: Path
) -> None:
    backend = open_backend(
        settings, fake_sheets, key, "1NoSuchSpreadsheetKey000000000000"
    )

    with pytest.raises(
        TrackerError, match=r"no spreadsheet with key 1NoSuch\w+: check the URL"
    ):
        backend.read()


def test_an_unshared_sheet_names_the_account_to_share_with(
    backend: GoogleBackend, fake_sheets: FakeSheetsServer, book: str
) -> None:
    fake_sheets.store.unshare(book, SERVICE_ACCOUNT_EMAIL)

    with pytest.raises(TrackerError) as caught:
        backend.read()

    assert str(caught.value) == (
        f"the sheet is not shared with {SERVICE_ACCOUNT_EMAIL}: open it, click "
        f"Share and add {SERVICE_ACCOUNT_EMAIL} as Editor"
    )


def test_credentials_ask_for_the_spreadsheets_scope_only(
    settings: Settings, fake_sheets: FakeSheetsServer, key: Path
) -> None:
    signed = sign_in(google_settings(settings, fake_sheets, key), environ={})

    assert tuple(getattr(signed.credentials, "scopes", ())) == SCOPES
    assert signed.account == SERVICE_ACCOUNT_EMAIL


def test_no_credentials_configured_names_the_settings(
    settings: Settings, fake_sheets: FakeSheetsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)

    with pytest.raises(TrackerError, match=r"set \[google\] credentials"):
        GoogleBackend("1abc", google_settings(settings, fake_sheets, ""))


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (None, "there is no such file"),
        ("not json", "it is not JSON"),
        ('{"type": "external_account"}', "its type is 'external_account'"),
        ('{"type": "service_account"}', "it is incomplete or damaged"),
    ],
    ids=["missing", "not-json", "wrong-type", "incomplete"],
)
def test_an_unusable_credentials_file_is_named_with_the_setting(
    settings: Settings,
    fake_sheets: FakeSheetsServer,
    tmp_path: Path,
    content: str | None,
    why: str,
) -> None:
    path = tmp_path / "key.json"
    if content is not None:
        path.write_text(content)

    with pytest.raises(TrackerError) as caught:
        GoogleBackend("1abc", google_settings(settings, fake_sheets, path))

    message = str(caught.value)
    assert message.startswith(f"[google] credentials names {path}, but {why}")
    assert "private_key" not in message


def test_the_environment_variable_is_used_when_no_setting_is(
    settings: Settings,
    fake_sheets: FakeSheetsServer,
    key: Path,
    book: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key))

    backend = GoogleBackend(book, google_settings(settings, fake_sheets, ""))

    assert backend.read().grids["Customers"][1][0] == "C-0001"
    assert fake_sheets.token_accounts == [SERVICE_ACCOUNT_EMAIL]


def test_an_authorized_user_token_file_signs_in(
    settings: Settings, fake_sheets: FakeSheetsServer, tmp_path: Path, book: str
) -> None:
    token = tmp_path / "authorized_user.json"
    token.write_text(
        json.dumps(
            {
                "type": "authorized_user",
                "client_id": "staff@example.com",
                "client_secret": "not-a-real-secret",
                "refresh_token": "1//fake-refresh",
                "token_uri": fake_sheets.token_uri,
            }
        )
    )
    google = google_settings(settings, fake_sheets, "", oauth_token=str(token))

    backend = GoogleBackend(book, google)

    assert backend.read().grids["Customers"][1][0] == "C-0001"
    assert fake_sheets.token_accounts == ["staff@example.com"]
    assert "oauth_token" in backend.account
