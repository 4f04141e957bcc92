"""Ledger tabs: rows appended and updated by key, never over someone else's."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from sheetops import schema
from sheetops.errors import TrackerMovedError
from sheetops.settings import Settings
from sheetops.sync.ledger import Ledger
from tests.trackers import make_workbook


@pytest.fixture
def now(settings: Settings) -> datetime:
    return datetime(2026, 1, 28, 10, tzinfo=settings.business.time_zone)


def test_appended_rows_land_after_the_last_row(
    tmp_path: Path, settings: Settings, now: datetime
) -> None:
    backend = make_workbook(tmp_path / "t.xlsx", settings, now, {})
    outbox = Ledger.read(schema.OUTBOX, backend.read())

    first = outbox.append({"key": "time_report:C-0001:2026-01", "state": "queued"})
    second = outbox.append({"key": "time_report:C-0002:2026-01", "state": "queued"})
    outbox.save(backend)

    again = Ledger.read(schema.OUTBOX, backend.read())
    assert (first, second) == (2, 3)
    assert again.find("TIME_REPORT:c-0002:2026-01") == 3
    assert again.frame.at[3, "state"] == "queued"


def test_an_update_changes_only_the_named_fields(
    tmp_path: Path, settings: Settings, now: datetime
) -> None:
    backend = make_workbook(tmp_path / "t.xlsx", settings, now, {})
    outbox = Ledger.read(schema.OUTBOX, backend.read())
    outbox.append({"key": "k1", "state": "queued", "subject": "Your summary"})
    outbox.save(backend)

    outbox = Ledger.read(schema.OUTBOX, backend.read())
    outbox.update(2, {"state": "sent", "attempts": 1})
    outbox.save(backend)

    row = Ledger.read(schema.OUTBOX, backend.read()).frame.loc[2]
    assert (row["state"], row["attempts"], row["subject"]) == (
        "sent",
        1.0,
        "Your summary",
    )


def test_two_writers_appending_from_the_same_read_never_overwrite(
    tmp_path: Path, settings: Settings, now: datetime
) -> None:
    backend = make_workbook(tmp_path / "t.xlsx", settings, now, {})
    snapshot = backend.read()
    ours = Ledger.read(schema.OUTBOX, snapshot)
    theirs = Ledger.read(schema.OUTBOX, snapshot)
    theirs.append({"key": "theirs", "state": "queued"})
    theirs.save(backend)

    ours.append({"key": "ours", "state": "queued"})
    with pytest.raises(TrackerMovedError):
        ours.save(backend)

    assert Ledger.read(schema.OUTBOX, backend.read()).find("theirs") == 2
