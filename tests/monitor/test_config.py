"""The [monitor] settings: shipped defaults, overrides, and what a bad value says."""

from __future__ import annotations

from pathlib import Path

import pytest

from sheetops.errors import SettingsError
from sheetops.monitor.config import RefreshCell, monitor_settings, refresh_cell
from sheetops.settings import load_settings
from tests.monitor.builders import SETTINGS, settings_from


def test_the_shipped_thresholds_are_the_seeds() -> None:
    rules = monitor_settings(SETTINGS)

    assert rules.stale_days == 7
    assert rules.revenue_drop == 0.15
    assert rules.food_cost_points == 5.0
    assert rules.usual_weeks == 8
    assert rules.min_history_weeks == 4


def test_the_shipped_contract_matches_the_template() -> None:
    contract = monitor_settings(SETTINGS).contract

    assert (contract.tab, contract.date, contract.revenue) == (
        "Daily",
        "Date",
        "Revenue",
    )
    assert (contract.food_cost, contract.other_costs) == ("Food Cost", "Other Costs")
    assert contract.refresh == RefreshCell("Dashboard", "B2", "")
    assert (contract.log_tab, contract.log_kind) == ("Import Log", "Kind")
    assert (contract.import_failure, contract.calculation_error) == (
        "Import failure",
        "Calculation error",
    )


def test_an_environment_variable_changes_a_threshold() -> None:
    settings = load_settings(None, environ={"SHEETOPS_MONITOR_FOOD_COST_POINTS": "4.5"})

    assert monitor_settings(settings).food_cost_points == 4.5


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            "[monitor]\nrevenue_drop = 15\n",
            "[monitor] revenue_drop = 15: expected a share between 0 and 1, e.g. "
            "0.15 for 15 %; fix it in your --config file or "
            "SHEETOPS_MONITOR_REVENUE_DROP",
        ),
        (
            "[monitor]\nstale_days = 0\n",
            "[monitor] stale_days = 0: expected a whole number of at least 1; fix "
            "it in your --config file or SHEETOPS_MONITOR_STALE_DAYS",
        ),
        (
            "[monitor]\nfood_cost_points = -5\n",
            "[monitor] food_cost_points = -5: expected percentage points between 0 "
            "and 100, e.g. 5; fix it in your --config file or "
            "SHEETOPS_MONITOR_FOOD_COST_POINTS",
        ),
        (
            "[monitor]\nmin_history_weeks = 9\n",
            "[monitor] min_history_weeks = 9: expected at most usual_weeks (8); fix "
            "it in your --config file or SHEETOPS_MONITOR_MIN_HISTORY_WEEKS",
        ),
        (
            '[monitor.dashboard]\nrevenue = ""\n',
            "[monitor.dashboard] revenue = '': expected some text (a tab name, a "
            "header or a cell); fix it in your --config file or "
            "SHEETOPS_MONITOR_DASHBOARD_REVENUE",
        ),
        (
            '[monitor.dashboard]\nlast_refresh = "Dashboard!row two"\n',
            "[monitor.dashboard] last_refresh = 'Dashboard!row two': expected a tab "
            "and cell like Dashboard!B2, or the name of a named cell; fix it in "
            "your --config file or SHEETOPS_MONITOR_DASHBOARD_LAST_REFRESH",
        ),
    ],
    ids=["share", "days", "points", "history", "header", "refresh-cell"],
)
def test_a_bad_value_names_the_section_the_key_and_the_fix(
    tmp_path: Path, toml: str, message: str
) -> None:
    settings = settings_from(tmp_path, toml)

    with pytest.raises(SettingsError) as caught:
        monitor_settings(settings)

    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dashboard!B2", RefreshCell("Dashboard", "B2", "")),
        ("'Ringkasan Harian'!$c$4", RefreshCell("Ringkasan Harian", "C4", "")),
        ("LastRefresh", RefreshCell("", "", "LastRefresh")),
    ],
    ids=["tab-and-cell", "quoted-tab-absolute-cell", "named-cell"],
)
def test_the_refresh_cell_is_a_tab_and_cell_or_a_name(
    text: str, expected: RefreshCell
) -> None:
    assert refresh_cell(text) == expected
