"""Billing periods: anniversaries, month ends, the vectorised form."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheetops.rules.periods import (
    anniversary,
    closed_periods,
    period_containing,
    period_labels,
    periods_for,
)

START_DATES = st.dates(min_value=date(1990, 1, 1), max_value=date(2150, 12, 31))
SPANS = st.integers(min_value=0, max_value=4000)


@pytest.mark.parametrize(
    ("start", "reset"),
    [
        (date(2025, 11, 1), date(2026, 2, 1)),
        (date(2025, 6, 5), date(2026, 2, 5)),
        (date(2025, 12, 10), date(2026, 2, 10)),
    ],
    ids=["customer-a-1st", "customer-b-5th", "customer-c-10th"],
)
def test_seed_budget_table_resets_on_the_anniversary(start: date, reset: date) -> None:
    period_start, reset_date = period_containing(start, date(2026, 1, 28))

    assert reset_date == reset
    assert period_start == date(2026, 1, reset.day)


def test_a_31st_start_resets_on_each_month_end_without_drifting() -> None:
    start = date(2026, 1, 31)

    resets = [anniversary(start, months) for months in range(1, 13)]

    assert resets == [
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
        date(2026, 6, 30),
        date(2026, 7, 31),
        date(2026, 8, 31),
        date(2026, 9, 30),
        date(2026, 10, 31),
        date(2026, 11, 30),
        date(2026, 12, 31),
        date(2027, 1, 31),
    ]


@pytest.mark.parametrize(
    ("start", "day", "expected"),
    [
        (
            date(2028, 1, 31),
            date(2028, 2, 29),
            (date(2028, 2, 29), date(2028, 3, 31)),
        ),
        (
            date(2028, 1, 31),
            date(2028, 2, 28),
            (date(2028, 1, 31), date(2028, 2, 29)),
        ),
        (
            date(2027, 1, 29),
            date(2027, 2, 28),
            (date(2027, 2, 28), date(2027, 3, 29)),
        ),
        (
            date(2028, 1, 29),
            date(2028, 2, 28),
            (date(2028, 1, 29), date(2028, 2, 29)),
        ),
        (
            date(2028, 2, 29),
            date(2029, 2, 28),
            (date(2029, 2, 28), date(2029, 3, 29)),
        ),
        (
            date(2028, 2, 29),
            date(2028, 3, 30),
            (date(2028, 3, 29), date(2028, 4, 29)),
        ),
    ],
    ids=[
        "31st-start-leap-feb-29-opens-a-period",
        "31st-start-leap-feb-28-still-january-period",
        "29th-start-common-year-resets-feb-28",
        "29th-start-leap-year-resets-feb-29",
        "feb-29-start-resets-feb-28-next-year",
        "feb-29-start-resets-on-the-29th-after",
    ],
)
def test_period_containing_clamps_short_months(
    start: date, day: date, expected: tuple[date, date]
) -> None:
    assert period_containing(start, day) == expected


def test_a_day_equal_to_the_reset_date_opens_the_next_period() -> None:
    start = date(2025, 12, 5)

    assert period_containing(start, date(2026, 2, 4)) == (
        date(2026, 1, 5),
        date(2026, 2, 5),
    )
    assert period_containing(start, date(2026, 2, 5)) == (
        date(2026, 2, 5),
        date(2026, 3, 5),
    )


def test_a_day_before_the_start_falls_in_the_first_period() -> None:
    start = date(2026, 3, 15)

    assert period_containing(start, date(2026, 1, 2)) == (start, date(2026, 4, 15))


@pytest.mark.parametrize(
    ("after", "until", "expected"),
    [
        (date(2026, 2, 27), date(2026, 2, 27), []),
        (
            date(2026, 2, 27),
            date(2026, 2, 28),
            [(date(2026, 1, 31), date(2026, 2, 28))],
        ),
        (
            date(2026, 2, 28),
            date(2026, 4, 30),
            [
                (date(2026, 2, 28), date(2026, 3, 31)),
                (date(2026, 3, 31), date(2026, 4, 30)),
            ],
        ),
        (date(2026, 1, 1), date(2026, 1, 31), []),
        (date(2026, 3, 31), date(2026, 3, 1), []),
    ],
    ids=[
        "nothing-ended",
        "reset-day-closes-the-period",
        "two-periods-after-a-pause",
        "first-period-still-open",
        "until-before-after",
    ],
)
def test_closed_periods_lists_periods_whose_reset_passed(
    after: date, until: date, expected: list[tuple[date, date]]
) -> None:
    assert closed_periods(date(2026, 1, 31), after, until) == expected


def test_period_label_shows_the_last_day_inclusive() -> None:
    frame = pd.DataFrame(
        {
            "period_start": pd.to_datetime(["2026-01-05"]),
            "reset_date": pd.to_datetime(["2026-02-05"]),
        }
    )

    assert period_labels(frame).tolist() == ["2026-01-05 to 2026-02-04"]


def test_periods_for_matches_rows_and_blanks_missing_dates() -> None:
    starts = pd.Series(
        pd.to_datetime(["2026-01-31", None, "2025-12-05", "2026-01-05"]),
        index=[2, 3, 4, 5],
    )
    days = pd.Series(
        pd.to_datetime(["2026-03-01", "2026-03-01", None, "2026-01-05"]),
        index=[2, 3, 4, 5],
    )

    periods = periods_for(starts, days)

    assert list(periods.index) == [2, 3, 4, 5]
    assert periods.dtypes.to_dict() == {
        "period_start": np.dtype("datetime64[ns]"),
        "reset_date": np.dtype("datetime64[ns]"),
    }
    assert periods.loc[2].tolist() == [
        pd.Timestamp("2026-02-28"),
        pd.Timestamp("2026-03-31"),
    ]
    assert periods.loc[[3, 4]].isna().all().all()
    assert periods.loc[5].tolist() == [
        pd.Timestamp("2026-01-05"),
        pd.Timestamp("2026-02-05"),
    ]


def test_period_labels_are_blank_where_the_period_is_unknown() -> None:
    periods = periods_for(
        pd.Series(pd.to_datetime(["2026-01-05", None])),
        pd.Series(pd.to_datetime(["2026-01-20", "2026-01-20"])),
    )

    assert period_labels(periods).tolist() == ["2026-01-05 to 2026-02-04", ""]


@given(start=START_DATES, span=SPANS)
def test_periods_tile_time_without_gaps_or_overlaps(start: date, span: int) -> None:
    day = start + timedelta(days=span)

    period_start, reset_date = period_containing(start, day)

    assert period_start <= day < reset_date
    assert 28 <= (reset_date - period_start).days <= 31
    assert period_containing(start, reset_date)[0] == reset_date
    if period_start > start:
        assert period_containing(start, period_start - timedelta(days=1))[1] == (
            period_start
        )
    else:
        assert period_start == start


@given(start=START_DATES, months=st.integers(min_value=0, max_value=240))
def test_anniversaries_keep_the_start_day_when_the_month_allows(
    start: date, months: int
) -> None:
    reset = anniversary(start, months)

    assert reset.day == start.day or (
        reset.day < start.day and (reset + timedelta(days=1)).day == 1
    )


@given(
    pairs=st.lists(
        st.tuples(START_DATES, SPANS, st.booleans()), min_size=1, max_size=40
    )
)
def test_periods_for_agrees_with_period_containing(
    pairs: list[tuple[date, int, bool]],
) -> None:
    starts = [start for start, _, _ in pairs]
    # Some days fall before the start, the documented first-period case.
    days = [
        start + timedelta(days=span if forward else -(span % 90))
        for start, span, forward in pairs
    ]

    periods = periods_for(
        pd.Series(pd.to_datetime(starts)), pd.Series(pd.to_datetime(days))
    )

    expected = [period_containing(s, d) for s, d in zip(starts, days, strict=True)]
    found = [
        (a.date(), b.date())
        for a, b in zip(periods["period_start"], periods["reset_date"], strict=True)
    ]
    assert found == expected
