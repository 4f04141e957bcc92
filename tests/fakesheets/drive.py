"""The slice of Drive v3 gspread uses: create, get, list, update, delete, share."""

from __future__ import annotations

import re
from typing import Any

from . import fieldmask
from .errors import ApiError, bad_request, drive_not_found
from .model import Spreadsheet
from .store import Store, now_rfc3339

SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
_CREATE_FIELDS = "kind,id,name,mimeType"
_LIST_FIELDS = "kind,incompleteSearch,files(kind,id,name,mimeType)"
_COMPARE = re.compile(r"^(\w+)\s*(=|!=|contains)\s*(['\"])(.*)\3$", re.DOTALL)
_IN_PARENTS = re.compile(r"^(['\"])(.*)\1\s+in\s+parents$")
_PARENTS_IN = re.compile(r"^parents\s+in\s+(['\"])(.*)\1$")
_TRASHED = re.compile(r"^trashed\s*(=|!=)\s*(true|false)$", re.IGNORECASE)
_AND = re.compile(r"\s+and\s+(?=(?:[^'\"]|'[^']*'|\"[^\"]*\")*$)", re.IGNORECASE)


def file_resource(book: Spreadsheet) -> dict[str, Any]:
    """Everything the fake knows about a spreadsheet as a Drive file."""
    return {
        "kind": "drive#file",
        "id": book.spreadsheet_id,
        "name": book.title,
        "mimeType": SPREADSHEET_MIME,
        "parents": list(book.parents),
        "trashed": book.trashed,
        "createdTime": book.created_time,
        "modifiedTime": book.modified_time,
    }


def _pick(resource: dict[str, Any], fields: str) -> dict[str, Any]:
    """Keep the fields asked for."""
    picked = fieldmask.apply(resource, fieldmask.parse(fields))
    assert isinstance(picked, dict)
    return picked


def visible(store: Store, file_id: str, account: str | None) -> Spreadsheet:
    """A file the caller may see; Drive says 404 for files not shared with you."""
    book = store.spreadsheets.get(file_id)
    if book is None or (account is not None and account in book.denied):
        raise drive_not_found(file_id)
    return book


def create(store: Store, body: dict[str, Any], fields: str | None) -> dict[str, Any]:
    """Create a file; only spreadsheets are supported."""
    mime = body.get("mimeType")
    if mime != SPREADSHEET_MIME:
        raise ApiError(
            501, f"The fake Drive API only creates spreadsheets, not {mime!r}."
        )
    book_id = store.create_spreadsheet(body.get("name") or "Untitled spreadsheet")
    book = store.spreadsheets[book_id]
    book.parents = list(body.get("parents") or [])
    return _pick(file_resource(book), fields or _CREATE_FIELDS)


def get(
    store: Store, file_id: str, account: str | None, fields: str | None
) -> dict[str, Any]:
    """One file's metadata."""
    book = visible(store, file_id, account)
    return _pick(file_resource(book), fields or _CREATE_FIELDS)


def update(
    store: Store,
    file_id: str,
    account: str | None,
    body: dict[str, Any],
    fields: str | None,
) -> dict[str, Any]:
    """Rename or trash a file."""
    book = visible(store, file_id, account)
    if "name" in body:
        book.props["title"] = body["name"]
    if "trashed" in body:
        book.trashed = bool(body["trashed"])
    book.modified_time = now_rfc3339()
    return _pick(file_resource(book), fields or _CREATE_FIELDS)


def delete(store: Store, file_id: str, account: str | None) -> None:
    """Delete a file for good."""
    visible(store, file_id, account)
    store.delete_spreadsheet(file_id)


def list_files(
    store: Store, query: dict[str, list[str]], account: str | None
) -> dict[str, Any]:
    """List files matching ``q``, one page at a time."""
    terms = _parse_q((query.get("q") or [""])[0])
    files = [
        file_resource(book)
        for book in store.spreadsheets.values()
        if (account is None or account not in book.denied)
        and all(term(file_resource(book)) for term in terms)
    ]
    size = int((query.get("pageSize") or ["100"])[0])
    offset = int((query.get("pageToken") or ["0"])[0] or 0)
    page: dict[str, Any] = {
        "kind": "drive#fileList",
        "incompleteSearch": False,
        "files": files[offset : offset + size],
    }
    if offset + size < len(files):
        page["nextPageToken"] = str(offset + size)
    fields = (query.get("fields") or [_LIST_FIELDS])[0]
    return _pick(page, fields)


def _parse_q(text: str) -> list[Any]:
    """Parse the ``q`` terms the fake understands, joined by ``and``."""
    text = text.strip()
    if not text:
        return []
    return [_term(part.strip()) for part in _AND.split(text)]


def _term(text: str) -> Any:
    trashed = _TRASHED.match(text)
    if trashed:
        wanted = trashed.group(2).lower() == "true"
        negate = trashed.group(1) == "!="
        return lambda f: (f["trashed"] == wanted) != negate
    parent = _IN_PARENTS.match(text) or _PARENTS_IN.match(text)
    if parent:
        folder = parent.group(2)
        return lambda f: folder in f["parents"]
    compare = _COMPARE.match(text)
    if compare and compare.group(1) in ("name", "mimeType"):
        key, operator = compare.group(1), compare.group(2)
        value = compare.group(4).replace("\\'", "'").replace('\\"', '"')
        if operator == "contains":
            return lambda f: value.lower() in f[key].lower()
        return lambda f: (f[key] == value) != (operator == "!=")
    raise bad_request("Invalid Value")


def add_permission(
    store: Store, file_id: str, account: str | None, body: dict[str, Any]
) -> dict[str, Any]:
    """Share a file; sharing with an account lets it open the spreadsheet."""
    book = visible(store, file_id, account)
    permission = {
        "kind": "drive#permission",
        "id": str(store.new_range_id()),
        "type": body.get("type", "user"),
        "role": body.get("role", "reader"),
    }
    email = body.get("emailAddress")
    if email:
        permission["emailAddress"] = email
        book.denied.discard(email)
    book.permissions.append(permission)
    return permission


def list_permissions(store: Store, file_id: str, account: str | None) -> dict[str, Any]:
    """The permissions added so far."""
    book = visible(store, file_id, account)
    return {"kind": "drive#permissionList", "permissions": list(book.permissions)}


def delete_permission(
    store: Store, file_id: str, permission_id: str, account: str | None
) -> None:
    """Remove a permission; an account losing it can no longer open the file."""
    book = visible(store, file_id, account)
    for permission in list(book.permissions):
        if permission["id"] == permission_id:
            book.permissions.remove(permission)
            if "emailAddress" in permission:
                book.denied.add(permission["emailAddress"])
            return
    raise ApiError(404, f"Permission not found: {permission_id}.", status="")
