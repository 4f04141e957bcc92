"""Helpers the Google backend tests share; this module holds no tests.

Each test builds a spreadsheet in the fake, writes a service-account key
whose token endpoint is the fake, and opens a real GoogleBackend on it:
real gspread and google-auth, real HTTP, loopback only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sheetops import schema
from sheetops.settings import GoogleSettings, Settings
from sheetops.sync.google import GoogleBackend
from tests.fakesheets import FakeSheetsServer
from tests.fakesheets.cells import Cell as StoredCell
from tests.fakesheets.plugin import SERVICE_ACCOUNT_EMAIL, service_account_info


@dataclass
class FakeTime:
    """A clock that only moves when something sleeps on it."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def key_file(
    folder: Path,
    fake: FakeSheetsServer,
    private_key: str,
    email: str = SERVICE_ACCOUNT_EMAIL,
) -> Path:
    """A service account's JSON key whose token endpoint is the fake."""
    path = folder / "service-account.json"
    path.write_text(json.dumps(service_account_info(fake, private_key, email)))
    return path


def google_settings(
    settings: Settings, fake: FakeSheetsServer, credentials: Path | str, **changes: Any
) -> GoogleSettings:
    """The shipped [google] settings, pointed at the fake and quick to give up."""
    pointed = replace(
        settings.google,
        credentials=str(credentials),
        api_url=fake.base_url,
        timeout_seconds=5.0,
        requests_per_minute=6000,
    )
    return replace(pointed, **changes)


def open_backend(
    settings: Settings,
    fake: FakeSheetsServer,
    credentials: Path,
    key: str,
    time: FakeTime | None = None,
    **changes: Any,
) -> GoogleBackend:
    """A GoogleBackend on spreadsheet ``key`` of the fake, on a fake clock."""
    time = time or FakeTime()
    return GoogleBackend(
        key,
        google_settings(settings, fake, credentials, **changes),
        clock=time.clock,
        sleep=time.sleep,
    )


def tracker_rows(
    rows: Mapping[str, Sequence[Mapping[str, object]]],
) -> dict[str, list[list[Any]]]:
    """Tabs laid out in schema order (header first) from rows given by field."""
    grids: dict[str, list[list[Any]]] = {}
    for tab in schema.TABS:
        fields = [column.field for column in tab.columns]
        lines = [[row.get(f) for f in fields] for row in rows.get(tab.name, [])]
        grids[tab.name] = [list(tab.headers), *lines]
    return grids


def make_tracker(
    fake: FakeSheetsServer, rows: Mapping[str, Sequence[Mapping[str, object]]]
) -> str:
    """A spreadsheet in the fake with every tracker tab, typed as a person would."""
    return fake.store.create_spreadsheet("Tracker", tracker_rows(rows))


def stored(fake: FakeSheetsServer, key: str, title: str, row: int, column: int) -> Any:
    """The fake's own cell at a 1-based row and column (None when empty)."""
    with fake.store.locked():
        cell: StoredCell | None = fake.store.sheet(key, title).cell(row - 1, column - 1)
        return cell


def api_calls(fake: FakeSheetsServer) -> int:
    """Calls to the Sheets API so far, token requests left out."""
    return sum(n for kind, n in fake.counts().items() if kind != "token")


def column_of(tab: schema.Tab, field_name: str) -> int:
    """The 1-based column of a field in a tab laid out in schema order."""
    return [c.field for c in tab.columns].index(field_name) + 1
