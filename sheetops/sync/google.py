"""The tracker as a Google Sheet, through gspread and the Sheets API v4.

A sync costs at most three calls: one ``values:batchGet`` reads every
tab, one ``spreadsheets.get`` re-reads the written rows' identities right
before writing, and one ``spreadsheets.batchUpdate`` writes every changed
cell at once (Google applies a batchUpdate whole or not at all). A sync
that changes nothing costs the read alone. Calls are paced under the
quota and retried with backoff when Google is busy.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import gspread
import requests
from gspread.exceptions import APIError
from gspread.http_client import ParamsType
from gspread.urls import SPREADSHEET_BATCH_UPDATE_URL

from sheetops import schema
from sheetops.errors import TrackerError, TrackerMovedError
from sheetops.schema import Tab, loose
from sheetops.settings import GoogleSettings
from sheetops.sync import google_layout, google_write
from sheetops.sync.backend import Grid, RowGuard, Snapshot, WriteBatch
from sheetops.sync.endpoint import (
    GOOGLE_HOSTS,
    EndpointAdapter,
    authorized_session,
    is_google_default,
)
from sheetops.sync.google_auth import sign_in
from sheetops.sync.google_cells import grid_from_values, quote_title, title_of_range
from sheetops.sync.pacing import Clock, Pacer, Sleep, retry_policy

logger = logging.getLogger(__name__)

T = TypeVar("T")

# The engine computes in this zone's wall time (the business's).
BUSINESS_TIME_ZONE = "Asia/Jakarta"
TOKEN_HOST = "oauth2.googleapis.com"
TITLE_FIELDS = "properties(title,timeZone),sheets(properties(sheetId,title))"
TIMES = ("once", "twice", "three times", "four times", "five times", "six times")


@dataclass(frozen=True)
class SheetInfo:
    """What ``describe`` finds: the spreadsheet's title, zone and tabs."""

    title: str
    time_zone: str
    tabs: tuple[str, ...]


class _RangeRefused(TrackerError):
    """Google answered 400: a range names a tab that isn't there (any more)."""


class GoogleBackend:
    """A tracker kept in one Google Sheet.

    ``session`` replaces the one built from the settings' credentials (it
    must already sign its requests); either way the backend mounts its own
    adapter on it, which points calls at ``settings.api_url``, applies the
    timeout, paces calls and retries failures. ``clock`` and ``sleep``
    drive the pacing and the retry waits, so tests need not wait.
    ``environ`` is where GOOGLE_APPLICATION_CREDENTIALS is looked up
    (default: the process environment).
    """

    def __init__(
        self,
        key: str,
        settings: GoogleSettings,
        *,
        session: requests.Session | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        time_zone: str = BUSINESS_TIME_ZONE,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.key = key
        self.settings = settings
        self.location = f"https://docs.google.com/spreadsheets/d/{key}"
        self.time_zone = time_zone
        self.pacer = Pacer(settings.requests_per_minute, clock=clock, sleep=sleep)
        self.account = "the account sheetops signs in as"
        self.session = self._session(session, environ)
        self.client = gspread.Client(auth=None, session=self.session)  # type: ignore[arg-type]
        self._titles: list[str] | None = None
        self._zone_checked = False

    def _session(
        self, given: requests.Session | None, environ: Mapping[str, str] | None
    ) -> requests.Session:
        retries = retry_policy(self.settings.max_retries, self.pacer)
        timeout = self.settings.timeout_seconds
        if given is None:
            signed = sign_in(self.settings, environ)
            self.account = signed.account
            session: requests.Session = authorized_session(
                signed.credentials,
                self.settings.api_url,
                timeout,
                retries=retries,
                before_send=self._pace,
            )
            return session

        api_url = self.settings.api_url
        base_url = None if is_google_default(api_url) else api_url
        adapter = EndpointAdapter(
            base_url, timeout, before_send=self._pace, max_retries=retries
        )
        for prefix in GOOGLE_HOSTS:
            given.mount(prefix, adapter)
        return given

    def _pace(self, request: requests.PreparedRequest) -> None:
        # Token refreshes don't count against the Sheets quota.
        if urlsplit(request.url or "").netloc != TOKEN_HOST:
            self.pacer.acquire()

    def close(self) -> None:
        """Close the HTTP session."""
        self.session.close()

    # -- reading -------------------------------------------------------------

    def read(self) -> Snapshot:
        """Every tracker tab in one ``values:batchGet`` (two on a renamed tab)."""
        started = time.perf_counter()
        titles = self._titles or [tab.name for tab in schema.TABS]
        try:
            grids = self._values(titles)
        except _RangeRefused:
            # A tab is missing or renamed: learn the real titles, once.
            titles = self._real_titles()
            grids = self._values(titles)
        self._titles = list(grids)

        seconds = time.perf_counter() - started
        logger.debug("read %s tabs of %s in %.2f s", len(grids), self.key, seconds)
        return Snapshot(grids=grids)

    def _values(self, titles: Sequence[str]) -> dict[str, Grid]:
        if not titles:
            return {}
        params: ParamsType = {
            "valueRenderOption": "FORMULA",
            "dateTimeRenderOption": "SERIAL_NUMBER",
            "majorDimension": "ROWS",
        }
        ranges = [quote_title(title) for title in titles]
        answer = self._call(
            "read",
            lambda: self.client.http_client.values_batch_get(self.key, ranges, params),
        )
        return {
            title_of_range(found.get("range", title)): grid_from_values(
                found.get("values", [])
            )
            for title, found in zip(titles, answer.get("valueRanges", []), strict=True)
        }

    def values_of(self, key: str, ranges: Sequence[str]) -> list[Grid]:
        """Unformatted values of ``ranges`` in another spreadsheet, one call.

        For reading a customer's dashboard with the tracker's own session
        and pacer. Google's errors (APIError, connection errors) are left
        to the caller, who knows what the spreadsheet is for.
        """
        params: ParamsType = {
            "valueRenderOption": "UNFORMATTED_VALUE",
            "dateTimeRenderOption": "SERIAL_NUMBER",
            "majorDimension": "ROWS",
        }
        answer = self.client.http_client.values_batch_get(key, list(ranges), params)
        return [
            grid_from_values(found.get("values", []))
            for found in answer.get("valueRanges", [])
        ]

    def titles_of(self, key: str) -> tuple[str, ...]:
        """The tab titles of another spreadsheet, one call."""
        params: ParamsType = {"fields": "sheets(properties(title))"}
        answer = self.client.http_client.spreadsheets_get(key, params)
        return tuple(str(s["properties"]["title"]) for s in answer.get("sheets", []))

    def _real_titles(self) -> list[str]:
        """The spreadsheet's titles for the schema's tabs, matched loosely."""
        info = self.describe()
        self._note_time_zone(info.time_zone)
        wanted = {loose(tab.name) for tab in schema.TABS}
        return [title for title in info.tabs if loose(title) in wanted]

    def describe(self) -> SheetInfo:
        """The spreadsheet's title, time zone and tab titles (one call)."""
        answer = self._call(
            "read",
            lambda: self.client.http_client.spreadsheets_get(
                self.key, {"fields": TITLE_FIELDS}
            ),
        )
        properties = answer.get("properties", {})
        zone = str(properties.get("timeZone", ""))
        tabs = tuple(
            str(sheet["properties"]["title"]) for sheet in answer.get("sheets", [])
        )
        return SheetInfo(str(properties.get("title", "")), zone, tabs)

    def _note_time_zone(self, zone: str) -> None:
        """Warn once when the spreadsheet's clock differs from the business's."""
        if self._zone_checked or not zone:
            return
        self._zone_checked = True
        if not same_wall_clock(zone, self.time_zone):
            logger.warning(
                "the spreadsheet's time zone is %s, not %s: typed dates are read "
                "as they are, but NOW(), TODAY() and form timestamps in the "
                "sheet follow %s; set File > Settings > Time zone to %s",
                zone,
                self.time_zone,
                zone,
                self.time_zone,
            )

    # -- writing -------------------------------------------------------------

    def write(self, batch: WriteBatch, snapshot: Snapshot) -> None:
        """Write the whole batch in one batchUpdate, on the rows it belongs to."""
        if not batch.writes:
            return
        tabs = sorted({w.tab for w in batch.writes} | {g.tab for g in batch.guards})
        rechecked = self._recheck(tabs, batch.guards)
        for title in tabs:
            google_write.check_header(title, snapshot, rechecked[title])

        moves = google_write.follow_rows(batch.guards, rechecked)
        requests_ = google_write.write_requests(batch, snapshot, moves, rechecked)
        self._batch_update(requests_)
        logger.debug("wrote %s cells to %s", len(batch.writes), self.key)

    def _recheck(
        self, tabs: Sequence[str], guards: Sequence[RowGuard]
    ) -> dict[str, google_write.Recheck]:
        """Re-read each written tab's header and guarded identities (one call)."""
        spans = google_write.identity_spans(guards)
        ranges = google_write.recheck_ranges(tabs, spans)
        params: ParamsType = {"ranges": ranges, "fields": google_write.RECHECK_FIELDS}
        try:
            answer = self._call(
                "check",
                lambda: self.client.http_client.spreadsheets_get(self.key, params),
            )
        except _RangeRefused as exc:
            self._titles = None
            raise TrackerMovedError(
                f"a tab of {self.location} was renamed or deleted since it was "
                f"read; the cycle will be redone ({exc})"
            ) from exc
        self._note_time_zone(str(answer.get("properties", {}).get("timeZone", "")))
        return google_write.parse_recheck(answer, tabs, spans)

    def _batch_update(self, requests_: list[Any]) -> None:
        for body in google_write.bodies(requests_):
            self._send(body)

    def _send(self, body: bytes) -> None:
        url = SPREADSHEET_BATCH_UPDATE_URL % self.key
        headers = {"Content-Type": "application/json; charset=UTF-8"}
        self._call(
            "write",
            lambda: self.client.http_client.request(
                "post", url, data=body, headers=headers
            ),
        )

    # -- init ------------------------------------------------------------------

    def prepare(self, tabs: Sequence[Tab], seed: dict[str, Grid]) -> list[str]:
        """Lay out missing tabs, headers, styles, dropdowns and protections."""
        layout = self._call(
            "read",
            lambda: self.client.http_client.spreadsheets_get(
                self.key, {"fields": google_layout.LAYOUT_FIELDS}
            ),
        )
        self._note_time_zone(str(layout.get("properties", {}).get("timeZone", "")))
        existing = google_layout.matching_sheets(layout, tabs)
        tops = self._top_rows(list(existing.values()))

        plan = google_layout.plan(layout, tops, tabs, seed)
        if plan.requests:
            self._batch_update(plan.requests)
            self._titles = None
        return plan.done

    def _top_rows(self, titles: list[str]) -> dict[str, list[Any]]:
        """Rows 1 and 2 of existing tabs: headers, their style, dropdowns."""
        if not titles:
            return {}
        ranges = [f"{quote_title(title)}!1:2" for title in titles]
        params: ParamsType = {"ranges": ranges, "fields": google_layout.TOP_FIELDS}
        answer = self._call(
            "read",
            lambda: self.client.http_client.spreadsheets_get(self.key, params),
        )
        return google_layout.top_rows(answer)

    # -- errors ------------------------------------------------------------------

    def _call(self, doing: str, action: Callable[[], T]) -> T:
        """Run one API call, turning its failure into a TrackerError that says why."""
        try:
            return action()
        except APIError as exc:
            raise self._api_failure(exc, doing) from exc
        except requests.RequestException as exc:
            raise self._connection_failure(exc, doing) from exc

    def _api_failure(self, exc: APIError, doing: str) -> TrackerError:
        status = exc.response.status_code
        message = str(exc.error.get("message", "")).strip()
        if status == 404:
            return TrackerError(
                f"no spreadsheet with key {self.key}: check the URL "
                "(--tracker or [tracker] location)"
            )
        if status == 403:
            return TrackerError(
                f"the sheet is not shared with {self.account}: open it, click "
                f"Share and add {self.account} as Editor"
            )
        if status == 401:
            return TrackerError(
                f"Google refused the credentials ({message}); check the key "
                "named by [google] credentials, or make a new one"
            )
        if status == 400:
            return _RangeRefused(
                f"Google Sheets refused the request ({message}); {_outcome(doing)}"
            )
        return TrackerError(
            f"Google Sheets answered {_tries(exc.response, status)}; {_outcome(doing)}"
        )

    def _connection_failure(
        self, exc: requests.RequestException, doing: str
    ) -> TrackerError:
        where = self.settings.api_url
        tries = self.settings.max_retries + 1
        if doing == "write":
            outcome = (
                "the write may or may not have landed (it lands whole or not "
                "at all); the next sync will check and finish it"
            )
        else:
            outcome = _outcome(doing)
        return TrackerError(
            f"could not reach Google Sheets at {where} in {tries} tries "
            f"({type(exc).__name__}); {outcome}"
        )


def same_wall_clock(zone: str, other: str) -> bool:
    """True when two time zones show the same time now."""
    if zone == other:
        return True
    try:
        now = datetime.now(ZoneInfo(other))
        return now.utcoffset() == now.astimezone(ZoneInfo(zone)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return False


def _outcome(doing: str) -> str:
    """What a failed call left behind: ``doing`` is read, check or write."""
    if doing == "read":
        return "nothing was read; the next sync will try again"
    return "nothing was written; the next sync will try again"


def _tries(response: requests.Response, status: int) -> str:
    """'503 six times', or '429, 503 and 503' when the answers differed."""
    retries = getattr(response.raw, "retries", None)
    history = getattr(retries, "history", ())
    answers = [entry.status or entry.error for entry in history] + [status]
    if all(answer == status for answer in answers):
        return f"{status} {_times(len(answers))}"
    shown = [str(a) if isinstance(a, int) else "no answer" for a in answers]
    return ", ".join(shown[:-1]) + f" and {shown[-1]}"


def _times(count: int) -> str:
    if 1 <= count <= len(TIMES):
        return TIMES[count - 1]
    return f"{count} times"
