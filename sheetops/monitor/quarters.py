"""A dashboard's daily figures by calendar quarter, for the quarterly deep dive."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from dateutil.relativedelta import relativedelta

QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]([1-4])\s*$")
DAYS_IN_WEEK = 7


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter: 2026Q1 is January to March 2026."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """Read "2026Q1" (or "2026-Q1"); ValueError saying the form otherwise."""
        match = QUARTER.match(text)
        if not match:
            raise ValueError(f"{text!r} is not a quarter like 2026Q1")
        return cls(int(match[1]), int(match[2]))

    @classmethod
    def of(cls, day: date) -> Quarter:
        """The quarter ``day`` falls in."""
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        """The quarter's last day."""
        return self.start + relativedelta(months=3) - timedelta(days=1)

    @property
    def label(self) -> str:
        """As file names and --quarter spell it: "2026Q1"."""
        return f"{self.year}Q{self.number}"

    @property
    def title(self) -> str:
        """As a heading says it: "Q1 2026"."""
        return f"Q{self.number} {self.year}"

    def previous(self) -> Quarter:
        if self.number == 1:
            return Quarter(self.year - 1, 4)
        return Quarter(self.year, self.number - 1)

    def year_before(self) -> Quarter:
        return Quarter(self.year - 1, self.number)

    def months(self) -> list[date]:
        """The first day of each of its three months."""
        return [self.start + relativedelta(months=n) for n in range(3)]

    def rows(self, frame: pd.DataFrame, days: int | None = None) -> pd.DataFrame:
        """A day-indexed frame's rows in this quarter, or in its first ``days``."""
        index = frame.index
        last = self.end if days is None else self.start + timedelta(days=days - 1)
        inside = (index >= pd.Timestamp(self.start)) & (index <= pd.Timestamp(last))
        return frame[inside]

    def day_number(self, day: date) -> int:
        """Which day of the quarter ``day`` is: 1 for its first."""
        return (day - self.start).days + 1


@dataclass(frozen=True)
class Figures:
    """A stretch of days' figures, added up."""

    revenue: float
    food_cost: float
    other_costs: float
    days: int

    @property
    def food_cost_pct(self) -> float | None:
        """Food cost as a percentage of revenue; None without revenue."""
        return self.food_cost / self.revenue * 100 if self.revenue > 0 else None

    @property
    def margin(self) -> float:
        return self.revenue - self.food_cost - self.other_costs

    @property
    def margin_pct(self) -> float | None:
        return self.margin / self.revenue * 100 if self.revenue > 0 else None


def quarter_figures(
    daily: pd.DataFrame, quarter: Quarter, days: int | None = None
) -> Figures | None:
    """The quarter's totals (of its first ``days`` only, if given).

    None when the dashboard has no day in it.
    """
    rows = quarter.rows(daily, days)
    if rows.empty:
        return None
    return Figures(
        float(rows["revenue"].sum()),
        float(rows["food_cost"].sum()),
        float(rows["other_costs"].sum()),
        len(rows),
    )


def quarter_weeks(daily: pd.DataFrame, quarter: Quarter) -> list[Figures | None]:
    """Each whole week counted from the quarter's first day (12 or 13).

    A week with a day missing is None, so a chart shows a gap rather than
    a dip; the few days after the last whole week are left out.
    """
    days = quarter.rows(daily)
    first = pd.Timestamp(quarter.start)
    weeks: list[Figures | None] = []
    for number in range(((quarter.end - quarter.start).days + 1) // DAYS_IN_WEEK):
        start = first + pd.Timedelta(days=number * DAYS_IN_WEEK)
        stop = start + pd.Timedelta(days=DAYS_IN_WEEK)
        chunk = days[(days.index >= start) & (days.index < stop)]
        if len(chunk) < DAYS_IN_WEEK:
            weeks.append(None)
            continue
        weeks.append(
            Figures(
                float(chunk["revenue"].sum()),
                float(chunk["food_cost"].sum()),
                float(chunk["other_costs"].sum()),
                DAYS_IN_WEEK,
            )
        )
    return weeks
