"""The R3 weekly checks on one dashboard's figures: pure, as-of passed in.

Weeks run Monday to Sunday. The week checked is the one holding the
latest day with figures up to yesterday (today's figures are still
coming in): on the Monday run that is the week just ended. When that
week is partial (a check on a Thursday, or a dashboard that stopped on
a Wednesday) only the weekdays it has figures for are compared, with the
same weekdays of earlier weeks: like with like. An earlier week missing
one of those days is not compared at all, nor is a week staff marked
Known Event on the Alerts tab.

- Last refresh: older than ``stale_days`` days.
- Revenue: more than ``revenue_drop`` below the nearest comparable
  earlier week (normally last week).
- Food cost: food cost / revenue more than ``food_cost_points`` points
  above usual, the median of the comparable weeks among the last
  ``usual_weeks``; with fewer than ``min_history_weeks`` of them the
  usual is not known yet, and that is said instead of guessed.
- Margin: revenue - food cost - other costs below zero in the week.
- Import log: import failures and calculation errors logged in the last
  seven days, for staff only.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd

from sheetops.formatting import rupiah
from sheetops.monitor import wording
from sheetops.monitor.config import Contract, MonitorSettings
from sheetops.monitor.contract import Dashboard

LAST_REFRESH = "Last refresh"
REVENUE = "Revenue"
FOOD_COST = "Food cost"
MARGIN = "Margin"
IMPORT_FAILURE = "Import failure"
CALCULATION_ERROR = "Calculation error"
DASHBOARD = "Dashboard"
ONE_DAY = timedelta(days=1)
ONE_WEEK = timedelta(days=7)
# The checks run weekly, so a week of the import log is new since the last run.
LOG_WINDOW = timedelta(days=7)
# Float sums of rupiah wobble in the last digits; decide on rounded values
# so 5.0 points is exactly 5.0, never 5.000000000001.
PRECISION = 9
WEEK = re.compile(r"^(\d{4})\s*-?\s*[Ww]\s*(\d{1,2})$")


@dataclass(frozen=True)
class Finding:
    """One thing a check found: an Alerts row to be."""

    check: str
    week: str
    value: str
    baseline: str
    message: str
    internal: bool = False


@dataclass
class Outcome:
    """What the checks found on one dashboard, and what they could not decide."""

    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Week:
    """A Monday-to-Sunday week, limited to the weekdays compared (0 = Monday)."""

    start: date
    days: tuple[int, ...]
    current: bool = False

    @property
    def label(self) -> str:
        """The ISO week, as the Alerts tab shows it: "2026-W48"."""
        return week_label(self.start)

    @property
    def partial(self) -> bool:
        return len(self.days) < 7

    def dates(self) -> list[pd.Timestamp]:
        return [pd.Timestamp(self.start + d * ONE_DAY) for d in self.days]

    def back(self, weeks: int) -> Week:
        """The same weekdays ``weeks`` weeks earlier."""
        return Week(self.start - weeks * ONE_WEEK, self.days)


@dataclass(frozen=True)
class Totals:
    """A week's figures added up over the days compared."""

    revenue: float
    food_cost: float
    other_costs: float

    @property
    def food_cost_pct(self) -> float | None:
        """Food cost as a percentage of revenue; None without revenue."""
        if self.revenue <= 0:
            return None
        return self.food_cost / self.revenue * 100

    @property
    def margin(self) -> float:
        return self.revenue - self.food_cost - self.other_costs


def week_label(day: date) -> str:
    """The ISO week holding ``day``: "2026-W05"."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def normal_week(text: object) -> str:
    """A Week cell as :func:`week_label` spells it; staff may type "2026-w5"."""
    match = WEEK.match(str(text or "").strip())
    if not match:
        return str(text or "").strip()
    return f"{match[1]}-W{int(match[2]):02d}"


def monday_of(day: date) -> date:
    return day - day.weekday() * ONE_DAY


def check_dashboard(
    dashboard: Dashboard,
    rules: MonitorSettings,
    as_of: datetime,
    language: str,
    known_events: Collection[str] = (),
) -> Outcome:
    """Every weekly check on one dashboard; ``as_of`` is Jakarta wall-clock time."""
    now = as_of.replace(tzinfo=None)
    yesterday = now.date() - ONE_DAY
    outcome = Outcome(notes=list(dashboard.notes))

    stale = refresh_finding(dashboard.last_refresh, now, rules.stale_days, language)
    if stale is not None:
        outcome.findings.append(stale)
    week = checked_week(dashboard.figures, yesterday)
    if week is None:
        outcome.notes.append(f"no figures up to {yesterday:%Y-%m-%d} to check")
    elif week.label in known_events:
        outcome.notes.append(f"{week.label} is marked Known Event; not checked")
    else:
        figures = weekly_findings(
            dashboard.figures, week, rules, language, known_events
        )
        outcome.findings.extend(figures.findings)
        outcome.notes.extend(figures.notes)
    outcome.findings.extend(log_findings(dashboard.log, rules.contract, now))
    return outcome


def refresh_finding(
    last_refresh: datetime | None, now: datetime, stale_days: int, language: str
) -> Finding | None:
    """An alert when the last refresh is more than ``stale_days`` days old."""
    if last_refresh is None or now - last_refresh <= timedelta(days=stale_days):
        return None
    return Finding(
        LAST_REFRESH,
        week_label(now.date() - ONE_DAY),
        wording.long_day(last_refresh.date(), language),
        "",
        wording.stale(last_refresh.date(), language),
    )


def checked_week(figures: pd.DataFrame, yesterday: date) -> Week | None:
    """The week of the latest day with figures up to yesterday, and its weekdays."""
    days = figures.index[figures.index <= pd.Timestamp(yesterday)]
    if not len(days):
        return None
    latest = days.max().date()
    start = monday_of(latest)
    present = sorted({d.weekday() for d in days[days >= pd.Timestamp(start)]})
    return Week(start, tuple(present), current=start == monday_of(yesterday))


def totals(figures: pd.DataFrame, week: Week) -> Totals | None:
    """The week's totals over its weekdays; None if any of those days is missing."""
    wanted = week.dates()
    if not all(day in figures.index for day in wanted):
        return None
    rows = figures.loc[wanted]
    return Totals(
        float(rows["revenue"].sum()),
        float(rows["food_cost"].sum()),
        float(rows["other_costs"].sum()),
    )


def weekly_findings(
    figures: pd.DataFrame,
    week: Week,
    rules: MonitorSettings,
    language: str,
    known_events: Collection[str] = (),
) -> Outcome:
    """Revenue, food cost and margin of ``week`` against the weeks before it."""
    outcome = Outcome()
    current = totals(figures, week)
    if current is None:
        return outcome
    history = comparable_weeks(figures, week, rules.usual_weeks, known_events)
    stretch = wording.when(week.start, week.days, week.current, language)

    for found in (
        revenue_finding(current, history, week, rules, language, stretch),
        food_cost_finding(current, history, week, rules, language, stretch),
        margin_finding(current, week, language, stretch),
    ):
        if isinstance(found, Finding):
            outcome.findings.append(found)
        elif found:
            outcome.notes.append(found)
    return outcome


def comparable_weeks(
    figures: pd.DataFrame, week: Week, usual_weeks: int, known_events: Collection[str]
) -> list[tuple[int, Week, Totals]]:
    """The earlier weeks to compare with, nearest first: (weeks back, week, totals)."""
    found = []
    for back in range(1, usual_weeks + 1):
        earlier = week.back(back)
        if earlier.label in known_events:
            continue
        sums = totals(figures, earlier)
        if sums is not None:
            found.append((back, earlier, sums))
    return found


def revenue_finding(
    current: Totals,
    history: list[tuple[int, Week, Totals]],
    week: Week,
    rules: MonitorSettings,
    language: str,
    stretch: str,
) -> Finding | str | None:
    """Revenue more than ``revenue_drop`` below the nearest comparable week."""
    if not history:
        return f"{week.label}: no earlier week with the same days to compare revenue"
    back, earlier, before = history[0]
    if before.revenue <= 0:
        return None
    drop = round((before.revenue - current.revenue) / before.revenue, PRECISION)
    if drop <= rules.revenue_drop:
        return None
    against = wording.compared(back, earlier.start, week.partial, language)
    return Finding(
        REVENUE,
        week.label,
        rupiah(current.revenue),
        rupiah(before.revenue),
        wording.revenue_fell(
            drop, current.revenue, before.revenue, stretch, against, language
        ),
    )


def food_cost_finding(
    current: Totals,
    history: list[tuple[int, Week, Totals]],
    week: Week,
    rules: MonitorSettings,
    language: str,
    stretch: str,
) -> Finding | str | None:
    """Food cost % more than ``food_cost_points`` above the usual (the median)."""
    now = current.food_cost_pct
    shares = [t.food_cost_pct for _, _, t in history if t.food_cost_pct is not None]
    if now is None:
        return None
    if len(shares) < rules.min_history_weeks:
        return (
            f"{week.label}: usual food cost not known yet ({len(shares)} of "
            f"{rules.min_history_weeks} weeks of history needed)"
        )
    usual = statistics.median(shares)
    if round(now - usual, PRECISION) <= rules.food_cost_points:
        return None
    return Finding(
        FOOD_COST,
        week.label,
        wording.percent(now, language),
        wording.percent(usual, language),
        wording.food_cost_jumped(now, usual, stretch, language),
    )


def margin_finding(
    current: Totals, week: Week, language: str, stretch: str
) -> Finding | None:
    """Revenue less food cost and other costs below zero."""
    if round(current.margin, PRECISION) >= 0:
        return None
    return Finding(
        MARGIN,
        week.label,
        rupiah(current.margin),
        "",
        wording.loss(
            current.revenue, current.food_cost, current.other_costs, stretch, language
        ),
    )


def log_findings(log: pd.DataFrame, contract: Contract, now: datetime) -> list[Finding]:
    """Import failures and calculation errors logged in the last week (staff only)."""
    since = now - LOG_WINDOW
    recent = log[(log["date"] > pd.Timestamp(since)) & (log["date"] <= now)]
    kinds = recent["kind"].map(lambda v: " ".join(str(v).split()).casefold())
    found = []
    for check, kind in (
        (IMPORT_FAILURE, contract.import_failure),
        (CALCULATION_ERROR, contract.calculation_error),
    ):
        entries = recent[kinds == " ".join(kind.split()).casefold()]
        if not entries.empty:
            found.append(_log_finding(check, entries, since))
    return found


def _log_finding(check: str, entries: pd.DataFrame, since: datetime) -> Finding:
    latest = entries.sort_values("date").iloc[-1]
    when = latest["date"].to_pydatetime()
    count = len(entries)
    what = check.lower() + ("s" if count != 1 else "")
    said = str(latest["message"]).strip() or "(no message)"
    return Finding(
        check,
        week_label(when.date()),
        str(count),
        "",
        f"{count} {what} in the dashboard's import log since "
        f"{since:%Y-%m-%d %H:%M}; latest {when:%Y-%m-%d %H:%M}: {said}",
        internal=True,
    )
