"""The month's operational calendar, filled with this month's real work.

The seed's calendar has four weeks: week 1 plans (R3 proactive reports,
scheduling every R2/R3 call, reviewing last month's time), week 2 holds
the calls (R2 Tuesday to Thursday, R3 Monday and Friday), week 3 does the
queued custom work, week 4 releases the template update, sends the time
reports and invoices overages. Weeks are the month's days 1-7, 8-14,
15-21 and 22 to its end. Each item names the real customers, calls and
requests; a call with a Scheduled For is a timed event, everything else
spans its week or falls on its date. The same items print as a table and
export as an iCalendar file whose UIDs stay the same from run to run, so
re-importing it updates events instead of doubling them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar
import pandas as pd

from sheetops import schema
from sheetops.formatting import rupiah
from sheetops.rules import calls as call_rules
from sheetops.rules import periods
from sheetops.rules.compute import Book, prepare_book
from sheetops.rules.validation import customer_keys, resolve_customers
from sheetops.settings import Settings
from sheetops.sync.backend import Backend, Snapshot
from sheetops.sync.engine import load_tracker
from sheetops.sync.ledger import Ledger

PRODUCT_ID = "-//sheetops//operational calendar//EN"
UID_DOMAIN = "sheetops"
# Custom work that is still to be done once approved.
OPEN_STATUSES = ("Approved", "In Progress")
DEFAULT_CALL_MINUTES = 60


@dataclass(frozen=True)
class Item:
    """One thing on the month's calendar."""

    uid: str
    week: int
    title: str
    first: date
    last: date
    start: datetime | None = None
    minutes: int = 0
    detail: str = ""

    @property
    def when(self) -> str:
        """The item's date or time span, as the table shows it."""
        if self.start is not None:
            end = self.start + timedelta(minutes=self.minutes)
            return f"{self.start:%a %d %b %H:%M}-{end:%H:%M}"
        if self.first == self.last:
            return f"{self.first:%a %d %b}"
        return f"{self.first:%d %b}-{self.last:%d %b}"


def month_calendar(
    backend: Backend, settings: Settings, month: str, as_of: datetime
) -> list[Item]:
    """Read the tracker and lay out ``month``'s operational calendar."""
    snapshot = backend.read()
    tracker = load_tracker(snapshot)
    book = prepare_book(tracker.tables, settings, as_of.date())
    calls = tracker.tables[schema.CALLS.name]
    ids = resolve_customers(calls, *customer_keys(book.customers))
    history = _usage_history(snapshot)
    return build_items(
        book, calls.frame.assign(customer_id=ids), history, settings, month
    )


def _usage_history(snapshot: Snapshot) -> pd.DataFrame:
    if snapshot.title(schema.USAGE_HISTORY.name) is None:
        columns = ["customer_id", "customer", "period_end", "overage_rp"]
        return pd.DataFrame(columns=columns).astype({"period_end": "datetime64[ns]"})
    return Ledger.read(schema.USAGE_HISTORY, snapshot).frame


def build_items(
    book: Book,
    calls: pd.DataFrame,
    history: pd.DataFrame,
    settings: Settings,
    month: str,
) -> list[Item]:
    """Every item of ``month``, in date order; ``calls`` carries customer_id."""
    people = book.customers
    names = dict(zip(people["customer_id"], people["customer"], strict=True))
    tiers = dict(zip(people["customer_id"], people["tier"], strict=True))
    month_calls = calls[calls["month"] == month]
    resets = resets_in(book.customers, month)
    items = [
        *_week_one(book, month_calls, history, month),
        *_week_two(month_calls, names, tiers, settings, month),
        *_week_three(book, names, month),
        *_week_four(book, resets, history, month),
    ]
    # All-day items first on their day, then the timed ones in time order.
    return sorted(items, key=lambda i: (i.first, i.start is not None, i.when, i.uid))


def resets_in(customers: pd.DataFrame, month: str) -> list[tuple[str, date]]:
    """(Customer ID, reset date) of every active customer resetting in ``month``."""
    days = call_rules.month_days(month)
    found = []
    for row in customers.to_dict("records"):
        start = row["start_date"]
        # An unreadable Start Date is NaT, which passes for a date.
        if not row["customer_id"] or not bool(row["active"]) or pd.isna(start):
            continue
        start_day = pd.Timestamp(start).date()
        reset = periods.period_containing(start_day, days[-1])[0]
        if reset in days and reset > start_day:
            found.append((str(row["customer_id"]), reset))
    return sorted(found, key=lambda r: (r[1], r[0]))


def _uid(*parts: str) -> str:
    text = "-".join(p.strip().lower().replace(" ", "-") for p in parts if p)
    return f"{text}@{UID_DOMAIN}"


def _span(month: str, week: int) -> tuple[date, date]:
    days = call_rules.week_days(month, week)
    return days[0], days[-1]


def _task(month: str, week: int, key: str, title: str, detail: str = "") -> Item:
    first, last = _span(month, week)
    return Item(
        _uid(month, f"week{week}", key), week, title, first, last, detail=detail
    )


def _active(book: Book, tier: str | None = None) -> pd.DataFrame:
    people = book.customers[book.customers["active"].astype(bool)]
    return people if tier is None else people[people["tier"] == tier]


def _week_one(
    book: Book, calls: pd.DataFrame, history: pd.DataFrame, month: str
) -> list[Item]:
    r3 = sorted(_active(book, "R3")["customer"])
    unscheduled = int(calls["scheduled_for"].isna().sum())
    previous = (call_rules.month_days(month)[0] - timedelta(days=1)).strftime("%Y-%m")
    reviewed = _ended_in(history, previous)
    over = reviewed[reviewed["overage_rp"].fillna(0) > 0]
    return [
        _task(
            month,
            1,
            "r3-reports",
            f"Send R3 proactive monitoring reports ({len(r3)})",
            ", ".join(r3),
        ),
        _task(
            month,
            1,
            "schedule-calls",
            f"Schedule all R2/R3 calls ({len(calls)}, {unscheduled} unscheduled)",
        ),
        _task(
            month,
            1,
            "review-usage",
            f"Review {previous} time usage ({len(reviewed)} periods, "
            f"{len(over)} over allocation)",
            ", ".join(sorted(over["customer"].astype(str)))
            if "customer" in over
            else "",
        ),
    ]


def _ended_in(history: pd.DataFrame, month: str) -> pd.DataFrame:
    ends = pd.to_datetime(history["period_end"])
    return history[ends.dt.strftime("%Y-%m") == month]


def _week_two(
    calls: pd.DataFrame,
    names: dict[str, str],
    tiers: dict[str, str],
    settings: Settings,
    month: str,
) -> list[Item]:
    items = [
        _task(
            month,
            2,
            "calls",
            f"Conduct R2 check-ins (Tue/Wed/Thu) and R3 strategic calls (Mon/Fri): "
            f"{len(calls)} calls",
            "Document action items in the Calls tab",
        )
    ]
    for row in calls.to_dict("records"):
        customer_id = str(row["customer_id"])
        who = names.get(customer_id) or str(row["customer"])
        uid = _uid("call", customer_id or who, str(row["kind"]), month)
        start = row["scheduled_for"]
        if pd.isna(start):
            first, last = _span(month, 2)
            title = f"{row['kind']} with {who} (not scheduled yet)"
            items.append(Item(uid, 2, title, first, last))
            continue
        moment = pd.Timestamp(start).to_pydatetime()
        items.append(
            Item(
                uid,
                _week_of(moment.date()),
                f"{row['kind']} with {who}",
                moment.date(),
                moment.date(),
                start=moment.replace(tzinfo=settings.business.time_zone),
                minutes=_call_minutes(settings, tiers.get(customer_id), row["kind"]),
                detail=f"Medium: {row['medium'] or 'video'}",
            )
        )
    return items


def _call_minutes(settings: Settings, tier: str | None, kind: object) -> int:
    plan = call_rules.plan_for_kind(settings.tiers.get(tier or ""), kind)
    return plan.minutes if plan else DEFAULT_CALL_MINUTES


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _week_of(day: date) -> int:
    return min((day.day - 1) // 7 + 1, 4)


def _week_three(book: Book, names: dict[str, str], month: str) -> list[Item]:
    asks = book.requests
    queued = asks[
        (asks["type"] == "B")
        & asks["approved_on"].notna()
        & asks["delivered_on"].isna()
        & asks["status"].isin(("", *OPEN_STATUSES))
    ]
    items = [
        _task(
            month,
            3,
            "custom-work",
            f"Complete queued custom work ({_count(len(queued), 'request')})",
            "Test deliverables; prepare the monthly template update",
        )
    ]
    first, last = _span(month, 3)
    for row in queued.to_dict("records"):
        who = names.get(str(row["customer_id"]), str(row["customer"]))
        title = f"{row['request_id']} {who}"
        if row["description"]:
            title += f": {row['description']}"
        detail = f"Estimate: {row['estimate']}" if row["estimate"] else ""
        uid = _uid("custom", str(row["request_id"]), month)
        items.append(Item(uid, 3, title, first, last, detail=detail))
    return items


def _week_four(
    book: Book,
    resets: Sequence[tuple[str, date]],
    history: pd.DataFrame,
    month: str,
) -> list[Item]:
    names = dict(
        zip(book.customers["customer_id"], book.customers["customer"], strict=True)
    )
    invoices = list(_overages(book, resets, history))
    total = sum(amount for _, _, amount in invoices)
    items = [
        _task(month, 4, "release", "Release the monthly template update to all"),
        _task(month, 4, "reports", f"Send time usage reports ({len(resets)} due)"),
        _task(month, 4, "async", "Answer the async support queue"),
        _task(
            month,
            4,
            "invoices",
            f"Invoice overages ({len(invoices)}, {rupiah(total)})",
        ),
    ]
    for customer_id, reset in resets:
        who = names.get(customer_id, customer_id)
        title = f"Time report to {who} (billing period resets)"
        uid = _uid("report", customer_id, reset.isoformat())
        items.append(Item(uid, _week_of(reset), title, reset, reset))
    for customer_id, reset, amount in invoices:
        title = (
            f"Invoice overage: {names.get(customer_id, customer_id)} {rupiah(amount)}"
        )
        uid = _uid("invoice", customer_id, reset.isoformat())
        items.append(Item(uid, _week_of(reset), title, reset, reset))
    return items


def _overages(
    book: Book, resets: Iterable[tuple[str, date]], history: pd.DataFrame
) -> Iterable[tuple[str, date, int]]:
    """(Customer ID, reset date, rupiah) for each period ending this month with overage.

    A period already closed is billed as the Usage History recorded it; one
    still running shows its overage so far.
    """
    closed = {
        (str(c), pd.Timestamp(end).date() + timedelta(days=1)): float(rp or 0)
        for c, end, rp in zip(
            history["customer_id"],
            history["period_end"],
            history["overage_rp"],
            strict=True,
        )
        if not pd.isna(end)
    }
    running = {
        (str(c), pd.Timestamp(r).date()): float(rp)
        for c, r, rp in zip(
            book.customers["customer_id"],
            book.customers["reset_date"],
            book.budget["overage_rp"].fillna(0),
            strict=True,
        )
        if not pd.isna(r)
    }
    for customer_id, reset in resets:
        amount = closed.get(
            (customer_id, reset), running.get((customer_id, reset), 0.0)
        )
        if amount > 0:
            yield customer_id, reset, round(amount)


def table_lines(items: Sequence[Item], month: str) -> list[str]:
    """The calendar as a plain-text table for the terminal."""
    lines = [f"Operational calendar {month}", f"{'Week':<5} {'When':<24} Item"]
    for item in items:
        lines.append(f"{item.week:<5} {item.when:<24} {item.title}")
        if item.detail:
            lines.append(f"{'':<5} {'':<24}   {item.detail}")
    return lines


def to_ics(items: Sequence[Item], settings: Settings, as_of: datetime) -> bytes:
    """The items as an iCalendar file Google Calendar and Outlook import.

    Calls are timed in Asia/Jakarta with a VTIMEZONE; tasks are all-day
    events spanning their days (DTEND is the day after, as the format
    wants).
    """
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-timezone", settings.business.time_zone.key)
    stamp = as_of.astimezone(UTC).replace(microsecond=0)
    for item in items:
        calendar.add_component(_event(item, stamp))
    calendar.add_missing_timezones()
    data: bytes = calendar.to_ical()
    return data


def _event(item: Item, stamp: datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", item.uid)
    event.add("dtstamp", stamp)
    event.add("summary", item.title)
    if item.start is not None:
        event.add("dtstart", item.start)
        event.add("dtend", item.start + timedelta(minutes=item.minutes))
    else:
        event.add("dtstart", item.first)
        event.add("dtend", item.last + timedelta(days=1))
    if item.detail:
        event.add("description", item.detail)
    return event


def write_ics(
    path: Path, items: Sequence[Item], settings: Settings, as_of: datetime
) -> None:
    """Write the iCalendar file to ``path``."""
    path.write_bytes(to_ics(items, settings, as_of))
