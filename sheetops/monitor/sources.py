"""Open a customer's dashboard, wherever its Dashboard cell points.

A Dashboard cell holds a Google Sheets URL or key, or a path to an .xlsx
file; a relative path is read from the tracker's folder (from the
working directory when the tracker is a Google Sheet). Google dashboards
are read through one signed-in session shared with the tracker when it
is a Google Sheet too, so every call, the tracker's and the dashboards',
counts against one pacer and the per-minute quota holds across all of
them. One dashboard costs one ``values:batchGet`` (one more, to name the
missing tab, when a tab was renamed).
"""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests
from gspread.exceptions import APIError
from openpyxl import load_workbook
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.utils.exceptions import InvalidFileException

from sheetops.errors import SheetopsError
from sheetops.monitor.config import Contract
from sheetops.monitor.contract import (
    CANT_OPEN,
    MISMATCH,
    NO_LINK,
    NOT_SHARED,
    DashboardError,
    RawDashboard,
    check_tabs,
)
from sheetops.settings import Settings
from sheetops.sync.backend import Backend
from sheetops.sync.google_cells import quote_title
from sheetops.sync.trackers import google_key
from sheetops.sync.workbook import plain_value, worksheet_grid

if TYPE_CHECKING:
    from sheetops.sync.google import GoogleBackend

logger = logging.getLogger(__name__)

UNREADABLE = (OSError, zipfile.BadZipFile, InvalidFileException, KeyError, ValueError)


# Dashboards hold formulas; the checks want what they show.
class DashboardReader:
    """Reads dashboards for one run of the checks; close it when done."""

    def __init__(self, tracker: Backend, settings: Settings, contract: Contract):
        self.tracker = tracker
        self.settings = settings
        self.contract = contract
        self.folder = _tracker_folder(tracker.location)
        self._google: GoogleBackend | None = None
        self._owned = False
        self._google_error: SheetopsError | None = None

    def read(self, location: str) -> RawDashboard:
        """The contract's tabs and refresh cell of the dashboard at ``location``."""
        text = location.strip()
        if not text:
            raise DashboardError(
                NO_LINK,
                "the Customers tab has no Dashboard for this R3 customer; paste "
                "the link to their dashboard (a Google Sheets URL or an .xlsx path)",
            )
        key = google_key(text)
        if key is not None:
            return self._read_google(key)
        return read_workbook(self.path_of(text), self.contract)

    def path_of(self, location: str) -> Path:
        """The file a Dashboard cell names, relative paths from the tracker's folder."""
        path = Path(location).expanduser()
        if path.suffix.lower() != ".xlsx":
            raise DashboardError(
                CANT_OPEN,
                f"Dashboard {location!r} is neither a Google Sheets URL nor an .xlsx "
                "path; fix the customer's Dashboard cell",
            )
        return path if path.is_absolute() else self.folder / path

    def close(self) -> None:
        """Close the Google session if this reader opened one."""
        if self._google is not None and self._owned:
            self._google.close()

    def _read_google(self, key: str) -> RawDashboard:
        google = self._session(key)
        location = f"https://docs.google.com/spreadsheets/d/{key}"
        ranges = [
            quote_title(self.contract.tab),
            quote_title(self.contract.log_tab),
            _refresh_range(self.contract),
        ]
        try:
            grids = google.values_of(key, ranges)
        except (APIError, requests.RequestException) as exc:
            raise self._google_failure(google, key, location, exc) from exc
        refresh = grids[2][0][0] if len(grids) > 2 and grids[2] else None
        # Google answered every range, so every tab the contract names is there.
        refresh_tab = (
            () if self.contract.refresh.named else (self.contract.refresh.tab,)
        )
        return RawDashboard(
            location,
            (self.contract.tab, self.contract.log_tab, *refresh_tab),
            {self.contract.tab: grids[0], self.contract.log_tab: grids[1]},
            refresh,
        )

    def _session(self, key: str) -> GoogleBackend:
        """The tracker's Google session, or one of our own for the dashboards."""
        from sheetops.sync.google import GoogleBackend

        if isinstance(self.tracker, GoogleBackend):
            return self.tracker
        if self._google_error is not None:
            raise DashboardError(CANT_OPEN, str(self._google_error))
        if self._google is None:
            try:
                # Signed in once and used for every dashboard: one pacer.
                self._google = GoogleBackend(key, self.settings.google)
            except SheetopsError as exc:
                self._google_error = exc
                raise DashboardError(CANT_OPEN, str(exc)) from exc
            self._owned = True
        return self._google

    def _google_failure(
        self,
        google: GoogleBackend,
        key: str,
        location: str,
        exc: APIError | requests.RequestException,
    ) -> DashboardError:
        if isinstance(exc, requests.RequestException):
            return DashboardError(
                CANT_OPEN,
                f"could not reach Google Sheets for dashboard {location} "
                f"({type(exc).__name__}); the next check will try again",
            )
        status = exc.response.status_code
        if status == 404:
            return DashboardError(
                CANT_OPEN,
                f"dashboard {location} does not exist (or was deleted); fix the "
                "customer's Dashboard link on the Customers tab",
            )
        if status == 403:
            return DashboardError(
                NOT_SHARED,
                f"dashboard {location} is not shared with {google.account}; ask "
                f"the customer to share it with {google.account} (Viewer is enough)",
            )
        if status == 400:
            return self._which_tab(google, key, location)
        return DashboardError(
            CANT_OPEN,
            f"Google Sheets answered {status} for dashboard {location}; the next "
            "check will try again",
        )

    def _which_tab(
        self, google: GoogleBackend, key: str, location: str
    ) -> DashboardError:
        """Google refused a range: find out which tab is missing (one more call)."""
        try:
            tabs = google.titles_of(key)
        except (APIError, requests.RequestException) as exc:
            return self._google_failure(google, key, location, exc)
        try:
            check_tabs(tabs, self.contract, location)
        except DashboardError as exc:
            return exc
        return DashboardError(
            MISMATCH,
            f"dashboard {location} has no named cell "
            f"{self.contract.refresh.describe()!r}; name the last-refresh cell "
            "again, or set [monitor.dashboard] last_refresh for this template",
        )


def read_workbook(path: Path, contract: Contract) -> RawDashboard:
    """The contract's tabs and refresh cell from an .xlsx dashboard."""
    if not path.is_file():
        raise DashboardError(
            CANT_OPEN,
            f"dashboard {path} does not exist; fix the customer's Dashboard cell "
            "(a relative path is read from the tracker's folder)",
        )
    try:
        # data_only: the values the formulas showed when the file was saved.
        workbook = load_workbook(path, read_only=True, data_only=True)
    except UNREADABLE as exc:
        raise DashboardError(
            CANT_OPEN, f"dashboard {path} is not a readable .xlsx workbook ({exc})"
        ) from exc
    try:
        return _from_workbook(workbook, path, contract)
    except UNREADABLE as exc:
        raise DashboardError(
            CANT_OPEN, f"dashboard {path} could not be read ({exc})"
        ) from exc
    finally:
        workbook.close()


def _from_workbook(workbook: Any, path: Path, contract: Contract) -> RawDashboard:
    titles = tuple(str(title) for title in workbook.sheetnames)
    check_tabs(titles, contract, str(path))
    grids = {
        title: worksheet_grid(workbook[_title(titles, title)])
        for title in (contract.tab, contract.log_tab)
    }
    tab, cell = contract.refresh.tab, contract.refresh.cell
    if contract.refresh.named:
        tab, cell = _named_cell(workbook, path, contract)
    row, column = coordinate_to_tuple(cell)
    worksheet = workbook[_title(titles, tab)]
    found = worksheet.iter_rows(
        min_row=row, max_row=row, min_col=column, max_col=column, values_only=True
    )
    values = [line[0] for line in found if line]
    return RawDashboard(
        str(path), titles, grids, plain_value(values[0] if values else None)
    )


def _named_cell(workbook: Any, path: Path, contract: Contract) -> tuple[str, str]:
    name = contract.refresh.name
    defined = workbook.defined_names.get(name)
    destinations = list(defined.destinations) if defined is not None else []
    if not destinations:
        raise DashboardError(
            MISMATCH,
            f"dashboard {path} has no named cell {name!r}; name the last-refresh "
            "cell again, or set [monitor.dashboard] last_refresh for this template",
        )
    tab, reference = destinations[0]
    first = str(reference).replace("$", "").split(":")[0]
    return str(tab), first


def _title(titles: tuple[str, ...], wanted: str) -> str:
    loose = " ".join(wanted.split()).casefold()
    for title in titles:
        if " ".join(title.split()).casefold() == loose:
            return title
    raise KeyError(wanted)


def _refresh_range(contract: Contract) -> str:
    refresh = contract.refresh
    return (
        refresh.name if refresh.named else f"{quote_title(refresh.tab)}!{refresh.cell}"
    )


def _tracker_folder(location: str) -> Path:
    if google_key(location) is not None:
        return Path.cwd()
    return Path(location).expanduser().resolve().parent
