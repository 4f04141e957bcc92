"""The Calls rules: which calls are due, their proposed slots, their columns."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from sheetops.rules import calls
from sheetops.rules.calendar import BusinessCalendar
from sheetops.settings import Settings


def _customers(*rows: tuple[str, str, bool]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"customer_id": cid, "customer": f"Resto {cid}", "tier": tier, "active": on}
            for cid, tier, on in rows
        ]
    )


def _calendar(settings: Settings, *days_off: date) -> BusinessCalendar:
    return BusinessCalendar(settings.business, days_off=days_off)


@pytest.mark.parametrize(
    ("month", "r3_kinds"),
    [
        ("2026-04", ["Strategic Call", "Quarterly Deep Dive"]),
        ("2026-05", ["Strategic Call"]),
        ("2026-10", ["Strategic Call", "Quarterly Deep Dive"]),
    ],
    ids=["april-quarter-start", "may", "october-quarter-start"],
)
def test_r3_gets_the_deep_dive_only_in_a_quarters_first_month(
    settings: Settings, month: str, r3_kinds: list[str]
) -> None:
    customers = _customers(("C-1", "R2", True), ("C-2", "R3", True))

    due = calls.calls_due(customers, [], settings, month)

    assert [(c.customer_id, c.kind) for c in due] == [
        ("C-1", "Monthly Check-in"),
        *[("C-2", kind) for kind in r3_kinds],
    ]
    assert {c.kind: c.minutes for c in due}["Strategic Call"] == 60


def test_no_calls_for_r1_inactive_customers_or_calls_already_there(
    settings: Settings,
) -> None:
    customers = _customers(
        ("C-1", "R1", True), ("C-2", "R2", False), ("C-3", "R2", True)
    )
    existing = [("c-3", "monthly check-in", "2026-05")]

    assert calls.calls_due(customers, existing, settings, "2026-05") == []


def test_first_business_day_skips_a_weekend_and_a_holiday(settings: Settings) -> None:
    # 1 August 2026 is a Saturday; Monday the 3rd is made a day off.
    calendar = _calendar(settings, date(2026, 8, 3))

    assert calls.first_business_day("2026-08", calendar) == date(2026, 8, 4)


def test_slots_fall_on_the_tiers_weekdays_of_week_two(settings: Settings) -> None:
    customers = _customers(("C-1", "R2", True), ("C-2", "R3", True))
    due = calls.calls_due(customers, [], settings, "2026-05")

    slots = calls.propose_slots(due, _calendar(settings), 4)

    # Week 2 of May 2026 is the 8th (Fri) to the 14th (Thu).
    assert slots[due[0]] == datetime(2026, 5, 12, 10, 0)  # Tuesday
    assert slots[due[1]] == datetime(2026, 5, 8, 10, 0)  # Friday


def test_slots_are_capped_per_day_and_skip_days_off(settings: Settings) -> None:
    customers = _customers(*[(f"C-{n:02d}", "R2", True) for n in range(1, 11)])
    due = calls.calls_due(customers, [], settings, "2026-05")
    calendar = _calendar(settings, date(2026, 5, 13))

    slots = calls.propose_slots(due, calendar, 3)

    days = pd.Series([s.date() for s in slots.values() if s]).value_counts()
    assert days.max() <= 3
    assert date(2026, 5, 13) not in days.index
    assert {d.weekday() for d in days.index} <= {1, 2, 3}
    # The 13th is off and the 14th is Ascension Day, so week 2 has one day
    # for three calls; the rest go to week 3's Tuesday to Thursday.
    assert days.sort_index().to_dict() == {
        date(2026, 5, 12): 3,
        date(2026, 5, 19): 3,
        date(2026, 5, 20): 3,
        date(2026, 5, 21): 1,
    }


def test_booked_calls_count_toward_the_cap(settings: Settings) -> None:
    due = calls.calls_due(_customers(("C-9", "R3", True)), [], settings, "2026-05")
    booked = [(datetime(2026, 5, 8, 10), 60, f"C-{n}") for n in range(4)]

    slots = calls.propose_slots(due, _calendar(settings), 4, booked)

    assert slots[due[0]] == datetime(2026, 5, 11, 10, 0)


def test_one_customers_two_calls_go_on_different_days(settings: Settings) -> None:
    due = calls.calls_due(_customers(("C-2", "R3", True)), [], settings, "2026-04")

    slots = calls.propose_slots(due, _calendar(settings), 4)

    assert [s.date() for s in slots.values() if s] == [
        date(2026, 4, 10),
        date(2026, 4, 13),
    ]


def _calls_frame(*rows: dict[str, object]) -> pd.DataFrame:
    blank = {
        "customer": "",
        "kind": "",
        "month": "",
        "scheduled_for": pd.NaT,
        "held_on": pd.NaT,
        "medium": "",
        "action_items": "",
    }
    return pd.DataFrame(
        [{**blank, **row} for row in rows], index=range(2, 2 + len(rows))
    )


def test_call_columns_give_duration_due_by_and_status(settings: Settings) -> None:
    frame = _calls_frame(
        {"kind": "Strategic Call", "month": "2026-04"},
        {
            "kind": "Strategic Call",
            "month": "2026-05",
            "held_on": pd.Timestamp(2026, 5, 8),
        },
        {
            "kind": "Monthly Check-in",
            "month": "2026-05",
            "scheduled_for": pd.Timestamp(2026, 5, 12, 10),
        },
        {"kind": "Monthly Check-in", "month": "2026-05"},
    )
    ids = pd.Series(["C-2", "C-2", "C-1", "C-1"], index=frame.index)

    result = calls.call_columns(
        frame,
        ids,
        {"C-1": "R2", "C-2": "R3"},
        settings,
        _calendar(settings),
        date(2026, 5, 4),
    )

    assert list(result["duration_minutes"]) == [60, 60, 30, 30]
    assert list(result["status"]) == ["overdue", "held", "scheduled", "unscheduled"]
    assert result.at[2, "due_by"] == date(2026, 4, 30)
    assert result.at[5, "due_by"] == date(2026, 5, 29)


def test_call_problems_name_the_medium_and_a_kind_the_tier_lacks(
    settings: Settings,
) -> None:
    frame = _calls_frame(
        {"kind": "Strategic Call", "month": "2026-05", "medium": "phone"},
        {"kind": "Quarterly Deep Dive", "month": "2026-04"},
        {"kind": "Monthly Check-in", "month": "2026-05", "medium": "phone"},
    )
    ids = pd.Series(["C-2", "C-1", "C-1"], index=frame.index)

    result = calls.call_columns(
        frame,
        ids,
        {"C-1": "R2", "C-2": "R3"},
        settings,
        _calendar(settings),
        date(2026, 5, 4),
    )

    assert result.at[2, "problems"] == [
        "Medium: phone, but the R3 Strategic Call is by video"
    ]
    problems = result["problems"].to_dict()
    assert problems[3][0].startswith(
        "Kind: R2 Premium doesn't include a Quarterly Deep Dive"
    )
    assert result.at[4, "problems"] == []


def test_calls_per_day_comes_from_the_settings(settings: Settings) -> None:
    assert settings.calls.calls_per_day == 4
