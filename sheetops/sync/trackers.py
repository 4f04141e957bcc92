"""Open the tracker a location names: a workbook path or a Google Sheet."""

from __future__ import annotations

import re
from pathlib import Path

from sheetops.errors import TrackerError
from sheetops.settings import Settings
from sheetops.sync.backend import Backend

# A spreadsheet key is 44 characters of letters, digits, - and _ today;
# accept a little either side rather than guess Google's next format.
GOOGLE_KEY = re.compile(r"^[A-Za-z0-9_-]{30,60}$")
GOOGLE_URL = re.compile(r"docs\.google\.com/spreadsheets/d/([A-Za-z0-9_-]+)")


def google_key(location: str) -> str | None:
    """The spreadsheet key in a Google Sheets URL or bare key, else None."""
    match = GOOGLE_URL.search(location)
    if match:
        return match[1]
    if GOOGLE_KEY.match(location) and not location.lower().endswith(".xlsx"):
        return location
    return None


def open_tracker(location: str, settings: Settings) -> Backend:
    """The backend for ``location``: Google for a Sheets URL or key, else a file."""
    key = google_key(location)
    if key is not None:
        from sheetops.sync.google import GoogleBackend

        google: Backend = GoogleBackend(
            key, settings.google, time_zone=settings.business.time_zone.key
        )
        return google

    path = Path(location).expanduser()
    if path.suffix.lower() != ".xlsx":
        raise TrackerError(
            f"tracker {location!r} is neither an .xlsx workbook nor a Google "
            "Sheets URL; pass --tracker tracker.xlsx or the sheet's URL"
        )
    from sheetops.sync.workbook import WorkbookBackend

    return WorkbookBackend(path)
