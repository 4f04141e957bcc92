"""Routing: map each HTTP call to its endpoint name and handler."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from . import a1, drive, values
from .batch import Context, run_batch
from .errors import ApiError, bad_request
from .metadata import describe
from .model import RenderOptions, Spreadsheet
from .store import Store, now_rfc3339


@dataclass
class ApiRequest:
    """One parsed API call."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    account: str | None
    params: dict[str, str] = field(default_factory=dict)

    def arg(self, name: str) -> str | None:
        """The first value of a query parameter."""
        return values.first(self.query, name)

    def json_body(self) -> dict[str, Any]:
        """The body as a JSON object (``{}`` when empty)."""
        if self.body is None:
            return {}
        if not isinstance(self.body, dict):
            raise bad_request("Invalid JSON payload received. Expected an object.")
        return self.body


@dataclass
class ApiResponse:
    """What to send back."""

    status: int
    body: dict[str, Any] | None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Store, ApiRequest], ApiResponse]


def ok(body: dict[str, Any] | None) -> ApiResponse:
    """A 200 with a JSON body (or 204 without one)."""
    return ApiResponse(200 if body is not None else 204, body)


def _book(store: Store, request: ApiRequest) -> Spreadsheet:
    return store.book(request.params["id"], request.account)


def _touched(book: Spreadsheet) -> Spreadsheet:
    book.modified_time = now_rfc3339()
    return book


def _render_options(request: ApiRequest, prefix: str = "") -> RenderOptions:
    value = request.arg(f"{prefix}valueRenderOption") or "FORMATTED_VALUE"
    date_time = request.arg(f"{prefix}dateTimeRenderOption") or "SERIAL_NUMBER"
    return RenderOptions(value, date_time)


# -- spreadsheets ---------------------------------------------------------------


def get_spreadsheet(store: Store, request: ApiRequest) -> ApiResponse:
    """spreadsheets.get: metadata, and grid data when asked for."""
    book = _book(store, request)
    resource = describe(
        book,
        grid_data=(request.arg("includeGridData") or "").lower() == "true",
        ranges=request.query.get("ranges", []),
        fields=request.arg("fields"),
    )
    return ok(resource)


def create_spreadsheet(store: Store, request: ApiRequest) -> ApiResponse:
    """spreadsheets.create: a new spreadsheet, with the sheets asked for."""
    body = request.json_body()
    title = (body.get("properties") or {}).get("title") or "Untitled spreadsheet"
    book = store.book(store.create_spreadsheet(title))
    extra = [{"addSheet": sheet} for sheet in body.get("sheets") or []]
    if extra:
        book.sheets[0].props["title"] = "Sheet-to-replace"
        run_batch(Context(store, book, request.account), extra)
        book.sheets.pop(0)
    return ok(describe(book, grid_data=False, ranges=[], fields=request.arg("fields")))


def batch_update(store: Store, request: ApiRequest) -> ApiResponse:
    """spreadsheets.batchUpdate: structural and formatting requests, atomically."""
    book = _touched(_book(store, request))
    body = request.json_body()
    replies = run_batch(
        Context(store, book, request.account), body.get("requests") or []
    )
    result: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id, "replies": replies}
    if body.get("includeSpreadsheetInResponse"):
        result["updatedSpreadsheet"] = describe(
            book,
            grid_data=bool(body.get("responseIncludeGridData")),
            ranges=body.get("responseRanges") or [],
            fields=None,
        )
    return ok(result)


# -- values -----------------------------------------------------------------------


def values_get(store: Store, request: ApiRequest) -> ApiResponse:
    """values.get: one range, trimmed."""
    book = _book(store, request)
    major = request.arg("majorDimension") or "ROWS"
    return ok(
        values.read_range(
            book, request.params["range"], _render_options(request), major
        )
    )


def values_batch_get(store: Store, request: ApiRequest) -> ApiResponse:
    """values.batchGet: several ranges, each trimmed."""
    book = _book(store, request)
    major = request.arg("majorDimension") or "ROWS"
    options = _render_options(request)
    ranges = [
        values.read_range(book, text, options, major)
        for text in request.query.get("ranges", [])
    ]
    result: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
    if ranges:
        result["valueRanges"] = ranges
    return ok(result)


def _echo(request: ApiRequest, flag: bool | None = None) -> RenderOptions | None:
    wanted = (
        values.flag(request.query, "includeValuesInResponse") if flag is None else flag
    )
    return _render_options(request, "response") if wanted else None


def _response_options(body: dict[str, Any]) -> RenderOptions:
    return RenderOptions(
        body.get("responseValueRenderOption") or "FORMATTED_VALUE",
        body.get("responseDateTimeRenderOption") or "SERIAL_NUMBER",
    )


def values_update(store: Store, request: ApiRequest) -> ApiResponse:
    """values.update: write rows at a range."""
    book = _touched(_book(store, request))
    body = request.json_body()
    user_entered = values.input_option(request.query)
    rows = values.as_rows(
        values.check_values(body.get("values"), "data.values"),
        body.get("majorDimension"),
    )
    sheet, box = values.write_range(book, request.params["range"], rows, user_entered)
    return ok(values.update_response(book, sheet, box, rows, _echo(request)))


def values_batch_update(store: Store, request: ApiRequest) -> ApiResponse:
    """values.batchUpdate: write several ranges."""
    book = _touched(_book(store, request))
    body = request.json_body()
    user_entered = values.input_option(
        {"valueInputOption": [body["valueInputOption"]]}
        if body.get("valueInputOption")
        else {}
    )
    echo = _response_options(body) if body.get("includeValuesInResponse") else None
    responses = []
    sheets: set[int] = set()
    for index, data in enumerate(body.get("data") or []):
        rows = values.as_rows(
            values.check_values(data.get("values"), f"data[{index}].values"),
            data.get("majorDimension"),
        )
        sheet, box = values.write_range(
            book, data.get("range") or "", rows, user_entered
        )
        sheets.add(sheet.sheet_id)
        responses.append(values.update_response(book, sheet, box, rows, echo))
    return ok(_batch_totals(book, responses, len(sheets)))


def _batch_totals(
    book: Spreadsheet, responses: list[dict[str, Any]], sheets: int
) -> dict[str, Any]:
    result: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
    totals = {
        "totalUpdatedRows": sum(r.get("updatedRows", 0) for r in responses),
        "totalUpdatedColumns": max(
            (r.get("updatedColumns", 0) for r in responses), default=0
        ),
        "totalUpdatedCells": sum(r.get("updatedCells", 0) for r in responses),
        "totalUpdatedSheets": sheets,
    }
    result.update({key: value for key, value in totals.items() if value})
    if responses:
        result["responses"] = responses
    return result


def values_append(store: Store, request: ApiRequest) -> ApiResponse:
    """values.append: add rows after the table found in the range."""
    book = _touched(_book(store, request))
    body = request.json_body()
    user_entered = values.input_option(request.query)
    rows = values.as_rows(
        values.check_values(body.get("values"), "data.values"),
        body.get("majorDimension"),
    )
    insert = request.arg("insertDataOption") == "INSERT_ROWS"
    sheet, table, box = values.append_rows(
        book, request.params["range"], rows, user_entered, insert
    )
    result: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
    if table is not None:
        result["tableRange"] = a1.format_range(sheet.title, table)
    result["updates"] = values.update_response(book, sheet, box, rows, _echo(request))
    return ok(result)


def values_clear(store: Store, request: ApiRequest) -> ApiResponse:
    """values.clear: clear values, keeping formats."""
    book = _touched(_book(store, request))
    cleared = values.clear_range(book, request.params["range"])
    return ok({"spreadsheetId": book.spreadsheet_id, "clearedRange": cleared})


def values_batch_clear(store: Store, request: ApiRequest) -> ApiResponse:
    """values.batchClear: clear several ranges."""
    book = _touched(_book(store, request))
    ranges = request.json_body().get("ranges") or []
    cleared = [values.clear_range(book, text) for text in ranges]
    result: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
    if cleared:
        result["clearedRanges"] = cleared
    return ok(result)


# -- drive ----------------------------------------------------------------------


def drive_create(store: Store, request: ApiRequest) -> ApiResponse:
    """files.create: a new spreadsheet file."""
    return ok(drive.create(store, request.json_body(), request.arg("fields")))


def drive_list(store: Store, request: ApiRequest) -> ApiResponse:
    """files.list: search by the ``q`` terms gspread sends."""
    return ok(drive.list_files(store, request.query, request.account))


def drive_get(store: Store, request: ApiRequest) -> ApiResponse:
    """files.get: one file's metadata."""
    file_id = request.params["id"]
    return ok(drive.get(store, file_id, request.account, request.arg("fields")))


def drive_update(store: Store, request: ApiRequest) -> ApiResponse:
    """files.update: rename or trash a file."""
    file_id = request.params["id"]
    body = request.json_body()
    return ok(
        drive.update(store, file_id, request.account, body, request.arg("fields"))
    )


def drive_delete(store: Store, request: ApiRequest) -> ApiResponse:
    """files.delete: remove a file for good."""
    drive.delete(store, request.params["id"], request.account)
    return ok(None)


def permissions_create(store: Store, request: ApiRequest) -> ApiResponse:
    """permissions.create: share a file."""
    body = request.json_body()
    return ok(drive.add_permission(store, request.params["id"], request.account, body))


def permissions_list(store: Store, request: ApiRequest) -> ApiResponse:
    """permissions.list: who a file is shared with."""
    return ok(drive.list_permissions(store, request.params["id"], request.account))


def permissions_delete(store: Store, request: ApiRequest) -> ApiResponse:
    """permissions.delete: stop sharing a file."""
    params = request.params
    drive.delete_permission(store, params["id"], params["permission"], request.account)
    return ok(None)


_BOOK = r"/v4/spreadsheets/(?P<id>[^/:]+)"
_FILE = r"/drive/v3/files/(?P<id>[^/]+)"
ROUTES: list[tuple[str, re.Pattern[str], str, Handler]] = [
    ("GET", re.compile(r"/drive/v3/files"), "drive.files.list", drive_list),
    ("POST", re.compile(r"/drive/v3/files"), "drive.files.create", drive_create),
    ("GET", re.compile(_FILE), "drive.files.get", drive_get),
    ("PATCH", re.compile(_FILE), "drive.files.update", drive_update),
    ("DELETE", re.compile(_FILE), "drive.files.delete", drive_delete),
    (
        "GET",
        re.compile(_FILE + "/permissions"),
        "drive.permissions.list",
        permissions_list,
    ),
    (
        "POST",
        re.compile(_FILE + "/permissions"),
        "drive.permissions.create",
        permissions_create,
    ),
    (
        "DELETE",
        re.compile(_FILE + r"/permissions/(?P<permission>[^/]+)"),
        "drive.permissions.delete",
        permissions_delete,
    ),
    ("POST", re.compile(r"/v4/spreadsheets"), "create", create_spreadsheet),
    ("GET", re.compile(_BOOK), "get", get_spreadsheet),
    ("POST", re.compile(_BOOK + ":batchUpdate"), "batchUpdate", batch_update),
    (
        "GET",
        re.compile(_BOOK + "/values:batchGet"),
        "values.batchGet",
        values_batch_get,
    ),
    (
        "POST",
        re.compile(_BOOK + "/values:batchUpdate"),
        "values.batchUpdate",
        values_batch_update,
    ),
    (
        "POST",
        re.compile(_BOOK + "/values:batchClear"),
        "values.batchClear",
        values_batch_clear,
    ),
    (
        "POST",
        re.compile(_BOOK + "/values/(?P<range>.+):append"),
        "values.append",
        values_append,
    ),
    (
        "POST",
        re.compile(_BOOK + "/values/(?P<range>.+):clear"),
        "values.clear",
        values_clear,
    ),
    ("GET", re.compile(_BOOK + "/values/(?P<range>.+)"), "values.get", values_get),
    (
        "PUT",
        re.compile(_BOOK + "/values/(?P<range>.+)"),
        "values.update",
        values_update,
    ),
]


def route(method: str, path: str) -> tuple[str, Handler | None, dict[str, str]]:
    """Find the endpoint for a call: its name, handler and path parameters."""
    for route_method, pattern, kind, handler in ROUTES:
        match = pattern.fullmatch(path)
        if match and route_method == method:
            params = {key: unquote(value) for key, value in match.groupdict().items()}
            return kind, handler, params
    return "unknown", None, {}


def dispatch(
    store: Store, kind: str, handler: Handler | None, request: ApiRequest
) -> ApiResponse:
    """Run a handler under the store's lock, turning ApiError into its JSON."""
    if handler is None:
        return ApiResponse(404, ApiError(404, "Method not found.").body())
    try:
        with store.lock:
            return handler(store, request)
    except ApiError as error:
        return ApiResponse(error.code, error.body())
