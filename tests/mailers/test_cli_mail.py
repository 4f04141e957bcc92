"""The mail commands: report, invoice, mail flush, mail preview."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import click.testing
import pytest
from click.testing import CliRunner

from sheetops.cli import main
from sheetops.settings import Settings
from tests.mailers.builders import (
    every_kind_tracker,
    outbox_rows,
    r3_over,
    seed_january,
    tracker,
)

AS_OF = "2026-02-02T10:00"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    for name in ("SHEETOPS_TRACKER", "SHEETOPS_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    # The outbox folder is relative to the current directory.
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def run(runner: CliRunner, *args: str) -> click.testing.Result:
    return runner.invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("command", ["flush", "preview"])
def test_every_mail_subcommand_has_help_with_an_example(
    runner: CliRunner, command: str
) -> None:
    result = run(runner, "mail", command, "--help")

    assert result.exit_code == 0
    assert "Example" in result.output
    assert "--tracker" in result.output


def test_report_previews_the_last_closed_period(
    runner: CliRunner, tmp_path: Path, settings: Settings, as_of: datetime
) -> None:
    backend = tracker(tmp_path, settings, as_of, seed_january())

    result = run(
        runner, "report", "warung kopi", "--tracker", backend.location, "--as-of", AS_OF
    )

    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[:3] == [
        "To: Warung Kopi <kopi@example.com>",
        "Subject: Your Support Summary - January 2026",
        "Language: en",
    ]
    assert "Time Used: 0.75 hours (75%)" in lines
    assert not (tmp_path / "outbox").exists()
    assert outbox_rows(backend) == {}


def test_report_send_writes_the_eml_once(
    runner: CliRunner, tmp_path: Path, settings: Settings, as_of: datetime
) -> None:
    backend = tracker(tmp_path, settings, as_of, seed_january())
    args = ["report", "C-0001", "--period", "2026-01", "--send"]
    args += ["--tracker", backend.location, "--as-of", AS_OF]

    first = run(runner, *args)
    second = run(runner, *args)

    key = "time_report:C-0001:2026-01-01"
    assert first.output.splitlines()[-1] == f"{key}: sent (kopi@example.com)"
    assert second.output.splitlines()[-1] == (
        f"{key}: already in the Outbox as sent; set its State to queued there to "
        "send it again"
    )
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1


def test_report_for_an_unknown_customer_is_a_one_line_error(
    runner: CliRunner, tmp_path: Path, settings: Settings, as_of: datetime
) -> None:
    backend = tracker(tmp_path, settings, as_of, seed_january())

    result = runner.invoke(
        main, ["report", "Nobody", "--tracker", backend.location, "--as-of", AS_OF]
    )

    assert result.exit_code == 1
    assert result.output == (
        "Error: 'Nobody' is not a Customer ID or name on the Customers tab (a "
        "customer with no ID yet gets one at the next `sheetops sync`)\n"
    )


def test_invoice_prints_the_table_writes_csv_and_queues_mail(
    runner: CliRunner, tmp_path: Path, settings: Settings, as_of: datetime
) -> None:
    backend = tracker(tmp_path, settings, as_of, r3_over(61))
    args = ["invoice", "--month", "2026-02", "--csv", "overage.csv"]
    args += ["--tracker", backend.location, "--as-of", "2026-03-02"]

    result = run(runner, *args)
    again = run(runner, *args)

    lines = result.output.splitlines()
    assert lines[0].split() == [
        "Customer",
        "Tier",
        "Period",
        "Over",
        "Billed",
        "Rate",
        "Amount",
        "Requests",
    ]
    assert lines[2].split() == [
        "Resto",
        "Padang",
        "R3",
        "2026-01-05",
        "to",
        "2026-02-04",
        "61",
        "min",
        "1.25",
        "h",
        "Rp",
        "300.000/h",
        "Rp",
        "375.000",
        "REQ-0022",
    ]
    assert lines[3].split() == ["Total", "Rp", "375.000"]
    assert lines[-1].startswith("Queued 1 new invoice emails in the Outbox")
    assert again.output.splitlines()[-1].startswith("Queued 0 new invoice emails")
    with (tmp_path / "overage.csv").open(newline="", encoding="utf-8") as handle:
        assert [row["Amount (Rp)"] for row in csv.DictReader(handle)] == ["375000"]
    assert outbox_rows(backend)["overage_invoice:C-0002:2026-01-05"]["state"] == (
        "queued"
    )


def test_mail_flush_sends_the_queued_invoice(
    runner: CliRunner, tmp_path: Path, settings: Settings, as_of: datetime
) -> None:
    backend = tracker(tmp_path, settings, as_of, r3_over(61))
    common = ["--tracker", backend.location, "--as-of", "2026-03-02"]
    run(runner, "invoice", "--month", "2026-02", *common)

    result = run(runner, "mail", "flush", *common)

    assert result.output.splitlines() == [
        "overage_invoice:C-0002:2026-01-05: sent (padang@example.com)",
        f"{backend.location}: queued 0 new, sent 1, will retry 0, failed 0",
    ]
    [eml] = (tmp_path / "outbox").glob("*.eml")
    assert "Amount: Rp 375.000" in eml.read_text(encoding="utf-8")


def test_mail_preview_renders_in_the_language_asked(
    runner: CliRunner, tmp_path: Path, settings: Settings, as_of: datetime
) -> None:
    backend = tracker(tmp_path, settings, as_of, every_kind_tracker())
    common = ["--tracker", backend.location, "--as-of", AS_OF]

    english = run(
        runner,
        "mail",
        "preview",
        "call_invitation",
        "C-0002",
        "--language",
        "en",
        *common,
    )
    html = run(
        runner,
        "mail",
        "preview",
        "proactive_alert",
        "Resto Padang Sederhana",
        "--html",
        *common,
    )

    assert english.output.splitlines()[1] == (
        "Subject: Your 60-minute Strategic Call - February 2026"
    )
    assert '<html lang="id">' in html.output
    assert "Food cost: 38% (biasanya 32%)" in html.output.replace(
        "<strong>", ""
    ).replace("</strong>", "")
    assert outbox_rows(backend) == {}


def test_mail_preview_refuses_an_unknown_kind_as_bad_usage(
    runner: CliRunner, tmp_path: Path, settings: Settings, as_of: datetime
) -> None:
    backend = tracker(tmp_path, settings, as_of, seed_january())

    result = runner.invoke(
        main, ["mail", "preview", "newsletter", "C-0001", "--tracker", backend.location]
    )

    assert result.exit_code == 2
    assert "Invalid value for KIND: 'newsletter' is not one of time_report" in (
        result.output
    )
