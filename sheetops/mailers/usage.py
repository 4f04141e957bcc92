"""One customer's custom-work time in one billing period, for reports and bills.

The Book already knows, for each Time Log row, its customer, its billing
period and whether it counts toward the allocation; this module gathers
one period's counted rows in date order and says which of their minutes
went beyond the allocation (the overage), request by request.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from numbers import Real

import pandas as pd

from sheetops.errors import MailError
from sheetops.rules.compute import Book
from sheetops.rules.periods import anniversary, period_containing
from sheetops.settings import Settings, Tier


@dataclass(frozen=True)
class WorkEntry:
    """One Time Log row that counted: when, for which request, what, how long."""

    day: date
    request_id: str
    work: str
    minutes: float
    # The part of these minutes beyond the allocation, walking in date order.
    over_minutes: float

    @property
    def hours(self) -> float:
        return self.minutes / 60


@dataclass(frozen=True)
class PeriodUsage:
    """A customer's counted custom work in one billing period."""

    customer_id: str
    customer: str
    tier: Tier
    period_start: date
    reset_date: date
    entries: tuple[WorkEntry, ...]

    @property
    def last_day(self) -> date:
        return self.reset_date - timedelta(days=1)

    @property
    def allocation_hours(self) -> float:
        return self.tier.allocation_hours

    @property
    def used_minutes(self) -> float:
        return sum(entry.minutes for entry in self.entries)

    @property
    def used_hours(self) -> float:
        return self.used_minutes / 60

    @property
    def remaining_hours(self) -> float:
        return max(0.0, self.allocation_hours - self.used_hours)

    @property
    def over_minutes(self) -> float:
        return max(0.0, self.used_minutes - self.allocation_hours * 60)

    @property
    def percent(self) -> int:
        """Share of the allocation used, in whole percent rounded down."""
        if self.allocation_hours <= 0:
            return 0
        # Rounding first keeps 0.75 h of 1 h at 75 %, not 74 (float sums).
        return math.floor(round(self.used_hours / self.allocation_hours * 100, 6))


def customer_record(book: Book, customer_id: str) -> dict[str, object]:
    """The Customers row with this ID, as field → value."""
    frame = book.customers
    wanted = customer_id.strip().casefold()
    hits = frame.index[frame["customer_id"].str.strip().str.casefold() == wanted]
    if not len(hits):
        raise MailError(
            f"Customer ID {customer_id!r} is not on the Customers tab; "
            "fix the Outbox row's Key or add the customer"
        )
    return {str(k): v for k, v in frame.loc[hits[0]].to_dict().items()}


def customer_tier(record: dict[str, object], settings: Settings) -> Tier:
    """The tier of a Customers row; a clear error when it has none."""
    tier = settings.tiers.get(str(record["tier"]))
    if tier is None:
        raise MailError(
            f"{record['customer']} ({record['customer_id']}) has no valid Tier on "
            "the Customers tab; set R1, R2 or R3"
        )
    return tier


def start_date(record: dict[str, object]) -> date:
    """The customer's Start Date, the anchor of every billing period."""
    found = day_of(record["start_date"])
    if found is None:
        raise MailError(
            f"{record['customer']} ({record['customer_id']}) has no Start Date on "
            "the Customers tab, so it has no billing periods; fill it in"
        )
    return found


def day_of(value: object) -> date | None:
    """A parsed cell as a date; None when blank (NaT)."""
    if value is pd.NaT or not isinstance(value, date):
        return None
    return value.date() if isinstance(value, datetime) else value


def number_of(value: object) -> float:
    """A parsed cell as a number; NaN when blank or not a number."""
    if isinstance(value, Real) and not isinstance(value, bool):
        return float(value)
    return math.nan


def period_usage(
    book: Book, settings: Settings, customer_id: str, period_start: date
) -> PeriodUsage:
    """The counted custom work of the billing period starting ``period_start``."""
    record = customer_record(book, customer_id)
    first, reset = period_containing(start_date(record), period_start)
    if first != period_start:
        raise MailError(
            f"{period_start.isoformat()} is not the first day of a billing period "
            f"of {record['customer_id']}; the period around it starts "
            f"{first.isoformat()}"
        )
    tier = customer_tier(record, settings)
    customer_id = str(record["customer_id"])
    return PeriodUsage(
        customer_id=customer_id,
        customer=str(record["customer"]),
        tier=tier,
        period_start=first,
        reset_date=reset,
        entries=_entries(book, customer_id, first, tier.allocation_hours * 60),
    )


def current_period_start(record: dict[str, object], today: date) -> date:
    """The first day of the customer's billing period holding ``today``."""
    return period_containing(start_date(record), today)[0]


def last_closed_period_start(record: dict[str, object], today: date) -> date:
    """The first day of the latest billing period that has ended by ``today``."""
    current = current_period_start(record, today)
    if current <= start_date(record):
        raise MailError(
            f"{record['customer']} ({record['customer_id']}) has no closed billing "
            f"period yet (the first one ends the day before "
            f"{anniversary(start_date(record), 1).isoformat()}); name one"
        )
    return period_containing(start_date(record), current - timedelta(days=1))[0]


def period_starting_in(record: dict[str, object], month: date) -> date:
    """The first day of the customer's billing period that starts in ``month``."""
    first = start_date(record)
    months = (month.year - first.year) * 12 + month.month - first.month
    if months < 0:
        raise MailError(
            f"{month:%Y-%m} is before {record['customer']}'s Start Date "
            f"({first.isoformat()})"
        )
    return anniversary(first, months)


def _entries(
    book: Book, customer_id: str, period_start: date, allowed: float
) -> tuple[WorkEntry, ...]:
    log = book.time_log
    counted = log[
        (log["customer_id"] == customer_id)
        & log["counts_toward_allocation"].astype(bool)
        & (log["period_start"] == pd.Timestamp(period_start))
        & log["minutes_worked"].notna()
    ]
    # Date order, then sheet order: the overage is the time logged last.
    counted = counted.sort_values("date", kind="stable")
    described = request_descriptions(book)

    entries = []
    total = 0.0
    for row in counted.itertuples():
        worked = number_of(row.minutes_worked)
        over = max(0.0, total + worked - max(total, allowed))
        total += worked
        request_id = str(row.request_id).strip()
        work = str(row.work_done).strip() or described.get(request_id.casefold(), "")
        entries.append(
            WorkEntry(
                day=day_of(row.date) or period_start,
                request_id=request_id,
                work=work or request_id,
                minutes=worked,
                over_minutes=over,
            )
        )
    return tuple(entries)


def request_descriptions(book: Book) -> dict[str, str]:
    """Each request's Description by Request ID (case ignored)."""
    requests = book.requests
    return {
        str(rid).strip().casefold(): str(text).strip()
        for rid, text in zip(
            requests["request_id"], requests["description"], strict=True
        )
        if str(rid).strip()
    }
