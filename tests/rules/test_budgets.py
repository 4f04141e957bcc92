"""Time logged, the monthly budget, overage and its approval."""

from __future__ import annotations

from datetime import date, time

import numpy as np
import pandas as pd
import pytest

from sheetops.rules.budgets import (
    budget_table,
    overage_approval_problems,
    time_log_table,
)
from sheetops.settings import Settings

T = pd.Timestamp
TODAY = date(2026, 1, 31)


def customers_frame(*rows: tuple[str, str, str, str]) -> pd.DataFrame:
    """Customers as (id, tier, period start, reset date)."""
    return pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "customer": [f"Customer {r[0]}" for r in rows],
            "tier": [r[1] for r in rows],
            "period_start": pd.to_datetime([r[2] for r in rows]),
            "reset_date": pd.to_datetime([r[3] for r in rows]),
        },
        index=range(2, len(rows) + 2),
    )


def requests_frame(*rows: dict[str, object]) -> pd.DataFrame:
    """Requests; each row names request_id and customer_id, the rest defaults."""
    defaults: dict[str, object] = {
        "type": "B",
        "approved_on": T("2026-01-01"),
        "status": "In Progress",
        "estimate_minutes": np.nan,
        "overage_approved": False,
    }
    frame = pd.DataFrame([{**defaults, **row} for row in rows])
    frame["approved_on"] = pd.to_datetime(frame["approved_on"])
    frame["estimate_minutes"] = frame["estimate_minutes"].astype(float)
    return frame.set_axis(range(2, len(rows) + 2))


def time_log_frame(*rows: dict[str, object]) -> pd.DataFrame:
    """Time Log rows; date, request_id, customer_id, period_start, minutes."""
    defaults: dict[str, object] = {
        "request_id": "",
        "minutes": np.nan,
        "started": None,
        "stopped": None,
    }
    frame = pd.DataFrame(
        [{**defaults, **row} for row in rows],
        columns=[
            "date",
            "request_id",
            "customer_id",
            "minutes",
            "started",
            "stopped",
            "period_start",
        ],
    )
    frame["date"] = pd.to_datetime(frame["date"])
    frame["period_start"] = pd.to_datetime(frame["period_start"])
    frame["minutes"] = frame["minutes"].astype(float)
    frame["started"] = frame["started"].astype(object)
    frame["stopped"] = frame["stopped"].astype(object)
    return frame.set_axis(range(2, len(rows) + 2))


def computed(
    time_log: pd.DataFrame, requests: pd.DataFrame, settings: Settings
) -> pd.DataFrame:
    """The Time Log with time_log_table's columns beside it, as the engine joins."""
    return pd.concat(
        [time_log, time_log_table(time_log, requests, settings, TODAY)], axis=1
    )


def log(day: str, request: str, customer: str, minutes: float, period: str) -> dict:
    return {
        "date": day,
        "request_id": request,
        "customer_id": customer,
        "minutes": minutes,
        "period_start": period,
    }


# ---- time_log_table ---------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "started", "stopped", "worked", "hours"),
    [
        (45, None, None, 45, 0.75),
        (np.nan, time(9, 0), time(10, 30), 90, 1.5),
        (20, time(9, 0), time(10, 0), 20, 0.33),
        (np.nan, time(9, 0), time(9, 20, 30), 20.5, 0.34),
    ],
    ids=["minutes", "started-stopped", "minutes-win", "seconds"],
)
def test_minutes_worked_come_from_minutes_or_the_stopwatch(
    settings: Settings,
    minutes: float,
    started: time | None,
    stopped: time | None,
    worked: float,
    hours: float,
) -> None:
    requests = requests_frame({"request_id": "REQ-1", "customer_id": "C-1"})
    row = log("2026-01-10", "REQ-1", "C-1", minutes, "2026-01-01")
    time_log = time_log_frame({**row, "started": started, "stopped": stopped})

    table = time_log_table(time_log, requests, settings, TODAY)

    assert table.at[2, "minutes_worked"] == pytest.approx(worked)
    assert table.at[2, "hours"] == hours
    assert table.at[2, "counts_toward_allocation"]
    assert table.at[2, "problems"] == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"minutes": -30}, "Minutes: -30 is not a positive number of minutes"),
        ({"minutes": 0}, "Minutes: 0 is not a positive number of minutes"),
        (
            {"minutes": 900},
            "Minutes: 900 is more than 480, the most one entry may hold; "
            "split it or fix the typo",
        ),
        (
            {"minutes": np.nan, "started": time(9, 0)},
            "Minutes: blank, and Started and Stopped aren't both given; "
            "give the minutes worked or both times",
        ),
        (
            {"minutes": np.nan, "started": time(10, 30), "stopped": time(9, 0)},
            "Stopped: 09:00 is not after Started 10:30; fix the times or give "
            "the Minutes",
        ),
        (
            {"date": "2026-02-03"},
            "Date: 2026-02-03 is in the future; log time once the work is done",
        ),
        (
            {"date": "2025-12-30"},
            "Date: 2025-12-30 is before REQ-1 was approved (2026-01-01); custom "
            "work starts after approval",
        ),
        (
            {"request_id": "REQ-9"},
            "Request ID: 'REQ-9' is not on the Requests tab",
        ),
        (
            {"request_id": "REQ-2"},
            "Request ID: REQ-2 is custom work with no Approved On date; custom "
            "work starts only once the customer approves it",
        ),
        (
            {"request_id": "REQ-3"},
            "Request ID: REQ-3 has no Type yet, so this time doesn't count toward "
            "the allocation; set the request's Type",
        ),
    ],
    ids=[
        "negative",
        "zero",
        "too-long",
        "no-minutes-no-times",
        "stopped-before-started",
        "future",
        "before-approval",
        "unknown-request",
        "never-approved",
        "untyped-request",
    ],
)
def test_a_doubtful_time_log_row_gets_one_sentence_and_does_not_count(
    settings: Settings, change: dict[str, object], problem: str
) -> None:
    requests = requests_frame(
        {"request_id": "REQ-1", "customer_id": "C-1"},
        {"request_id": "REQ-2", "customer_id": "C-1", "approved_on": None},
        {"request_id": "REQ-3", "customer_id": "C-1", "type": ""},
    )
    row = {**log("2026-01-10", "REQ-1", "C-1", 30, "2026-01-01"), **change}

    table = time_log_table(time_log_frame(row), requests, settings, TODAY)

    assert table.at[2, "problems"] == [problem]
    counts_anyway = change.get("request_id") == "REQ-2" or "date" in change
    assert table.at[2, "counts_toward_allocation"] == (
        counts_anyway and change.get("date") != "2026-02-03"
    )


@pytest.mark.parametrize(
    ("request_id", "counts"),
    [("REQ-B", True), ("REQ-A", False), ("REQ-C", False), ("", False)],
    ids=["custom-work", "question", "consulting", "no-request"],
)
def test_only_custom_work_counts_toward_the_allocation(
    settings: Settings, request_id: str, counts: bool
) -> None:
    requests = requests_frame(
        {"request_id": "REQ-B", "customer_id": "C-1", "type": "B"},
        {"request_id": "REQ-A", "customer_id": "C-1", "type": "A"},
        {"request_id": "REQ-C", "customer_id": "C-1", "type": "C"},
    )
    time_log = time_log_frame(log("2026-01-10", request_id, "C-1", 30, "2026-01-01"))

    table = time_log_table(time_log, requests, settings, TODAY)

    assert table.at[2, "counts_toward_allocation"] == counts
    assert table.at[2, "problems"] == []


def test_the_typed_type_counts_not_a_suggestion(settings: Settings) -> None:
    requests = requests_frame(
        {"request_id": "REQ-1", "customer_id": "C-1", "type": "A"}
    ).assign(suggested_type="B")
    time_log = time_log_frame(log("2026-01-10", "req-1 ", "C-1", 30, "2026-01-01"))

    table = time_log_table(time_log, requests, settings, TODAY)

    assert not table.at[2, "counts_toward_allocation"]


# ---- budget_table -----------------------------------------------------------


def test_the_seeds_budget_tracker_comes_out_exactly(settings: Settings) -> None:
    customers = customers_frame(
        ("A", "R2", "2026-01-01", "2026-02-01"),
        ("B", "R3", "2026-01-05", "2026-02-05"),
        ("C", "R2", "2026-01-10", "2026-02-10"),
    )
    requests = requests_frame(
        {"request_id": "REQ-1", "customer_id": "A", "status": "Delivered"},
        {"request_id": "REQ-2", "customer_id": "B", "status": "Delivered"},
    )
    time_log = time_log_frame(
        log("2026-01-12", "REQ-1", "A", 30, "2026-01-01"),
        log("2026-01-06", "REQ-2", "B", 60, "2026-01-05"),
        log("2026-01-20", "REQ-2", "B", 48, "2026-01-05"),
    )

    table = budget_table(
        customers, requests, computed(time_log, requests, settings), settings, TODAY
    )

    tracker = pd.DataFrame(
        {
            "Customer": ["Customer A", "Customer B", "Customer C"],
            "Tier": customers["tier"].tolist(),
            "Monthly Allocation": table["monthly_allocation"].tolist(),
            "Used (Hours)": table["used_hours"].tolist(),
            "Remaining": table["remaining"].tolist(),
            "Reset Date": [d.strftime("%b %-d") for d in customers["reset_date"]],
        }
    )
    assert tracker.to_dict("records") == [
        {
            "Customer": "Customer A",
            "Tier": "R2",
            "Monthly Allocation": 1.0,
            "Used (Hours)": 0.5,
            "Remaining": 0.5,
            "Reset Date": "Feb 1",
        },
        {
            "Customer": "Customer B",
            "Tier": "R3",
            "Monthly Allocation": 2.0,
            "Used (Hours)": 1.8,
            "Remaining": 0.2,
            "Reset Date": "Feb 5",
        },
        {
            "Customer": "Customer C",
            "Tier": "R2",
            "Monthly Allocation": 1.0,
            "Used (Hours)": 0.0,
            "Remaining": 1.0,
            "Reset Date": "Feb 10",
        },
    ]
    assert table["hint"].tolist() == ["", "Used 90% of this month's hours", ""]
    assert table["overage_rp"].tolist() == [0, 0, 0]


def test_used_counts_only_the_current_period_up_to_today(settings: Settings) -> None:
    customers = customers_frame(("C-1", "R2", "2026-01-10", "2026-02-10"))
    requests = requests_frame({"request_id": "REQ-1", "customer_id": "C-1"})
    time_log = time_log_frame(
        log("2026-01-05", "REQ-1", "C-1", 40, "2025-12-10"),
        log("2026-01-12", "REQ-1", "C-1", 15, "2026-01-10"),
        log("2026-01-13", "REQ-1", "", 15, ""),
        log("2026-01-14", "REQ-1", "C-1", 900, "2026-01-10"),
    )
    joined = computed(time_log, requests, settings)
    # A row dated after today, as if the caller joined it without the flag.
    late = joined.iloc[[1]].set_axis([9]).assign(date=T("2026-02-02"))

    table = budget_table(
        customers, requests, pd.concat([joined, late]), settings, TODAY
    )

    assert table.at[2, "used_hours"] == 0.25
    assert table.at[2, "remaining"] == 0.75


@pytest.mark.parametrize(
    ("tier", "minutes", "overage_hours", "overage_rp", "remaining"),
    [
        ("R2", 60, 0.0, 0, 0.0),
        ("R2", 61, 0.02, 62_500, -0.02),
        ("R2", 80, 0.33, 125_000, -0.33),
        ("R2", 90, 0.5, 125_000, -0.5),
        ("R3", 135, 0.25, 75_000, -0.25),
        ("R1", 30, 0.5, 0, -0.5),
    ],
    ids=["exactly-full", "one-minute-over", "20-min", "half-hour", "r3", "r1-no-rate"],
)
def test_overage_is_time_beyond_the_allocation_billed_in_15_minute_steps(
    settings: Settings,
    tier: str,
    minutes: float,
    overage_hours: float,
    overage_rp: int,
    remaining: float,
) -> None:
    customers = customers_frame(("C-1", tier, "2026-01-10", "2026-02-10"))
    requests = requests_frame({"request_id": "REQ-1", "customer_id": "C-1"})
    time_log = time_log_frame(log("2026-01-12", "REQ-1", "C-1", minutes, "2026-01-10"))

    table = budget_table(
        customers, requests, computed(time_log, requests, settings), settings, TODAY
    )

    assert table.at[2, "overage_hours"] == overage_hours
    assert table.at[2, "overage_rp"] == overage_rp
    assert table.at[2, "remaining"] == remaining


def test_r1_custom_work_time_is_a_problem_naming_the_upgrade(
    settings: Settings,
) -> None:
    customers = customers_frame(("C-1", "R1", "2026-01-10", "2026-02-10"))
    requests = requests_frame({"request_id": "REQ-1", "customer_id": "C-1"})
    time_log = time_log_frame(log("2026-01-12", "REQ-1", "C-1", 30, "2026-01-10"))

    table = budget_table(
        customers, requests, computed(time_log, requests, settings), settings, TODAY
    )

    assert table.at[2, "problems"] == [
        "R1 Basic includes no custom work, yet 0.5 hours were logged this "
        "period; upgrade to R2 Premium or bill it"
    ]


def test_committed_is_approved_work_still_to_do(settings: Settings) -> None:
    customers = customers_frame(("C-1", "R3", "2026-01-10", "2026-02-10"))
    requests = requests_frame(
        {"request_id": "R-1", "customer_id": "C-1", "estimate_minutes": 90},
        {"request_id": "R-2", "customer_id": "C-1", "estimate_minutes": 45},
        {"request_id": "R-3", "customer_id": "C-1", "estimate_minutes": 20},
        {"request_id": "R-4", "customer_id": "C-1", "estimate_minutes": 60},
        {
            "request_id": "R-5",
            "customer_id": "C-1",
            "estimate_minutes": 30,
            "status": "Delivered",
        },
        {
            "request_id": "R-6",
            "customer_id": "C-1",
            "estimate_minutes": 30,
            "status": "Awaiting Approval",
            "approved_on": None,
        },
        {"request_id": "R-7", "customer_id": "C-1", "type": "A", "estimate_minutes": 9},
    )
    time_log = time_log_frame(
        log("2026-01-12", "R-1", "C-1", 30, "2026-01-10"),
        log("2026-01-13", "R-3", "C-1", 25, "2026-01-10"),
    )

    table = budget_table(
        customers, requests, computed(time_log, requests, settings), settings, TODAY
    )

    # 90 − 30; R-2: 45; R-3: overran, so nothing; R-4: 60.
    assert table.at[2, "committed_hours"] == round((60 + 45 + 0 + 60) / 60, 2)


def test_an_unknown_tier_has_no_allocation(settings: Settings) -> None:
    customers = customers_frame(("C-1", "", "2026-01-10", "2026-02-10"))
    empty = requests_frame({"request_id": "R-1", "customer_id": "C-1"}).iloc[0:0]

    table = budget_table(
        customers, empty, computed(time_log_frame(), empty, settings), settings, TODAY
    )

    assert np.isnan(table.at[2, "monthly_allocation"])
    assert table.at[2, "used_hours"] == 0
    assert table.at[2, "problems"] == []


def history_for(
    tier: str, overrun: list[tuple[str, float]], current: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A customer with custom-work minutes logged in several periods."""
    customers = customers_frame(("C-1", tier, current, "2099-01-01"))
    requests = requests_frame({"request_id": "R-1", "customer_id": "C-1"})
    time_log = time_log_frame(
        *(log(period, "R-1", "C-1", minutes, period) for period, minutes in overrun)
    )
    return customers, requests, time_log


@pytest.mark.parametrize(
    ("tier", "history", "current", "hint"),
    [
        (
            "R2",
            [("2025-11-10", 70), ("2025-12-10", 75), ("2026-01-10", 20)],
            "2026-01-10",
            "Suggest an upgrade to R3 Enterprise: over budget in 2 of the last "
            "3 periods",
        ),
        (
            "R2",
            [("2025-10-10", 70), ("2025-12-10", 75), ("2026-01-10", 20)],
            "2026-01-10",
            "",
        ),
        (
            "R2",
            [("2025-12-10", 60), ("2026-01-10", 55)],
            "2026-01-10",
            "Used 91% of this month's hours",
        ),
        ("R2", [("2026-01-10", 48)], "2026-01-10", ""),
        (
            "R3",
            [("2025-12-10", 200), ("2026-01-10", 130)],
            "2026-01-10",
            "Used 108% of this month's hours",
        ),
        (
            "R1",
            [("2025-12-10", 15), ("2026-01-10", 15)],
            "2026-01-10",
            "Suggest an upgrade to R2 Premium: over budget in 2 of the last 3 periods",
        ),
        (
            "R2",
            [("2026-01-31", 70), ("2026-02-28", 70), ("2026-03-31", 10)],
            "2026-04-30",
            "",
        ),
        (
            "R2",
            [("2025-12-31", 70), ("2026-01-31", 70)],
            "2026-02-28",
            "Suggest an upgrade to R3 Enterprise: over budget in 2 of the last "
            "3 periods",
        ),
    ],
    ids=[
        "two-of-three",
        "oldest-outside-window",
        "exactly-full-is-not-over",
        "exactly-80-percent-is-no-notice",
        "r3-has-no-upgrade",
        "r1-any-custom-work",
        "month-end-window-excludes-jan-31",
        "month-end-window-from-feb-28-reaches-dec-31",
    ],
)
def test_hint_suggests_an_upgrade_after_repeated_overage_else_the_notice(
    settings: Settings,
    tier: str,
    history: list[tuple[str, float]],
    current: str,
    hint: str,
) -> None:
    customers, requests, time_log = history_for(tier, history, current)
    today = date(2026, 5, 1)
    joined = pd.concat(
        [time_log, time_log_table(time_log, requests, settings, today)], axis=1
    )

    table = budget_table(customers, requests, joined, settings, today)

    assert table.at[2, "hint"] == hint


# ---- overage_approval_problems ----------------------------------------------


def overage_case(
    settings: Settings, approved: set[str] = frozenset()
) -> tuple[pd.DataFrame, pd.Series]:
    """R2, 1 hour: REQ-1 40 min, REQ-2 50 min (crosses), REQ-3 15 min after."""
    customers = customers_frame(("C-1", "R2", "2026-01-10", "2026-02-10"))
    requests = requests_frame(
        *(
            {"request_id": r, "customer_id": "C-1", "overage_approved": r in approved}
            for r in ("REQ-1", "REQ-2", "REQ-3", "REQ-4")
        )
    )
    time_log = time_log_frame(
        log("2026-01-20", "REQ-3", "C-1", 15, "2026-01-10"),
        log("2026-01-11", "REQ-1", "C-1", 40, "2026-01-10"),
        log("2026-01-15", "REQ-2", "C-1", 50, "2026-01-10"),
        log("2026-01-05", "REQ-4", "C-1", 120, "2025-12-10"),
    )
    joined = computed(time_log, requests, settings)
    return requests, overage_approval_problems(requests, joined, customers, settings)


def test_the_request_crossing_the_allocation_and_later_ones_need_approval(
    settings: Settings,
) -> None:
    requests, problems = overage_case(settings)

    assert problems.index.equals(requests.index)
    assert problems.tolist() == [
        [],
        [
            "Overage Approved: unticked, but this request took the customer "
            "0.5 hours over the 1-hour allocation (Rp 125.000 at R2's rate); "
            "get the customer's approval and tick it"
        ],
        [
            "Overage Approved: unticked, but this request took the customer "
            "0.25 hours over the 1-hour allocation (Rp 62.500 at R2's rate); "
            "get the customer's approval and tick it"
        ],
        [],
    ]


def test_ticked_overage_approval_clears_the_problem(settings: Settings) -> None:
    _, problems = overage_case(settings, approved={"REQ-2", "REQ-3"})

    assert problems.tolist() == [[], [], [], []]


def test_r1_time_gets_no_overage_approval_problem(settings: Settings) -> None:
    customers = customers_frame(("C-1", "R1", "2026-01-10", "2026-02-10"))
    requests = requests_frame({"request_id": "REQ-1", "customer_id": "C-1"})
    time_log = time_log_frame(log("2026-01-12", "REQ-1", "C-1", 30, "2026-01-10"))
    joined = computed(time_log, requests, settings)

    problems = overage_approval_problems(requests, joined, customers, settings)

    assert problems.tolist() == [[]]
