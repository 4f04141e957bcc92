"""Monthly and quarterly calls: which are due, when to hold them, how they stand.

The seed's operational calendar plans every R2 and R3 call in week 1 of
a month and holds them in week 2: R2 check-ins on Tuesday, Wednesday or
Thursday, R3 strategic calls on Monday or Friday. Which calls a tier
includes comes from its ``[[tiers.*.calls]]`` settings: a plan ``every =
"month"`` is due every month, one ``every = "quarter"`` in the first
month of each calendar quarter (January, April, July, October). A call
is due by the last business day of its month. Weeks are the month's
days 1-7, 8-14, 15-21 and 22 to the end, so week 2 holds each weekday
exactly once. Everything is in Asia/Jakarta dates and wall-clock times.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd

from sheetops.rules.calendar import BusinessCalendar
from sheetops.settings import CallPlan, Settings, Tier

# Calls held per tier on these weekdays (Monday is 0), from the seed.
CALL_WEEKDAYS = {"R2": (1, 2, 3), "R3": (0, 4)}
QUARTER_MONTHS = (1, 4, 7, 10)
WEEK_DAYS = 7
CALL_WEEK = 2
# The first call of a day starts an hour after opening, leaving time to
# prepare; calls are spaced so notes can be written between them.
FIRST_CALL_AFTER = timedelta(hours=1)
GAP_BETWEEN_CALLS = timedelta(minutes=30)


@dataclass(frozen=True)
class CallDue:
    """A call a customer's tier includes this month, not yet on the Calls tab."""

    customer_id: str
    customer: str
    tier: str
    kind: str
    month: str
    minutes: int
    medium: str


@dataclass
class DayPlan:
    """One day's calls so far: their times and whose they are."""

    busy: list[tuple[datetime, datetime]] = field(default_factory=list)
    customers: set[str] = field(default_factory=set)


def month_of(day: date) -> str:
    """The Month cell for ``day``: "2026-04"."""
    return f"{day.year:04d}-{day.month:02d}"


def month_days(month: str) -> list[date]:
    """Every date of a "YYYY-MM" month, in order."""
    first = date.fromisoformat(f"{month}-01")
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return [first + timedelta(days=n) for n in range((following - first).days)]


def week_days(month: str, week: int) -> list[date]:
    """The dates of the month's ``week`` (1 to 4; week 4 runs to the month's end)."""
    days = month_days(month)
    start = (week - 1) * WEEK_DAYS
    end = None if week >= 4 else start + WEEK_DAYS
    return days[start:end]


def first_business_day(month: str, calendar: BusinessCalendar) -> date | None:
    """The month's first business day; None in a month without one."""
    return next((d for d in month_days(month) if calendar.is_business_day(d)), None)


def last_business_day(month: str, calendar: BusinessCalendar) -> date | None:
    """The month's last business day: when its calls are due by."""
    days = reversed(month_days(month))
    return next((d for d in days if calendar.is_business_day(d)), None)


def plans_for(tier: Tier, month: str) -> list[CallPlan]:
    """The calls ``tier`` includes in ``month``: monthly ones, quarterly in Q-starts."""
    quarter_start = int(month[5:7]) in QUARTER_MONTHS
    return [p for p in tier.calls if p.every == "month" or quarter_start]


def calls_due(
    customers: pd.DataFrame,
    existing: Iterable[tuple[str, str, str]],
    settings: Settings,
    month: str,
) -> list[CallDue]:
    """The calls of ``month`` that active customers' tiers include and lack.

    ``customers`` has the Customers tab's fields; ``existing`` holds the
    (customer id, kind, month) of every Calls row, so a call already there
    (planned by sheetops or typed by staff) is never added again.
    """
    have = {(c.casefold(), k.casefold(), m) for c, k, m in existing}
    due = []
    for row in customers.sort_values("customer_id").itertuples():
        tier = settings.tiers.get(str(row.tier))
        if tier is None or not bool(row.active) or not row.customer_id:
            continue
        for plan in plans_for(tier, month):
            key = (str(row.customer_id).casefold(), plan.kind.casefold(), month)
            if key not in have:
                due.append(_call_due(row, tier, plan, month))
    return due


def _call_due(row: object, tier: Tier, plan: CallPlan, month: str) -> CallDue:
    return CallDue(
        customer_id=str(getattr(row, "customer_id", "")),
        customer=str(getattr(row, "customer", "")),
        tier=tier.code,
        kind=plan.kind,
        month=month,
        minutes=plan.minutes,
        medium=plan.media[0] if plan.media else "",
    )


def propose_slots(
    calls: Sequence[CallDue],
    calendar: BusinessCalendar,
    calls_per_day: int,
    booked: Iterable[tuple[datetime, int, str]] = (),
) -> dict[CallDue, datetime | None]:
    """A start time for each call, by the seed's week-2 rule.

    R2 calls go on Tuesday to Thursday, R3 calls on Monday or Friday, of
    the month's second week; a day off is skipped, a day holds at most
    ``calls_per_day`` calls (``booked`` ones included: their start,
    minutes and customer id) and no customer twice, and every call ends
    by closing time. When week 2 is full the same weekdays of the later
    weeks are used; a call that fits nowhere in its month gets None.
    """
    days: dict[date, DayPlan] = {}
    for start, minutes, customer_id in booked:
        plan = days.setdefault(start.date(), DayPlan())
        plan.busy.append((start, start + timedelta(minutes=minutes)))
        plan.customers.add(customer_id.casefold())

    slots: dict[CallDue, datetime | None] = {}
    for call in calls:
        slots[call] = _place(call, calendar, days, calls_per_day)
    return slots


def _place(
    call: CallDue,
    calendar: BusinessCalendar,
    days: dict[date, DayPlan],
    calls_per_day: int,
) -> datetime | None:
    weekdays = CALL_WEEKDAYS.get(call.tier, (0, 1, 2, 3, 4))
    for week in range(CALL_WEEK, 5):
        for day in week_days(call.month, week):
            if day.weekday() not in weekdays or not calendar.is_business_day(day):
                continue
            plan = days.setdefault(day, DayPlan())
            start = _free_start(call, day, plan, calendar, calls_per_day)
            if start is not None:
                plan.busy.append((start, start + timedelta(minutes=call.minutes)))
                plan.customers.add(call.customer_id.casefold())
                return start
    return None


def _free_start(
    call: CallDue,
    day: date,
    plan: DayPlan,
    calendar: BusinessCalendar,
    calls_per_day: int,
) -> datetime | None:
    if len(plan.busy) >= calls_per_day or call.customer_id.casefold() in plan.customers:
        return None
    opens = datetime.combine(day, calendar.business.opens)
    start = opens + FIRST_CALL_AFTER
    if plan.busy:
        start = max(start, max(end for _, end in plan.busy) + GAP_BETWEEN_CALLS)
    closes = datetime.combine(day, calendar.business.closes)
    if start + timedelta(minutes=call.minutes) > closes:
        return None
    return start


def call_columns(
    calls: pd.DataFrame,
    customer_ids: pd.Series,
    tiers: Mapping[str, str],
    settings: Settings,
    calendar: BusinessCalendar,
    today: date,
) -> pd.DataFrame:
    """The Calls tab's computed columns: Tier, Duration, Due By, Status, Problems.

    ``calls`` has the tab's staff fields, ``customer_ids`` each row's
    resolved Customer ID ("" when unknown) and ``tiers`` each customer's
    tier. Status is held once Held On is filled; overdue when it isn't
    and Due By (the month's last business day) has passed; scheduled
    with a Scheduled For; otherwise unscheduled. Problems (a list per
    row) flag a kind the tier doesn't include and a call held by a
    medium its plan doesn't allow.
    """
    tier_codes = customer_ids.map(tiers).fillna("").astype(str)
    due_by = calls["month"].map(lambda m: _due_by(m, calendar))
    rows = []
    for row in calls.index:
        tier = settings.tiers.get(tier_codes[row])
        plan = plan_for_kind(tier, calls.at[row, "kind"])
        rows.append(
            {
                "tier": tier_codes[row],
                "duration_minutes": plan.minutes if plan else None,
                "due_by": due_by[row],
                "status": _status(calls.loc[row], due_by[row], today),
                "problems": _problems(calls.loc[row], tier, plan),
            }
        )
    columns = ["tier", "duration_minutes", "due_by", "status", "problems"]
    return pd.DataFrame(rows, index=calls.index, columns=columns)


def _due_by(month: object, calendar: BusinessCalendar) -> date | None:
    if not isinstance(month, str) or not month:
        return None
    return last_business_day(month, calendar)


def plan_for_kind(tier: Tier | None, kind: object) -> CallPlan | None:
    """The tier's plan for a call of this kind; None if the tier has no such call."""
    if tier is None or not isinstance(kind, str):
        return None
    return next((p for p in tier.calls if p.kind.casefold() == kind.casefold()), None)


def _status(call: pd.Series, due_by: date | None, today: date) -> str:
    if not pd.isna(call["held_on"]):
        return "held"
    if due_by is not None and today > due_by:
        return "overdue"
    if not pd.isna(call["scheduled_for"]):
        return "scheduled"
    return "unscheduled"


def _problems(call: pd.Series, tier: Tier | None, plan: CallPlan | None) -> list[str]:
    kind, medium = call["kind"], call["medium"]
    if tier is None or not kind:
        return []
    if plan is None:
        return [_not_included(tier, kind)]
    if medium and medium not in plan.media:
        return [_wrong_medium(tier, plan, medium)]
    return []


def _not_included(tier: Tier, kind: str) -> str:
    included = ", ".join(p.kind for p in tier.calls) or "no calls"
    return (
        f"Kind: {tier.code} {tier.name} doesn't include a {kind} "
        f"(it includes {included}); book it as paid consulting or offer the upgrade"
    )


def _wrong_medium(tier: Tier, plan: CallPlan, medium: str) -> str:
    allowed = " or ".join(plan.media)
    return f"Medium: {medium}, but the {tier.code} {plan.kind} is by {allowed}"
