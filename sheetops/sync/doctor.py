"""``sheetops doctor``: can this tracker be synced, and if not, what to fix.

Each check gives one finding: ``ok``, a ``note`` worth knowing, or a
``problem`` with its fix. For a Google Sheet: settings, credentials (and
the address to share the sheet with), that the sheet opens, its time
zone, tabs and headers. For a workbook: the file, that no one has it
open, tabs and headers. The checks stop at the first one the rest
depend on.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sheetops import schema
from sheetops.errors import TrackerError
from sheetops.settings import Settings
from sheetops.sync.backend import Backend, Snapshot
from sheetops.sync.google import GoogleBackend, same_wall_clock
from sheetops.sync.google_auth import NO_CREDENTIALS, find_source, sign_in
from sheetops.sync.trackers import google_key
from sheetops.sync.workbook import WorkbookBackend, refuse_if_open

OK = "ok"
NOTE = "note"
PROBLEM = "problem"


@dataclass(frozen=True)
class Finding:
    """The outcome of one check."""

    check: str
    level: str
    detail: str
    fix: str = ""

    @property
    def ok(self) -> bool:
        return self.level != PROBLEM

    def line(self) -> str:
        """'problem tabs: Calls is missing; fix: run sheetops init ...'."""
        text = f"{self.level:<7} {self.check}: {self.detail}"
        return f"{text}; fix: {self.fix}" if self.fix else text


def failed(findings: list[Finding]) -> bool:
    """True when any check found a problem."""
    return any(not finding.ok for finding in findings)


def run(
    location: str, settings: Settings, environ: Mapping[str, str] | None = None
) -> list[Finding]:
    """Check the tracker at ``location``: a Google Sheet's URL or key, or a file."""
    key = google_key(location)
    if key is not None:
        return _google(key, location, settings, environ)
    return _workbook(location)


def _google(
    key: str, location: str, settings: Settings, environ: Mapping[str, str] | None
) -> list[Finding]:
    environ = os.environ if environ is None else environ
    source = find_source(settings.google, environ)
    if source is None:
        return [Finding("settings", PROBLEM, NO_CREDENTIALS)]
    findings = [Finding("settings", OK, f"credentials from {source.setting}")]

    try:
        signed = sign_in(settings.google, environ)
    except TrackerError as exc:
        return [*findings, Finding("credentials", PROBLEM, str(exc))]
    findings.append(
        Finding(
            "credentials",
            OK,
            f"signing in as {signed.account}. Share the sheet with "
            f"{signed.account} as Editor",
        )
    )

    zone = settings.business.time_zone.key
    backend = GoogleBackend(key, settings.google, time_zone=zone, environ=environ)
    try:
        info = backend.describe()
        findings.append(Finding("sheet", OK, f"{info.title!r} opens"))
        findings.append(_time_zone(info.time_zone, zone))
        findings.extend(_layout(backend, location, list(info.tabs)))
    except TrackerError as exc:
        findings.append(Finding("sheet", PROBLEM, str(exc)))
    finally:
        backend.close()
    return findings


def _time_zone(found: str, wanted: str) -> Finding:
    if same_wall_clock(found, wanted):
        return Finding("time zone", OK, found)
    return Finding(
        "time zone",
        NOTE,
        f"the sheet keeps {found}, not {wanted}; typed dates are read as "
        "they are, but NOW(), TODAY() and form timestamps follow the sheet",
        f"set File > Settings > Time zone to {wanted}",
    )


def _workbook(location: str) -> list[Finding]:
    path = Path(location).expanduser()
    if path.suffix.lower() != ".xlsx":
        detail = f"{location!r} is neither an .xlsx workbook nor a Google Sheets URL"
        fix = "pass --tracker tracker.xlsx or the sheet's URL"
        return [Finding("tracker", PROBLEM, detail, fix)]
    if not path.exists():
        fix = f"run `sheetops init --tracker {location}` to create it"
        return [Finding("tracker", PROBLEM, f"{path} does not exist", fix)]
    findings = [Finding("tracker", OK, f"{path} exists")]

    try:
        refuse_if_open(path)
        findings.append(Finding("open", OK, "no one has it open"))
    except TrackerError as exc:
        findings.append(Finding("open", PROBLEM, str(exc)))

    backend = WorkbookBackend(path)
    try:
        snapshot = backend.read()
    except TrackerError as exc:
        return [*findings, Finding("read", PROBLEM, str(exc))]
    return findings + _layout_of(snapshot, location, list(snapshot.grids))


def _layout(backend: Backend, location: str, titles: list[str]) -> list[Finding]:
    """Tabs and headers, from one read of the tracker."""
    return _layout_of(backend.read(), location, titles)


def _layout_of(snapshot: Snapshot, location: str, titles: list[str]) -> list[Finding]:
    init = f"run `sheetops init --tracker {location}`"
    present = {" ".join(t.split()).casefold() for t in titles}
    missing = [
        tab.name
        for tab in schema.TABS
        if " ".join(tab.name.split()).casefold() not in present
    ]
    findings = []
    if missing:
        detail = f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing"
        findings.append(Finding("tabs", PROBLEM, detail, f"{init} to add them"))
    else:
        findings.append(Finding("tabs", OK, f"all {len(schema.TABS)} tabs are there"))

    for tab in schema.TABS:
        grid = snapshot.grid(tab.name)
        if grid is None:
            continue
        lacking = _missing_headers(tab, grid[0] if grid else [])
        if lacking:
            detail = f"{tab.name} has no column {', '.join(map(repr, lacking))}"
            findings.append(Finding("headers", PROBLEM, detail, f"{init} to add"))
    if not any(f.check == "headers" for f in findings):
        findings.append(Finding("headers", OK, "every tab has its columns"))
    return findings


def _missing_headers(tab: schema.Tab, header: Sequence[object]) -> list[str]:
    found = {schema.loose(text) for text in header if text is not None}
    return [
        column.header
        for column in tab.columns
        if not column.optional and schema.loose(column.header) not in found
    ]
