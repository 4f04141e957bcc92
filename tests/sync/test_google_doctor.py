"""``sheetops doctor`` on a Google Sheet and on a workbook."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from sheetops import schema
from sheetops.cli import main
from sheetops.settings import Settings
from sheetops.sync import doctor
from sheetops.sync.doctor import Finding
from sheetops.sync.setup import seed_grids
from sheetops.sync.workbook import WorkbookBackend
from tests.fakesheets import FakeSheetsServer
from tests.fakesheets.plugin import SERVICE_ACCOUNT_EMAIL
from tests.sync.test_google_helpers import google_settings, tracker_rows

URL = "https://docs.google.com/spreadsheets/d/{}/edit#gid=0"


@pytest.fixture
def book(fake_sheets: FakeSheetsServer) -> str:
    book = fake_sheets.store.create_spreadsheet("Support tracker", tracker_rows({}))
    fake_sheets.store.book(book).props["timeZone"] = "Asia/Jakarta"
    return book


def pointed(settings: Settings, fake: FakeSheetsServer, key: Path | str) -> Settings:
    return replace(settings, google=google_settings(settings, fake, key))


def lines(findings: list[Finding]) -> list[str]:
    return [finding.line() for finding in findings]


def test_a_good_google_setup_is_all_ok_and_names_the_account(
    settings: Settings, fake_sheets: FakeSheetsServer, key: Path, book: str
) -> None:
    findings = doctor.run(URL.format(book), pointed(settings, fake_sheets, key), {})

    assert lines(findings) == [
        "ok      settings: credentials from [google] credentials",
        f"ok      credentials: signing in as {SERVICE_ACCOUNT_EMAIL}. Share the "
        f"sheet with {SERVICE_ACCOUNT_EMAIL} as Editor",
        "ok      sheet: 'Support tracker' opens",
        "ok      time zone: Asia/Jakarta",
        "ok      tabs: all 10 tabs are there",
        "ok      headers: every tab has its columns",
    ]
    assert not doctor.failed(findings)


def test_no_credentials_at_all_is_a_settings_problem(
    settings: Settings, fake_sheets: FakeSheetsServer, book: str
) -> None:
    findings = doctor.run(book, pointed(settings, fake_sheets, ""), {})

    assert [(f.check, f.level) for f in findings] == [("settings", "problem")]
    assert "set [google] credentials" in findings[0].detail
    assert doctor.failed(findings)


def test_a_missing_credentials_file_is_named(
    settings: Settings, fake_sheets: FakeSheetsServer, tmp_path: Path, book: str
) -> None:
    missing = tmp_path / "nowhere.json"
    findings = doctor.run(book, pointed(settings, fake_sheets, missing), {})

    assert findings[-1].check == "credentials"
    assert (
        findings[-1]
        .line()
        .startswith(
            f"problem credentials: [google] credentials names {missing}, but there "
            "is no such file"
        )
    )
    assert doctor.failed(findings)


def test_the_environment_variable_counts_as_credentials(
    settings: Settings, fake_sheets: FakeSheetsServer, key: Path, book: str
) -> None:
    environ = {"GOOGLE_APPLICATION_CREDENTIALS": str(key)}

    findings = doctor.run(book, pointed(settings, fake_sheets, ""), environ)

    assert findings[0].detail == (
        "credentials from the GOOGLE_APPLICATION_CREDENTIALS variable"
    )
    assert not doctor.failed(findings)


def test_an_unshared_sheet_says_whom_to_share_it_with(
    settings: Settings, fake_sheets: FakeSheetsServer, key: Path, book: str
) -> None:
    fake_sheets.store.unshare(book, SERVICE_ACCOUNT_EMAIL)

    findings = doctor.run(book, pointed(settings, fake_sheets, key), {})

    assert findings[-1].line() == (
        f"problem sheet: the sheet is not shared with {SERVICE_ACCOUNT_EMAIL}: "
        f"open it, click Share and add {SERVICE_ACCOUNT_EMAIL} as Editor"
    )
    assert doctor.failed(findings)


def test_an_unknown_key_says_to_check_the_url(
    settings: Settings, fake_sheets: FakeSheetsServer, key: Path
) -> None:
    missing = "1" + "x" * 43

    findings = doctor.run(missing, pointed(settings, fake_sheets, key), {})

    assert (
        findings[-1]
        .line()
        .startswith(f"problem sheet: no spreadsheet with key {missing}: check the URL")
    )


def test_a_missing_tab_and_header_say_to_run_init(
    settings: Settings, fake_sheets: FakeSheetsServer, key: Path
) -> None:
    grids = tracker_rows({})
    del grids["Calls"]
    grids["Catalog"] = [["Task", "Min (min)", "Max (min)"]]
    book = fake_sheets.store.create_spreadsheet("Old tracker", grids)

    findings = doctor.run(book, pointed(settings, fake_sheets, key), {})

    init = f"run `sheetops init --tracker {book}`"
    assert lines(findings)[-2:] == [
        f"problem tabs: Calls is missing; fix: {init} to add them",
        "problem headers: Catalog has no column 'Example', 'Problems'; "
        f"fix: {init} to add",
    ]
    assert doctor.failed(findings)


def test_a_sheet_in_another_time_zone_gets_a_note_not_a_problem(
    settings: Settings, fake_sheets: FakeSheetsServer, key: Path, book: str
) -> None:
    fake_sheets.store.book(book).props["timeZone"] = "Europe/London"

    findings = doctor.run(book, pointed(settings, fake_sheets, key), {})

    note = next(f for f in findings if f.check == "time zone")
    assert note.level == "note"
    assert note.fix == "set File > Settings > Time zone to Asia/Jakarta"
    assert not doctor.failed(findings)


def test_a_good_workbook_is_all_ok(
    settings: Settings, tmp_path: Path, as_of: datetime
) -> None:
    path = tmp_path / "tracker.xlsx"
    WorkbookBackend(path).prepare(schema.TABS, seed_grids(settings, as_of))

    findings = doctor.run(str(path), settings)

    assert lines(findings) == [
        f"ok      tracker: {path} exists",
        "ok      open: no one has it open",
        "ok      tabs: all 10 tabs are there",
        "ok      headers: every tab has its columns",
    ]


def test_a_missing_workbook_says_to_run_init(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "tracker.xlsx"

    findings = doctor.run(str(path), settings)

    assert lines(findings) == [
        f"problem tracker: {path} does not exist; fix: run `sheetops init "
        f"--tracker {path}` to create it"
    ]


def test_a_workbook_open_in_libreoffice_is_a_problem(
    settings: Settings, tmp_path: Path, as_of: datetime
) -> None:
    path = tmp_path / "tracker.xlsx"
    WorkbookBackend(path).prepare(schema.TABS, seed_grids(settings, as_of))
    (tmp_path / ".~lock.tracker.xlsx#").write_text("Dewi,dewi,host,now,profile;")

    findings = doctor.run(str(path), settings)

    assert findings[1].check == "open"
    assert (
        findings[1]
        .line()
        .startswith(f"problem open: {path} is open in LibreOffice by Dewi (dewi)")
    )
    assert doctor.failed(findings)


def test_the_doctor_command_exits_1_with_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "tracker.xlsx"

    result = CliRunner().invoke(main, ["doctor", "--tracker", str(path)])

    assert result.exit_code == 1
    assert result.output == (
        f"problem tracker: {path} does not exist; fix: run `sheetops init "
        f"--tracker {path}` to create it\n"
    )


def test_the_doctor_command_exits_0_when_all_is_well(
    settings: Settings, tmp_path: Path, as_of: datetime
) -> None:
    path = tmp_path / "tracker.xlsx"
    WorkbookBackend(path).prepare(schema.TABS, seed_grids(settings, as_of))

    result = CliRunner().invoke(main, ["doctor", "--tracker", str(path)])

    assert result.exit_code == 0
    assert (
        result.output.splitlines()[-1] == "ok      headers: every tab has its columns"
    )
