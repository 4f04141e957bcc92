"""The command line: exit codes, exact messages, and help for every command."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from sheetops.cli import main
from sheetops.settings import Settings
from tests.trackers import make_workbook, small_tracker

AS_OF = "2026-01-28T10:00"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name in ("SHEETOPS_TRACKER", "SHEETOPS_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


@pytest.fixture
def tracker(tmp_path: Path, settings: Settings) -> Path:
    now = datetime(2026, 1, 28, 10, tzinfo=settings.business.time_zone)
    path = tmp_path / "tracker.xlsx"
    make_workbook(path, settings, now, small_tracker())
    return path


def run(runner: CliRunner, *args: str) -> click.testing.Result:
    return runner.invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("command", sorted(main.commands), ids=sorted(main.commands))
def test_every_command_has_help_with_an_example(
    runner: CliRunner, command: str
) -> None:
    result = run(runner, command, "--help")

    assert result.exit_code == 0
    assert "Example" in result.output
    assert "--tracker" in result.output


def test_status_prints_the_seed_budget_table(runner: CliRunner, tracker: Path) -> None:
    result = run(runner, "status", "--tracker", str(tracker), "--as-of", AS_OF)

    assert result.exit_code == 0
    lines = [line.split() for line in result.output.splitlines()]
    assert lines[2] == ["Customer", "A", "R2", "1.0", "0.5", "0.5", "Feb", "1"]
    assert lines[3] == ["Customer", "B", "R3", "2.0", "1.8", "0.2", "Feb", "5"]
    assert lines[4] == ["Customer", "C", "R2", "1.0", "0.0", "1.0", "Feb", "10"]


def test_estimate_prints_the_seed_approval_message(
    runner: CliRunner, tracker: Path
) -> None:
    result = run(
        runner,
        "estimate",
        "Customer C",
        "Page reorganization",
        "--tracker",
        str(tracker),
        "--as-of",
        AS_OF,
    )

    assert result.exit_code == 0
    assert result.output.strip() == (
        "This will take ~45 minutes. You have 1 hour this month (0 used). Proceed?"
    )


def test_estimate_names_an_unknown_customer(runner: CliRunner, tracker: Path) -> None:
    result = run(
        runner,
        "estimate",
        "Warung Tidak Ada",
        "Visual tweak",
        "--tracker",
        str(tracker),
        "--as-of",
        AS_OF,
    )

    assert result.exit_code == 1
    assert result.output == (
        "Error: 'Warung Tidak Ada' is not on the Customers tab; give a Customer ID "
        "or the exact name\n"
    )


def test_sync_dry_run_prints_changes_then_a_summary(
    runner: CliRunner, tracker: Path
) -> None:
    result = run(
        runner, "sync", "--dry-run", "--tracker", str(tracker), "--as-of", AS_OF
    )

    assert result.exit_code == 0
    assert "Customers C-0001 Remaining: (blank) → 0.5" in result.output
    assert "would change" in result.output.splitlines()[-1]


def test_sync_twice_writes_nothing_the_second_time(
    runner: CliRunner, tracker: Path
) -> None:
    run(runner, "sync", "--tracker", str(tracker), "--as-of", AS_OF)

    result = run(runner, "sync", "--tracker", str(tracker), "--as-of", AS_OF)

    assert result.exit_code == 0
    assert ", wrote 0 cells," in result.output


def test_a_tracker_that_is_not_a_workbook_is_a_clear_error(runner: CliRunner) -> None:
    result = run(runner, "sync", "--tracker", "notes.txt")

    assert result.exit_code == 1
    assert result.output.startswith("Error: tracker 'notes.txt' is neither an .xlsx")


def test_a_bad_as_of_is_a_usage_error(runner: CliRunner, tracker: Path) -> None:
    result = run(runner, "sync", "--tracker", str(tracker), "--as-of", "tomorrow")

    assert result.exit_code == 2
    assert "'tomorrow' is not an ISO date or date-time" in result.output


def test_a_bad_setting_names_the_file_key_and_expectation(
    runner: CliRunner, tracker: Path, tmp_path: Path
) -> None:
    config = tmp_path / "mine.toml"
    config.write_text("[tiers.R2]\noverage_rate = 'lots'\n")

    result = run(runner, "status", "--tracker", str(tracker), "--config", str(config))

    assert result.exit_code == 1
    assert result.output == (
        f"Error: {config}: [tiers.R2] overage_rate = 'lots': "
        "expected a whole number of at least 0\n"
    )


def test_an_environment_variable_overrides_a_setting(
    runner: CliRunner, tracker: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHEETOPS_TIERS_R2_ALLOCATION_HOURS", "2")

    result = run(runner, "status", "--tracker", str(tracker), "--as-of", AS_OF)

    assert result.output.splitlines()[2].split()[3] == "2.0"


def test_init_on_a_complete_tracker_changes_nothing(
    runner: CliRunner, tracker: Path
) -> None:
    result = run(runner, "init", "--tracker", str(tracker))

    assert result.exit_code == 0
    assert result.output == f"{tracker} already has every tab and column.\n"
