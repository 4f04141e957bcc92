"""The monthly custom-work budget: time logged, hours used, overage.

Only custom work (type B) counts against a tier's monthly allocation, and
only time logged in the customer's current billing period. There is no
rollover: a period starts fresh on its billing anniversary. Time beyond
the allocation is overage, billed at the tier's rate in whole steps of
``overage_step_minutes`` rounded up, and the customer must approve it.

The caller supplies the billing periods (``period_start`` per customer and
per time-log row), so these rules never do calendar arithmetic beyond
looking a few months back for the upgrade hint.
"""

from __future__ import annotations

import logging
from datetime import date, time

import numpy as np
import pandas as pd

from sheetops.formatting import (
    gather_problems,
    hours,
    hours_number,
    overage_cost,
    rupiah,
    sentences,
    tier_label,
)
from sheetops.settings import Settings, Tier

logger = logging.getLogger(__name__)

# Approved work that is queued or under way: its estimate is spoken for.
COMMITTED_STATUSES = ("Approved", "In Progress")


def time_log_table(
    time_log: pd.DataFrame, requests: pd.DataFrame, settings: Settings, today: date
) -> pd.DataFrame:
    """Each time-log row's minutes, hours, whether it counts, and its problems.

    A row counts toward the allocation when its request is typed B (the
    Type staff chose, not the suggestion), its minutes are believable and
    it is not dated after ``today``. A row with a problem in its minutes
    never counts, so a typo can't bill a customer.
    """
    typed = time_log["minutes"].astype(float)
    span = _span_minutes(time_log["started"], time_log["stopped"])
    worked = typed.fillna(span.where(span > 0))
    limit = settings.thresholds.max_minutes_per_entry
    request = _request_of(time_log, requests)
    dates = time_log["date"]
    future = dates > pd.Timestamp(today)

    believable = (worked > 0) & (worked <= limit)
    counts = (request["type"] == "B") & believable & ~future
    problems = gather_problems(
        time_log.index,
        [
            *_minutes_problems(typed, span, worked, time_log, limit),
            sentences(future, _FUTURE.format, dates),
            *_request_problems(time_log, request, dates),
        ],
    )
    return pd.DataFrame(
        {
            "minutes_worked": worked,
            "hours": (worked / 60).round(2),
            "counts_toward_allocation": counts.astype(bool),
            "problems": problems,
        },
        index=time_log.index,
    )


def budget_table(
    customers: pd.DataFrame,
    requests: pd.DataFrame,
    time_log_computed: pd.DataFrame,
    settings: Settings,
    today: date,
) -> pd.DataFrame:
    """Each customer's allocation, hours used and committed, overage and hint.

    Used is counted custom-work time dated in the customer's current period
    up to ``today``; committed is what approved, undelivered custom work is
    still expected to take. ``time_log_computed`` is the Time Log frame
    with the columns of :func:`time_log_table` beside it.
    """
    allocation = customers["tier"].map(_by_tier(settings, "allocation_hours"))
    rate = customers["tier"].map(_by_tier(settings, "overage_rate"))
    counted = _counted(time_log_computed, today)
    per_period = counted.groupby(["customer_id", "period_start"])[
        "minutes_worked"
    ].sum()
    current = pd.MultiIndex.from_arrays(
        [customers["customer_id"], customers["period_start"]]
    )
    used = pd.Series(
        per_period.reindex(current, fill_value=0.0).to_numpy(), index=customers.index
    )

    over = (used - allocation * 60).clip(lower=0)
    step = settings.thresholds.overage_step_minutes
    billed_steps = np.ceil((over / step).round(6))
    committed = _committed_minutes(customers, requests, counted)
    logger.debug(
        "budgets: %s customers, %s counted time-log rows", len(customers), len(counted)
    )
    return pd.DataFrame(
        {
            "monthly_allocation": allocation,
            "used_hours": (used / 60).round(2),
            "committed_hours": (committed / 60).round(2),
            "remaining": (allocation - used / 60).round(2),
            "overage_hours": (over / 60).round(2),
            "overage_rp": (billed_steps * step / 60 * rate).round(0),
            "hint": _hints(customers, per_period, allocation, used, settings),
            "problems": gather_problems(
                customers.index, [_no_custom_work_problems(customers, used, settings)]
            ),
        },
        index=customers.index,
    )


def overage_approval_problems(
    requests: pd.DataFrame,
    time_log_computed: pd.DataFrame,
    customers: pd.DataFrame,
    settings: Settings,
) -> pd.Series:
    """Requests that took their customer over budget without Overage Approved.

    Each customer's counted time in the current period is walked in date
    order; the request whose time crosses the allocation, and every request
    with time after that, used overage. Tiers without an overage rate (R1)
    are left to the type and budget problems, which say it more usefully.
    """
    rows = _current_period_rows(time_log_computed, customers, settings)
    overage = rows.groupby("request_key")["overage_minutes"].sum()
    tier_of = rows.groupby("request_key")["tier"].first()

    keys = _request_key(requests["request_id"])
    extra = keys.map(overage).fillna(0.0)
    tier = keys.map(tier_of).astype(object).fillna("")
    unapproved = (extra > 0) & ~requests["overage_approved"].astype(bool)
    texts = sentences(
        unapproved,
        lambda minutes, code: _overage_sentence(
            minutes, settings.tiers.get(code), settings
        ),
        extra,
        tier,
    )
    return gather_problems(requests.index, [texts])


def _by_tier(settings: Settings, attribute: str) -> dict[str, float]:
    return {code: float(getattr(t, attribute)) for code, t in settings.tiers.items()}


def _clock_minutes(value: object) -> float:
    if not isinstance(value, time):
        return np.nan
    return value.hour * 60 + value.minute + value.second / 60


def _span_minutes(started: pd.Series, stopped: pd.Series) -> pd.Series:
    """Stopped − Started in minutes; NaN unless both times are given."""
    start = np.array([_clock_minutes(v) for v in started], dtype=float)
    stop = np.array([_clock_minutes(v) for v in stopped], dtype=float)
    return pd.Series(stop - start, index=started.index)


def _request_key(ids: pd.Series) -> pd.Series:
    """A Request ID as matched: surrounding spaces and case ignored."""
    return ids.astype(object).fillna("").astype(str).str.strip().str.upper()


def _request_of(time_log: pd.DataFrame, requests: pd.DataFrame) -> pd.DataFrame:
    """The type and Approved On of each time-log row's request; found or not."""
    table = pd.DataFrame(
        {
            "key": _request_key(requests["request_id"]),
            "type": requests["type"].astype(object).fillna("").astype(str),
            "approved_on": requests["approved_on"],
        }
    )
    table = table[table["key"] != ""].drop_duplicates("key").set_index("key")
    keys = _request_key(time_log["request_id"])
    matched = table.reindex(keys.to_numpy()).set_axis(time_log.index)
    return pd.DataFrame(
        {
            "key": keys,
            "found": keys.isin(table.index),
            "type": matched["type"].fillna("").astype(object),
            "approved_on": matched["approved_on"],
        },
        index=time_log.index,
    )


# Time-log problems, filled with str.format from the row's own values.
_NOT_POSITIVE = "Minutes: {:g} is not a positive number of minutes"
_NO_MINUTES = (
    "Minutes: blank, and Started and Stopped aren't both given; give the minutes "
    "worked or both times"
)
_BACKWARDS = (
    "Stopped: {1:%H:%M} is not after Started {0:%H:%M}; fix the times or give "
    "the Minutes"
)
_TOO_LONG = (
    "Minutes: {:g} is more than {}, the most one entry may hold; split it or fix "
    "the typo"
)
_FUTURE = "Date: {:%Y-%m-%d} is in the future; log time once the work is done"
_UNKNOWN = "Request ID: {!r} is not on the Requests tab"
_UNTYPED = (
    "Request ID: {} has no Type yet, so this time doesn't count toward the "
    "allocation; set the request's Type"
)
_UNAPPROVED = (
    "Request ID: {} is custom work with no Approved On date; custom work starts "
    "only once the customer approves it"
)
_EARLY = (
    "Date: {:%Y-%m-%d} is before {} was approved ({:%Y-%m-%d}); custom work "
    "starts after approval"
)


def _minutes_problems(
    typed: pd.Series,
    span: pd.Series,
    worked: pd.Series,
    time_log: pd.DataFrame,
    limit: int,
) -> list[pd.Series]:
    no_times = typed.isna() & span.isna()
    backwards = typed.isna() & (span <= 0)
    return [
        sentences(typed <= 0, _NOT_POSITIVE.format, typed),
        sentences(no_times, lambda _: _NO_MINUTES, typed),
        sentences(
            backwards, _BACKWARDS.format, time_log["started"], time_log["stopped"]
        ),
        sentences(worked > limit, lambda m: _TOO_LONG.format(m, limit), worked),
    ]


def _request_problems(
    time_log: pd.DataFrame, request: pd.DataFrame, dates: pd.Series
) -> list[pd.Series]:
    named = request["key"] != ""
    custom = request["type"] == "B"
    keys = request["key"]
    shown = time_log["request_id"].astype(str).str.strip()
    return [
        sentences(named & ~request["found"], _UNKNOWN.format, shown),
        sentences(
            named & request["found"] & (request["type"] == ""), _UNTYPED.format, keys
        ),
        sentences(custom & request["approved_on"].isna(), _UNAPPROVED.format, keys),
        sentences(
            custom & (dates < request["approved_on"]),
            _EARLY.format,
            dates,
            keys,
            request["approved_on"],
        ),
    ]


def _counted(time_log_computed: pd.DataFrame, today: date) -> pd.DataFrame:
    """The time-log rows that count toward a customer's allocation by today."""
    frame = time_log_computed
    keep = (
        frame["counts_toward_allocation"].astype(bool)
        & (frame["customer_id"].astype(object).fillna("") != "")
        & (frame["date"] <= pd.Timestamp(today))
        & frame["minutes_worked"].notna()
    )
    columns = ["customer_id", "period_start", "date", "request_id", "minutes_worked"]
    return frame.loc[keep, columns]


def _committed_minutes(
    customers: pd.DataFrame, requests: pd.DataFrame, counted: pd.DataFrame
) -> pd.Series:
    """Minutes of approved, undelivered custom work not yet logged, per customer."""
    approved = (
        (requests["type"] == "B")
        & requests["approved_on"].notna()
        & requests["status"].isin(COMMITTED_STATUSES)
    )
    queued = requests[approved]
    logged = counted.groupby(_request_key(counted["request_id"]))[
        "minutes_worked"
    ].sum()
    spent = _request_key(queued["request_id"]).map(logged).fillna(0.0)
    left = (queued["estimate_minutes"].astype(float) - spent).clip(lower=0).fillna(0)
    per_customer = left.groupby(queued["customer_id"]).sum()
    return customers["customer_id"].map(per_customer).fillna(0.0).astype(float)


def _hints(
    customers: pd.DataFrame,
    per_period: pd.Series,
    allocation: pd.Series,
    used: pd.Series,
    settings: Settings,
) -> pd.Series:
    """An upgrade suggestion after repeated overage, else the budget notice."""
    overs = _recent_overages(customers, per_period, allocation, settings)
    window = settings.thresholds.upgrade_window
    share = used / (allocation * 60)
    notice = (allocation > 0) & (share > settings.thresholds.budget_notice)
    notices = sentences(
        notice, lambda s: f"Used {int(np.floor(s * 100))}% of this month's hours", share
    )

    upgrade_to = customers["tier"].map(
        {code: t.upgrade_to for code, t in settings.tiers.items()}
    )
    wanted = (overs >= settings.thresholds.upgrade_after_overages) & (
        upgrade_to.fillna("") != ""
    )
    upgrades = sentences(
        wanted,
        lambda target, count: (
            f"Suggest an upgrade to "
            f"{tier_label(settings.tiers[target])}: over budget in {count} of the last "
            f"{window} periods"
        ),
        upgrade_to,
        overs,
    )
    hints = upgrades.combine_first(notices)
    return hints.reindex(customers.index, fill_value="").astype(object)


def _recent_overages(
    customers: pd.DataFrame,
    per_period: pd.Series,
    allocation: pd.Series,
    settings: Settings,
) -> pd.Series:
    """How many of the last ``upgrade_window`` periods each customer overran.

    A period starts on a billing anniversary, clamped to the month's end
    for late start days, so stepping back whole months from the current
    start lands on or just before the oldest period's true start and never
    reaches the one before it.
    """
    back = pd.DateOffset(months=settings.thresholds.upgrade_window - 1)
    limits = pd.DataFrame(
        {
            "customer_id": customers["customer_id"],
            "current": customers["period_start"],
            "oldest": customers["period_start"] - back,
            "allowed": allocation * 60,
        }
    ).drop_duplicates("customer_id")
    periods = per_period.rename("minutes").reset_index()
    joined = periods.merge(limits, on="customer_id", how="inner")
    over = (
        (joined["period_start"] >= joined["oldest"])
        & (joined["period_start"] <= joined["current"])
        & (joined["minutes"] > joined["allowed"])
    )
    counts = joined[over].groupby("customer_id").size()
    return customers["customer_id"].map(counts).fillna(0).astype(int)


def _no_custom_work_problems(
    customers: pd.DataFrame, used: pd.Series, settings: Settings
) -> pd.Series:
    allocation = customers["tier"].map(_by_tier(settings, "allocation_hours"))
    hit = (allocation == 0) & (used > 0)
    return sentences(
        hit,
        lambda code, minutes: _no_custom_work(settings.tiers[code], minutes, settings),
        customers["tier"],
        used,
    )


def _no_custom_work(tier: Tier, minutes: float, settings: Settings) -> str:
    way = "bill it"
    if tier.upgrade_to:
        way = f"upgrade to {tier_label(settings.tiers[tier.upgrade_to])} or bill it"
    verb = "was" if minutes == 60 else "were"
    return (
        f"{tier_label(tier)} includes no custom work, yet "
        f"{hours(minutes / 60)} {verb} logged this period; {way}"
    )


def _current_period_rows(
    time_log_computed: pd.DataFrame, customers: pd.DataFrame, settings: Settings
) -> pd.DataFrame:
    """Counted rows of each customer's current period, with their overage share.

    ``overage_minutes`` is the part of a row's minutes beyond the allocation
    once the customer's earlier rows (by date, then sheet order) are added.
    """
    frame = time_log_computed
    keep = (
        frame["counts_toward_allocation"].astype(bool) & frame["minutes_worked"].notna()
    )
    known = customers[customers["customer_id"] != ""].drop_duplicates("customer_id")
    known = known.set_index("customer_id")
    rows = pd.DataFrame(
        {
            "customer_id": frame.loc[keep, "customer_id"],
            "date": frame.loc[keep, "date"],
            "minutes": frame.loc[keep, "minutes_worked"].astype(float),
            "request_key": _request_key(frame.loc[keep, "request_id"]),
        }
    )
    rows["tier"] = rows["customer_id"].map(known["tier"])
    current = rows["customer_id"].map(known["period_start"])
    rows = rows[frame.loc[keep, "period_start"] == current]
    rows = rows.sort_values(["customer_id", "date"], kind="stable")

    allowed = rows["tier"].map(_by_tier(settings, "allocation_hours")) * 60
    total = rows.groupby("customer_id")["minutes"].cumsum()
    before = total - rows["minutes"]
    rows["overage_minutes"] = (total - np.maximum(before, allowed)).clip(lower=0)
    return rows


def _overage_sentence(extra: float, tier: Tier | None, settings: Settings) -> str:
    if tier is None or tier.overage_rate <= 0:
        return ""
    step = settings.thresholds.overage_step_minutes
    cost = overage_cost(extra, tier.overage_rate, step)
    return (
        f"Overage Approved: unticked, but this request took the customer "
        f"{hours(extra / 60)} over the {hours_number(tier.allocation_hours)}-hour "
        f"allocation ({rupiah(cost)} at {tier.code}'s rate); get the customer's "
        "approval and tick it"
    )
