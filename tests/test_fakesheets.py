"""The fake Sheets API, driven by real gspread over real HTTP."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import gspread
import pytest
import requests
from gspread.utils import ValueRenderOption

from sheetops.sync.endpoint import EndpointAdapter
from tests.fakesheets import FakeSheetsServer, Store
from tests.fakesheets.plugin import SERVICE_ACCOUNT_EMAIL

BOOK_URL = "/v4/spreadsheets/{}"


def _book(
    gc: gspread.Client, fake: FakeSheetsServer, rows: Any = None
) -> tuple[str, Any]:
    """A spreadsheet made in the store, opened through gspread."""
    sheets = {"Sheet1": rows} if rows is not None else None
    book_id = fake.store.create_spreadsheet("Tracker", sheets)
    return book_id, gc.open_by_key(book_id).sheet1


def _get(
    fake: FakeSheetsServer, path: str, token: str | None = None
) -> requests.Response:
    """A plain HTTP GET to the fake, outside gspread."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with requests.Session() as session:
        return session.get(fake.base_url + path, headers=headers, timeout=5)


def test_create_then_open_by_key_and_title(
    gspread_client: gspread.Client, fake_sheets: FakeSheetsServer
) -> None:
    """A created spreadsheet has Sheet1 (id 0, 1000 x 26) and opens by key and title."""
    created = gspread_client.create("Budgets 2026")

    by_key = gspread_client.open_by_key(created.id)
    by_title = gspread_client.open("Budgets 2026")

    sheet = by_key.sheet1
    assert (sheet.title, sheet.id, sheet.row_count, sheet.col_count) == (
        "Sheet1",
        0,
        1000,
        26,
    )
    assert by_title.id == created.id
    assert fake_sheets.token_accounts[0] == SERVICE_ACCOUNT_EMAIL


def test_unknown_spreadsheet_is_not_found(gspread_client: gspread.Client) -> None:
    """An unknown key gives 404, which gspread reports as SpreadsheetNotFound."""
    with pytest.raises(gspread.SpreadsheetNotFound):
        gspread_client.open_by_key("no-such-spreadsheet")


def test_raw_input_keeps_text_and_user_entered_parses(
    gspread_client: gspread.Client, fake_sheets: FakeSheetsServer
) -> None:
    """RAW stores strings as typed; USER_ENTERED parses formulas and numbers."""
    _, sheet = _book(gspread_client, fake_sheets)
    message = "=please call me back, my invoice is wrong"

    sheet.update([["=1+1", message, "0042"]], "A1", raw=True)
    sheet.update([["=1+1", "0042", "12%", "E1"]], "A2", raw=False)

    unformatted = sheet.get("A1:D2", value_render_option=ValueRenderOption.unformatted)
    assert unformatted == [["=1+1", message, "0042"], [2, 42, 0.12, "E1"]]
    assert sheet.get("A2:D2") == [["2", "42", "12%", "E1"]]
    assert sheet.acell("A2", ValueRenderOption.formula).value == "=1+1"
    assert sheet.acell("A1", ValueRenderOption.formula).value == "=1+1"


def test_dates_are_serial_numbers_with_a_date_format(
    gspread_client: gspread.Client, fake_sheets: FakeSheetsServer
) -> None:
    """A typed date reads back as serial 43831 unformatted, as typed formatted."""
    book_id, sheet = _book(gspread_client, fake_sheets)

    sheet.update(
        [["2020-01-01", '=HYPERLINK("https://example.com","site")']], "A1", raw=False
    )

    assert sheet.get("A1:B1", value_render_option=ValueRenderOption.unformatted) == [
        [43831, "site"]
    ]
    assert sheet.get("A1:B1") == [["2020-01-01", "site"]]
    number_format = fake_sheets.store.formats(book_id, "Sheet1")["A1"]["numberFormat"]
    assert number_format == {"type": "DATE", "pattern": "yyyy-mm-dd"}


def test_batch_get_and_trimming(
    gspread_client: gspread.Client, fake_sheets: FakeSheetsServer
) -> None:
    """Reads trim trailing blanks; an empty inner row is []; no values when empty."""
    rows = [["A1", "B1", "", "D1"], ["", "b2", "", ""], ["", "", "", ""], ["A4", "B4"]]
    book_id, sheet = _book(gspread_client, fake_sheets, rows)

    first, second = sheet.batch_get(["A1:B1", "B4:D4"])
    token = fake_sheets.issue_token("reader@example.com")
    whole = _get(fake_sheets, BOOK_URL.format(book_id) + "/values/Sheet1", token).json()
    empty = _get(fake_sheets, BOOK_URL.format(book_id) + "/values/F1:G9", token).json()

    assert (first, second) == ([["A1", "B1"]], [["B4"]])
    assert whole["range"] == "Sheet1!A1:Z1000"
    assert whole["values"] == [["A1", "B1", "", "D1"], ["", "b2"], [], ["A4", "B4"]]
    assert empty == {"range": "Sheet1!F1:G9", "majorDimension": "ROWS"}


def test_append_row_goes_after_the_table(
    gspread_client: gspread.Client, fake_sheets: FakeSheetsServer
) -> None:
    """append_row writes below the last row of the table and reports tableRange."""
    book_id, sheet = _book(
        gspread_client, fake_sheets, [["Name", "Tier"], ["Acme", "Gold"]]
    )

    answer = sheet.append_row(["Bolt", "Silver"])

    assert answer["tableRange"] == "Sheet1!A1:B2"
    assert answer["updates"]["updatedRange"] == "Sheet1!A3:B3"
    assert fake_sheets.store.values(book_id, "Sheet1")[-1] == ["Bolt", "Silver"]


def test_append_grows_the_grid_but_update_outside_it_fails(
    gspread_client: gspread.Client, fake_sheets: FakeSheetsServer
) -> None:
    """Appending past the last row adds rows; writing past it with update is a 400."""
    book_id = fake_sheets.store.create_spreadsheet(
        "Small", {"Sheet1": [["x"]]}, rows=1, columns=2
    )
    sheet = gspread_client.open_by_key(book_id).sheet1

    sheet.append_row(["y"])
    with pytest.raises(gspread.exceptions.APIError) as failure:
        sheet.update([["z"]], "A5")

    assert (
        fake_sheets.store.sheet_properties(book_id, "Sheet1")["gridProperties"][
            "rowCount"
        ]
        == 2
    )
    assert failure.value.code == 400
    assert "exceeds grid limits" in failure.value.error["message"]


def test_bad_range_is_invalid_argument(
    gspread_client: gspread.Client, fake_sheets: FakeSheetsServer
) -> None:
    """A range naming a missing sheet fails as the API does."""
    _, sheet = _book(gspread_client, fake_sheets)

    with pytest.raises(gspread.exceptions.APIError) as failure:
        sheet.spreadsheet.values_get("Nope!A1")

    assert failure.value.error == {
        "code": 400,
        "message": "Unable to parse range: Nope!A1",
        "status": "INVALID_ARGUMENT",
    }


def test_formats_validations_and_protection_are_stored(
    gspread_client: gspread.Client, fake_sheets: FakeSheetsServer
) -> None:
    """Formatting, data validation and protected ranges land in the store."""
    book_id, sheet = _book(gspread_client, fake_sheets)
    rule = {
        "condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": "Gold"}]}
    }
    validation = {
        "range": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 2},
        "rule": rule,
    }

    sheet.format("A1:B1", {"textFormat": {"bold": True}})
    sheet.spreadsheet.batch_update({"requests": [{"setDataValidation": validation}]})
    sheet.add_protected_range("A1:B1", warning_only=True)

    store = fake_sheets.store
    assert store.formats(book_id, "Sheet1")["B1"] == {"textFormat": {"bold": True}}
    assert store.validations(book_id, "Sheet1")["Z2"] == rule
    protected = store.protected_ranges(book_id)
    assert protected[0]["warningOnly"] is True
    assert protected[0]["range"] == {
        "startRowIndex": 0,
        "endRowIndex": 1,
        "startColumnIndex": 0,
        "endColumnIndex": 2,
    }


def test_calls_need_a_token_the_fake_issued(fake_sheets: FakeSheetsServer) -> None:
    """No token or an unknown token gives 401 UNAUTHENTICATED."""
    book_id = fake_sheets.store.create_spreadsheet()

    missing = _get(fake_sheets, BOOK_URL.format(book_id))
    forged = _get(fake_sheets, BOOK_URL.format(book_id), "ya29.made-up")

    assert (missing.status_code, forged.status_code) == (401, 401)
    assert missing.json()["error"]["status"] == "UNAUTHENTICATED"


def test_unshared_spreadsheet_is_permission_denied(
    gspread_client: gspread.Client, fake_sheets: FakeSheetsServer
) -> None:
    """A spreadsheet not shared with the account answers 403 PERMISSION_DENIED."""
    book_id = fake_sheets.store.create_spreadsheet()
    fake_sheets.store.unshare(book_id, SERVICE_ACCOUNT_EMAIL)

    with pytest.raises(PermissionError):
        gspread_client.open_by_key(book_id)
    answer = _get(
        fake_sheets,
        BOOK_URL.format(book_id),
        fake_sheets.issue_token(SERVICE_ACCOUNT_EMAIL),
    )

    assert answer.json() == {
        "error": {
            "code": 403,
            "message": "The caller does not have permission",
            "status": "PERMISSION_DENIED",
        }
    }


def test_rate_limit_answers_429_with_retry_after(fake_sheets: FakeSheetsServer) -> None:
    """A scheduled 429 carries Retry-After; the call after it succeeds."""
    book_id = fake_sheets.store.create_spreadsheet()
    token = fake_sheets.issue_token("reader@example.com")
    fake_sheets.fail_next(429, retry_after=7)

    limited = _get(fake_sheets, BOOK_URL.format(book_id), token)
    after = _get(fake_sheets, BOOK_URL.format(book_id), token)

    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "7"
    assert limited.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
    assert after.status_code == 200


@pytest.mark.parametrize("status", [500, 503], ids=["internal", "unavailable"])
def test_server_errors_reach_gspread_once(
    gspread_client: gspread.Client, fake_sheets: FakeSheetsServer, status: int
) -> None:
    """A scheduled 500 or 503 fails one matching call only."""
    _, sheet = _book(gspread_client, fake_sheets, [["a"]])
    fake_sheets.fail_next(status, match="values.get")

    with pytest.raises(gspread.exceptions.APIError) as failure:
        sheet.acell("A1")

    assert failure.value.code == status
    assert sheet.acell("A1").value == "a"


def test_dropped_connection_is_a_connection_error(
    gspread_client: gspread.Client, fake_sheets: FakeSheetsServer
) -> None:
    """A dropped call closes the socket without an answer."""
    _, sheet = _book(gspread_client, fake_sheets, [["a"]])
    fake_sheets.drop_next()

    with pytest.raises(requests.exceptions.ConnectionError):
        sheet.acell("A1")

    assert sheet.acell("A1").value == "a"


def test_random_faults_are_seeded(fake_sheets: FakeSheetsServer) -> None:
    """The same seed fails the same calls."""
    book_id = fake_sheets.store.create_spreadsheet()
    token = fake_sheets.issue_token("reader@example.com")

    def statuses(seed: int) -> list[int]:
        fake_sheets.clear_faults()
        fake_sheets.fail_randomly(0.5, status=503, seed=seed)
        return [
            _get(fake_sheets, BOOK_URL.format(book_id), token).status_code
            for _ in range(8)
        ]

    first, again = statuses(3), statuses(3)

    assert first == again
    assert set(first) == {200, 503}


def test_latency_and_the_session_timeout(fake_sheets: FakeSheetsServer) -> None:
    """Latency delays answers; authorized_session's default timeout cuts them off."""
    book_id = fake_sheets.store.create_spreadsheet()
    token = fake_sheets.issue_token("reader@example.com")
    fake_sheets.set_latency(0.3)
    adapter = EndpointAdapter(fake_sheets.base_url, timeout=0.1)
    google_url = "https://sheets.googleapis.com" + BOOK_URL.format(book_id)

    started = time.monotonic()
    slow = _get(fake_sheets, BOOK_URL.format(book_id), token)
    elapsed = time.monotonic() - started
    with requests.Session() as session, pytest.raises(requests.exceptions.Timeout):
        session.mount("https://sheets.googleapis.com/", adapter)
        session.get(google_url, headers={"Authorization": f"Bearer {token}"})

    assert slow.status_code == 200
    assert elapsed >= 0.3


def test_colleague_inserts_a_row_between_two_calls(
    gspread_client: gspread.Client, fake_sheets: FakeSheetsServer
) -> None:
    """A hook edits the store after our read and before our write."""
    book_id, sheet = _book(gspread_client, fake_sheets, [["Name"], ["Acme"], ["Bolt"]])
    assert sheet.get_all_values() == [["Name"], ["Acme"], ["Bolt"]]

    def colleague(store: Store) -> None:
        store.insert_rows(book_id, "Sheet1", 2, [["Zeta"]])
        store.sort_rows(book_id, "Sheet1", "A")

    fake_sheets.before_next("PUT values.update", colleague)
    sheet.update_acell("B2", "checked")

    assert fake_sheets.store.values(book_id, "Sheet1") == [
        ["Name"],
        ["Acme", "checked"],
        ["Bolt"],
        ["Zeta"],
    ]


def test_hook_before_the_nth_call_deletes_and_edits(
    gspread_client: gspread.Client, fake_sheets: FakeSheetsServer
) -> None:
    """before_call(2, ...) runs just before the second call from now."""
    book_id, sheet = _book(gspread_client, fake_sheets, [["a"], ["b"], ["c"]])

    def colleague(store: Store) -> None:
        store.delete_rows(book_id, "Sheet1", 1)
        store.edit_cell(book_id, "Sheet1", "B1", 5)

    fake_sheets.before_call(2, colleague)
    before = sheet.get_all_values()
    after = sheet.get_all_values()

    assert before == [["a"], ["b"], ["c"]]
    assert after == [["b", "5"], ["c", ""]]


def test_counters_count_calls_bytes_and_times(
    gspread_client: gspread.Client, fake_sheets: FakeSheetsServer
) -> None:
    """Calls are counted by endpoint, with sizes and timestamps; reset clears them."""
    _, sheet = _book(gspread_client, fake_sheets)
    fake_sheets.reset_counters()

    sheet.batch_get(["A1", "B2"])
    sheet.batch_update([{"range": "A1", "values": [["x"]]}])
    sheet.spreadsheet.fetch_sheet_metadata()

    counts = fake_sheets.counts()
    times = [call.at for call in fake_sheets.calls]
    assert (counts["values.batchGet"], counts["values.batchUpdate"], counts["get"]) == (
        1,
        1,
        1,
    )
    assert fake_sheets.request_bytes > 0
    assert fake_sheets.response_bytes > fake_sheets.request_bytes
    assert times == sorted(times)
    fake_sheets.reset_counters()
    assert fake_sheets.counts() == {}


def test_revoked_token_is_refreshed_by_google_auth(
    gspread_client: gspread.Client, fake_sheets: FakeSheetsServer
) -> None:
    """After tokens are revoked the client gets 401, fetches a new token, goes on."""
    _, sheet = _book(gspread_client, fake_sheets, [["a"]])
    grants = len(fake_sheets.token_accounts)

    fake_sheets.revoke_tokens()

    assert sheet.acell("A1").value == "a"
    assert len(fake_sheets.token_accounts) == grants + 1


def test_endpoint_adapter_keeps_path_and_query() -> None:
    """Google URLs are moved onto the base URL with path and query intact."""
    adapter = EndpointAdapter("http://127.0.0.1:9/", timeout=1)

    moved = adapter.rewrite(
        "https://sheets.googleapis.com/v4/spreadsheets/x/values/A1?a=1&b=2"
    )

    assert moved == "http://127.0.0.1:9/v4/spreadsheets/x/values/A1?a=1&b=2"


def test_runs_standalone() -> None:
    """``python -m tests.fakesheets`` prints its base URL and serves until stopped."""
    root = Path(__file__).resolve().parents[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakesheets", "--port", "0"],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().strip()
        with requests.Session() as session:
            answer = session.get(base_url + "/v4/spreadsheets/x", timeout=5)
        assert answer.status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=5)
        if process.stdout is not None:
            process.stdout.close()
