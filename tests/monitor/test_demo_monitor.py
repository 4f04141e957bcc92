"""`sheetops monitor` on the demo: exactly the planted problems, mail queued once."""

from __future__ import annotations

import io
import sys
from collections import Counter
from pathlib import Path

import click.testing
import pytest
from click.testing import CliRunner

from sheetops import schema
from sheetops.cli import main
from sheetops.cli.ops import _progress_bar
from sheetops.demo_dashboards import PLANTED, UNHEALTHY
from sheetops.sync.workbook import WorkbookBackend
from tests.monitor.builders import rows_of

AS_OF = "2026-02-02T08:00"
R3_DEMO_CUSTOMERS = {
    "Kedai Kopi Senja",
    "Rumah Makan Padang Sederhana Jaya",
    "Bakso Pak Kumis",
    "Kopi Kebun Dago",
}


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name in ("SHEETOPS_TRACKER", "SHEETOPS_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


@pytest.fixture
def demo(runner: CliRunner, tmp_path: Path) -> Path:
    path = tmp_path / "demo.xlsx"
    result = run(runner, "demo", "--tracker", str(path), "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    return path


def run(runner: CliRunner, *args: str) -> click.testing.Result:
    return runner.invoke(main, list(args), catch_exceptions=False)


def monitor(runner: CliRunner, tracker: Path, *more: str) -> click.testing.Result:
    return run(runner, "monitor", "--tracker", str(tracker), "--as-of", AS_OF, *more)


def test_the_demo_writes_a_dashboard_for_each_r3_customer(demo: Path) -> None:
    written = sorted(p.name for p in (demo.parent / "dashboards").iterdir())

    assert written == [
        "bakso-pak-kumis.xlsx",
        "kedai-kopi-senja.xlsx",
        "kopi-kebun-dago.xlsx",
        "rumah-makan-padang-sederhana-jaya.xlsx",
    ]


def test_monitor_on_the_demo_raises_exactly_the_planted_problems(
    runner: CliRunner, demo: Path
) -> None:
    result = monitor(runner, demo)

    assert result.exit_code == 0, result.output
    alerts = rows_of(WorkbookBackend(demo), schema.ALERTS)
    assert Counter((r["customer"], r["check"]) for r in alerts) == Counter(
        (UNHEALTHY, check) for check in PLANTED
    )
    by_check = {r["check"]: r for r in alerts}
    assert by_check["Food cost"]["message"] == (
        "Your food cost jumped to 38% Mon–Fri in the week of Jan 19 (usually 32%)"
    )
    assert by_check["Last refresh"]["message"] == (
        "Your dashboard hasn't updated since 23 Jan 2026"
    )
    assert by_check["Import failure"]["internal"] is True
    lines = result.output.splitlines()
    assert lines[-1].startswith(
        "checked 4 dashboards: 5 new alerts, 0 already on the Alerts tab, "
        "5 emails queued, "
    )
    healthy = {line.split(" (")[0] for line in lines if line.endswith(": ok")}
    assert healthy == R3_DEMO_CUSTOMERS - {UNHEALTHY}


def test_monitor_on_the_demo_queues_each_email_once(
    runner: CliRunner, demo: Path
) -> None:
    monitor(runner, demo)
    again = monitor(runner, demo)

    outbox = rows_of(WorkbookBackend(demo), schema.OUTBOX)
    alerts = [r for r in outbox if "alert" in str(r["kind"])]
    assert Counter(str(r["kind"]) for r in alerts) == Counter(
        {"proactive_alert": 4, "staff_alert": 1}
    )
    assert "0 new alerts, 5 already on the Alerts tab, 0 emails queued" in again.output


def test_monitor_for_one_customer_checks_only_that_one(
    runner: CliRunner, demo: Path
) -> None:
    result = monitor(runner, demo, "--customer", "Kopi Kebun Dago")

    assert result.exit_code == 0
    assert result.output.splitlines()[0] == "Kopi Kebun Dago (C-0014): ok"
    assert "checked 1 dashboards: 0 new alerts" in result.output


def test_monitor_for_a_customer_not_on_r3_exits_1_saying_why(
    runner: CliRunner, demo: Path
) -> None:
    result = monitor(runner, demo, "--customer", "C-0001")

    assert result.exit_code == 1
    assert result.output == (
        "Error: Warung Makan Bu Sari is on tier R1; the weekly checks are for "
        "tiers with proactive checks (R3)\n"
    )


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as a person's stderr does."""

    def isatty(self) -> bool:
        return True


def test_the_progress_bar_is_drawn_on_a_terminal_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)

    bar = _progress_bar("Checking dashboards")
    assert bar is not None
    with bar(["C-0001", "C-0002"]) as each:
        assert list(each) == ["C-0001", "C-0002"]

    assert "Checking dashboards" in screen.getvalue()
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert _progress_bar("Checking dashboards") is None
