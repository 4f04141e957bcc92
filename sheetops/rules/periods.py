"""Billing periods: from one billing anniversary to the next.

A customer's allocation is fresh on every anniversary of their Start
Date and unused hours expire then (no rollover). The anniversary falls on
the start's day of the month; in a month too short for it (a start on the
29th to 31st) it falls on that month's last day. Anniversaries are always
counted from the original start, so a 31 January start resets on 28 or
29 February, then 31 March, never drifting to the 28th. All dates are
calendar dates in Asia/Jakarta; callers pass dates, not instants.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta

ONE_DAY = timedelta(days=1)
LABEL_SEPARATOR = " to "
LABEL_FORMAT = "%Y-%m-%d"


def anniversary(start: date, months: int) -> date:
    """The billing anniversary ``months`` months after ``start``.

    The day is clamped to the end of a shorter month, always measured
    from ``start`` itself, so it never drifts.
    """
    # relativedelta clamps the day of the month instead of overflowing.
    return start + relativedelta(months=months)


def period_containing(start: date, day: date) -> tuple[date, date]:
    """The billing period holding ``day``, as (period start, reset date).

    The period start is inside the period and the reset date is not: a
    day equal to a reset date belongs to the next period. For a day
    before ``start`` (work logged before the customer's first period)
    the first period is returned, from ``start`` to its first reset.
    """
    months = _periods_elapsed(start, day)
    return anniversary(start, months), anniversary(start, months + 1)


def closed_periods(start: date, after: date, until: date) -> list[tuple[date, date]]:
    """Every period whose reset date is after ``after`` and at most ``until``.

    These are the periods that ended since the last close, oldest first;
    the daemon records each one in the Usage History.
    """
    months = _periods_elapsed(start, after) + 1
    closed = []
    reset = anniversary(start, months)
    while reset <= until:
        closed.append((anniversary(start, months - 1), reset))
        months += 1
        reset = anniversary(start, months)
    return closed


def periods_for(starts: pd.Series, days: pd.Series) -> pd.DataFrame:
    """The billing period holding each day, for a whole table at once.

    ``starts`` (each row's Start Date) and ``days`` are matched by
    position; the result has the index of ``starts`` and the columns
    ``period_start`` and ``reset_date`` (datetime64[ns] at midnight),
    NaT where either input is blank. Agrees with :func:`period_containing`
    row by row, without a Python loop.
    """
    if len(starts) != len(days):
        raise ValueError(
            f"starts has {len(starts)} rows but days has {len(days)}; "
            "they are matched row by row"
        )
    start_days = _to_days(starts)
    day_days = _to_days(days)
    missing = np.isnat(start_days) | np.isnat(day_days)

    # Fill the blanks with any valid date so the arithmetic stays finite;
    # those rows are blanked again at the end.
    filler = np.datetime64("2000-01-01", "D")
    start_month, start_dom = _split(np.where(missing, filler, start_days))
    day_month, day_dom = _split(np.where(missing, filler, day_days))

    months = day_month - start_month
    anniversary_dom = np.minimum(start_dom, _days_in_month(start_month + months))
    months = np.maximum(months - (anniversary_dom > day_dom), 0)

    period_start = _compose(start_month + months, start_dom)
    reset_date = _compose(start_month + months + 1, start_dom)
    return pd.DataFrame(
        {
            "period_start": _blank_where(period_start, missing),
            "reset_date": _blank_where(reset_date, missing),
        },
        index=starts.index,
    )


def period_labels(frame: pd.DataFrame) -> pd.Series:
    """Billing Period text for each row of a ``periods_for`` result; "" if blank."""
    first = frame["period_start"].dt.strftime(LABEL_FORMAT)
    last = (frame["reset_date"] - pd.Timedelta(days=1)).dt.strftime(LABEL_FORMAT)
    labels: pd.Series = (first + LABEL_SEPARATOR + last).fillna("")
    return labels


def _periods_elapsed(start: date, day: date) -> int:
    """How many whole periods lie between ``start`` and the one holding ``day``."""
    months = (day.year - start.year) * 12 + day.month - start.month
    if anniversary(start, months) > day:
        months -= 1
    return max(months, 0)


def _to_days(values: pd.Series) -> np.ndarray:
    """The values as numpy day precision dates; blanks are NaT."""
    if not pd.api.types.is_datetime64_any_dtype(values):
        values = pd.to_datetime(values)
    return values.to_numpy(dtype="datetime64[D]")


def _split(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dates as (months since 1970-01, day of the month)."""
    months = days.astype("datetime64[M]")
    day_of_month = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    return months.astype(np.int64), day_of_month


def _days_in_month(months: np.ndarray) -> np.ndarray:
    """How many days each month has, months counted from 1970-01."""
    first = months.astype("datetime64[M]").astype("datetime64[D]")
    following = (months + 1).astype("datetime64[M]").astype("datetime64[D]")
    lengths: np.ndarray = (following - first).astype(np.int64)
    return lengths


def _compose(months: np.ndarray, day_of_month: np.ndarray) -> np.ndarray:
    """The given day of each month, clamped to the month's last day."""
    first = months.astype("datetime64[M]").astype("datetime64[D]")
    clamped = np.minimum(day_of_month, _days_in_month(months))
    composed: np.ndarray = first + (clamped - 1).astype("timedelta64[D]")
    return composed


def _blank_where(days: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """Nanosecond dates with NaT where ``missing`` is set."""
    result = days.astype("datetime64[ns]")
    result[missing] = np.datetime64("NaT", "ns")
    return result
