"""The ``[monitor]`` settings: thresholds of the weekly checks, the dashboard contract.

They live in ``settings.raw`` (the merged TOML), so they are checked
here, once per run, and a bad value is a SettingsError naming
``[monitor]``, the key and what it should be.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sheetops.errors import SettingsError
from sheetops.settings import Settings

SECTION = "monitor"
# A named range as Sheets and Excel allow it: a letter or _, then word chars.
RANGE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
CELL = re.compile(r"^\$?[A-Za-z]{1,3}\$?[0-9]+$")


@dataclass(frozen=True)
class RefreshCell:
    """Where a dashboard records its last refresh: a tab and cell, or a name."""

    tab: str
    cell: str
    name: str

    @property
    def named(self) -> bool:
        return bool(self.name)

    def describe(self) -> str:
        """The place as a person would type it: ``Dashboard!B2`` or the name."""
        return self.name or f"{self.tab}!{self.cell}"


@dataclass(frozen=True)
class Contract:
    """What the dashboard template promises: its tabs, headers and refresh cell."""

    tab: str
    date: str
    revenue: str
    food_cost: str
    other_costs: str
    refresh: RefreshCell
    log_tab: str
    log_date: str
    log_kind: str
    log_message: str
    import_failure: str
    calculation_error: str


@dataclass(frozen=True)
class MonitorSettings:
    """The thresholds of the weekly checks and the dashboard contract."""

    stale_days: int
    revenue_drop: float
    food_cost_points: float
    usual_weeks: int
    min_history_weeks: int
    contract: Contract


def monitor_settings(settings: Settings) -> MonitorSettings:
    """The checked ``[monitor]`` settings."""
    section = _table(settings.raw, (SECTION,))
    usual_weeks = _whole(section, "usual_weeks", 1)
    history = _whole(section, "min_history_weeks", 1)
    if history > usual_weeks:
        raise _bad(
            ("min_history_weeks",), history, f"at most usual_weeks ({usual_weeks})"
        )
    return MonitorSettings(
        stale_days=_whole(section, "stale_days", 1),
        revenue_drop=_share(section, "revenue_drop"),
        food_cost_points=_points(section, "food_cost_points"),
        usual_weeks=usual_weeks,
        min_history_weeks=history,
        contract=_contract(section),
    )


def _contract(section: Mapping[str, Any]) -> Contract:
    sheet = _table(section, (SECTION, "dashboard"))
    log = _table(section, (SECTION, "import_log"))
    dash = ("dashboard",)
    logs = ("import_log",)
    return Contract(
        tab=_text(sheet, (*dash, "tab")),
        date=_text(sheet, (*dash, "date")),
        revenue=_text(sheet, (*dash, "revenue")),
        food_cost=_text(sheet, (*dash, "food_cost")),
        other_costs=_text(sheet, (*dash, "other_costs")),
        refresh=refresh_cell(_text(sheet, (*dash, "last_refresh"))),
        log_tab=_text(log, (*logs, "tab")),
        log_date=_text(log, (*logs, "date")),
        log_kind=_text(log, (*logs, "kind")),
        log_message=_text(log, (*logs, "message")),
        import_failure=_text(log, (*logs, "import_failure")),
        calculation_error=_text(log, (*logs, "calculation_error")),
    )


def refresh_cell(text: str) -> RefreshCell:
    """Read ``Dashboard!B2``, ``'My Tab'!B2`` or a range name."""
    if "!" in text:
        tab, cell = text.rsplit("!", 1)
        tab = tab.strip()
        if tab.startswith("'") and tab.endswith("'") and len(tab) > 1:
            tab = tab[1:-1].replace("''", "'")
        if tab and CELL.match(cell.strip()):
            return RefreshCell(tab, cell.strip().replace("$", "").upper(), "")
    elif RANGE_NAME.match(text):
        return RefreshCell("", "", text)
    raise _bad(
        ("dashboard", "last_refresh"),
        text,
        "a tab and cell like Dashboard!B2, or the name of a named cell",
    )


def _table(data: Mapping[str, Any], keys: tuple[str, ...]) -> Mapping[str, Any]:
    value = data.get(keys[-1])
    if not isinstance(value, Mapping):
        place = ".".join(keys)
        raise SettingsError(
            f"the settings have no [{place}] table; copy it from the shipped "
            "config/sheetops.toml"
        )
    return value


def _get(section: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    if keys[-1] not in section:
        raise SettingsError(
            f"{_place(keys)} is missing; copy it from the shipped config/sheetops.toml"
        )
    return section[keys[-1]]


def _whole(section: Mapping[str, Any], key: str, minimum: int) -> int:
    value = _get(section, (key,))
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise _bad((key,), value, f"a whole number of at least {minimum}")
    return value


def _share(section: Mapping[str, Any], key: str) -> float:
    value = _get(section, (key,))
    if not _is_number(value) or not 0 < value < 1:
        raise _bad((key,), value, "a share between 0 and 1, e.g. 0.15 for 15 %")
    return float(value)


def _points(section: Mapping[str, Any], key: str) -> float:
    value = _get(section, (key,))
    if not _is_number(value) or not 0 < value < 100:
        raise _bad((key,), value, "percentage points between 0 and 100, e.g. 5")
    return float(value)


def _text(section: Mapping[str, Any], keys: tuple[str, ...]) -> str:
    value = _get(section, keys)
    if not isinstance(value, str) or not value.strip():
        raise _bad(keys, value, "some text (a tab name, a header or a cell)")
    return value.strip()


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _place(keys: tuple[str, ...]) -> str:
    table = ".".join((SECTION, *keys[:-1]))
    return f"[{table}] {keys[-1]}"


def _bad(keys: tuple[str, ...], value: object, expected: str) -> SettingsError:
    variable = "SHEETOPS_" + "_".join((SECTION, *keys)).upper()
    return SettingsError(
        f"{_place(keys)} = {value!r}: expected {expected}; fix it in your "
        f"--config file or {variable}"
    )
