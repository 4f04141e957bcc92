"""The monthly close: each ended billing period goes to the Usage History.

On a customer's reset date the period that just ended is written to the
Usage History tab (its allocation, hours used, overage) and the
customer's time report is queued. Periods that ended while nothing ran
are closed on the next run, oldest first. Each step is safe to repeat on
its own: a Usage History row is added only when none exists for the
customer and period start, and a report is queued by key, which the
outbox never queues twice. So a crash between the two, or two processes
closing at once, heals on the next run instead of doubling anything.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd

from sheetops import schema
from sheetops.errors import TrackerLayoutError, TrackerMovedError
from sheetops.formatting import overage_cost
from sheetops.mailers import outbox
from sheetops.mailers.keys import TIME_REPORT, MailRequest
from sheetops.rules import periods
from sheetops.rules.compute import Book, prepare_book
from sheetops.rules.validation import parse_tab
from sheetops.settings import Settings
from sheetops.sync.backend import Backend, Cell, Snapshot
from sheetops.sync.engine import load_tracker
from sheetops.sync.ledger import Ledger

logger = logging.getLogger(__name__)

# Time reports are queued only for periods that ended this recently: a
# first run on an old tracker writes its whole history but doesn't mail
# customers a year of stale reports.
REPORT_WINDOW = timedelta(days=62)
REPORT_KIND = TIME_REPORT
ATTEMPTS = 3


@dataclass(frozen=True)
class ClosedPeriod:
    """One ended billing period of one customer, with its figures."""

    customer_id: str
    customer: str
    tier: str
    period_start: date
    reset_date: date
    allocation: float
    used_hours: float
    overage_hours: float
    overage_rp: int

    @property
    def period_end(self) -> date:
        """The period's last day: the day before the reset."""
        return self.reset_date - timedelta(days=1)


@dataclass
class CloseReport:
    """What one close did."""

    closed: list[ClosedPeriod] = field(default_factory=list)
    reports_queued: int = 0

    def summary(self) -> str:
        """One line with the figures, in words."""
        return (
            f"closed {len(self.closed)} billing periods, "
            f"queued {self.reports_queued} time reports"
        )


def close_periods(backend: Backend, settings: Settings, as_of: datetime) -> CloseReport:
    """Close every period that ended by ``as_of`` and queue its time report."""
    report = CloseReport()
    seen = _Seen(pd.DataFrame(), set())
    for attempt in range(1, ATTEMPTS + 1):
        try:
            report.closed, seen = _write_history(backend, settings, as_of)
            break
        except TrackerMovedError as exc:
            # Someone wrote between our read and write (maybe another
            # close): re-reading shows their rows, so nothing doubles.
            if attempt == ATTEMPTS:
                raise
            logger.warning("%s; reading the tracker again", exc)

    refs = report_refs(seen.history, as_of.date())
    wanted = [r for r in refs if _report_key(*r) not in seen.queued]
    report.reports_queued = queue_reports(backend, settings, as_of, wanted)
    logger.info("close of %s: %s", backend.location, report.summary())
    return report


@dataclass
class _Seen:
    """The Usage History after this close, and the mail keys already queued."""

    history: pd.DataFrame
    queued: set[str]


def _write_history(
    backend: Backend, settings: Settings, as_of: datetime
) -> tuple[list[ClosedPeriod], _Seen]:
    """Append the ended periods; return them and what the tracker now holds."""
    snapshot = backend.read()
    history = Ledger.read(schema.USAGE_HISTORY, snapshot)
    ended = []
    # Most days nothing ends; the whole book is parsed only when something does.
    customers = _parse(snapshot, schema.CUSTOMERS)
    if pending_periods(customers, history.frame, as_of.date()):
        book = prepare_book(load_tracker(snapshot).tables, settings, as_of.date())
        ended = periods_to_close(book, history.frame, settings, as_of.date())

    stamp = as_of.replace(tzinfo=None, second=0, microsecond=0)
    rows = [_history_row(period, stamp) for period in ended]
    for row in rows:
        history.append(row)
    history.save(backend)
    now_held = pd.concat([history.frame, _typed(rows)], ignore_index=True)
    return ended, _Seen(now_held, _queued_keys(snapshot))


def _parse(snapshot: Snapshot, tab: schema.Tab) -> pd.DataFrame:
    title = snapshot.title(tab.name)
    if title is None:
        raise TrackerLayoutError(
            f"the tracker has no tab {tab.name!r}; run `sheetops init` to add it"
        )
    return parse_tab(tab, title, snapshot.grids[title]).frame


def _queued_keys(snapshot: Snapshot) -> set[str]:
    if snapshot.title(schema.OUTBOX.name) is None:
        return set()
    outbox = Ledger.read(schema.OUTBOX, snapshot).frame
    return set(outbox["key"].str.strip())


def _typed(rows: list[dict[str, Cell]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_id", "period_start", "period_end"])
    for column in ("period_start", "period_end"):
        frame[column] = pd.to_datetime(frame[column])
    return frame


Pending = tuple[Mapping[Hashable, object], date, date]


def pending_periods(
    customers: pd.DataFrame, history: pd.DataFrame, today: date
) -> list[Pending]:
    """(Customer row, period start, reset date) of each period ended and unrecorded.

    Only active customers' periods count. A customer's periods are counted
    on from the newest one already in the Usage History (or from the Start
    Date), so each is closed once and in order.
    """
    newest = _newest_recorded(history)
    recorded = {(c.casefold(), s) for c, s in history_keys(history)}
    pending: list[Pending] = []
    for row in customers.to_dict("records"):
        customer_id, start = str(row["customer_id"]), row["start_date"]
        # An unreadable Start Date is NaT, which passes for a date.
        if not customer_id or not bool(row["active"]) or pd.isna(start):
            continue
        start_day = pd.Timestamp(start).date()
        after = _after(start_day, newest.get(customer_id.casefold()))
        for period_start, reset in periods.closed_periods(start_day, after, today):
            if (customer_id.casefold(), period_start) not in recorded:
                pending.append((row, period_start, reset))
    return pending


def periods_to_close(
    book: Book, history: pd.DataFrame, settings: Settings, today: date
) -> list[ClosedPeriod]:
    """Each pending period with its figures, by reset date, then Customer ID."""
    used = _counted_minutes(book.time_log)
    ended = []
    for row, period_start, reset in pending_periods(book.customers, history, today):
        key = (str(row["customer_id"]), pd.Timestamp(period_start))
        minutes = used.get(key, 0.0)
        ended.append(_closed(row, period_start, reset, minutes, settings))
    return sorted(ended, key=lambda p: (p.reset_date, p.customer_id))


def _newest_recorded(history: pd.DataFrame) -> dict[str, date]:
    """Each customer's newest period start in the Usage History."""
    recorded = history[(history["customer_id"] != "") & history["period_start"].notna()]
    newest = recorded.groupby(recorded["customer_id"].str.casefold())[
        "period_start"
    ].max()
    return {str(k): pd.Timestamp(v).date() for k, v in newest.items()}


def _after(start: date, newest: date | None) -> date:
    """The day closing counts on from: the reset after the newest recorded period."""
    if newest is None:
        return start
    return periods.period_containing(start, newest)[1]


def _counted_minutes(time_log: pd.DataFrame) -> dict[tuple[str, pd.Timestamp], float]:
    counted = time_log[
        time_log["counts_toward_allocation"].astype(bool)
        & time_log["minutes_worked"].notna()
        & time_log["period_start"].notna()
    ]
    sums = counted.groupby(["customer_id", "period_start"])["minutes_worked"].sum()
    found: dict[tuple[str, pd.Timestamp], float] = {}
    for (customer_id, period_start), minutes in zip(
        sums.index.tolist(), sums.tolist(), strict=True
    ):
        found[(str(customer_id), pd.Timestamp(period_start))] = float(minutes)
    return found


def _closed(
    row: Mapping[Hashable, object],
    start: date,
    reset: date,
    minutes: float,
    settings: Settings,
) -> ClosedPeriod:
    tier = settings.tiers.get(str(row["tier"]))
    allocation = tier.allocation_hours if tier else 0.0
    rate = tier.overage_rate if tier else 0
    extra = max(minutes - allocation * 60, 0.0)
    step = settings.thresholds.overage_step_minutes
    return ClosedPeriod(
        customer_id=str(row["customer_id"]),
        customer=str(row["customer"]),
        tier=tier.code if tier else "",
        period_start=start,
        reset_date=reset,
        allocation=allocation,
        used_hours=round(minutes / 60, 2),
        overage_hours=round(extra / 60, 2),
        overage_rp=overage_cost(extra, rate, step),
    )


def _history_row(period: ClosedPeriod, stamp: datetime) -> dict[str, Cell]:
    return {
        "customer_id": period.customer_id,
        "customer": period.customer,
        "tier": period.tier,
        "period_start": period.period_start,
        "period_end": period.period_end,
        "allocation": period.allocation,
        "used_hours": period.used_hours,
        "overage_hours": period.overage_hours,
        "overage_rp": period.overage_rp,
        "closed_at": stamp,
    }


def queue_reports(
    backend: Backend,
    settings: Settings,
    as_of: datetime,
    refs: list[tuple[str, str]],
) -> int:
    """Queue the time reports of ``refs`` (Customer ID, period start); return new ones.

    The caller asks for every recently closed period whose key the Outbox
    lacks, not only this run's: a report lost to a crash after its period
    was recorded is queued on the next run, and the outbox itself ignores
    a key it already holds.
    """
    if not refs:
        return 0
    requests = [MailRequest(REPORT_KIND, c, ref) for c, ref in refs]
    return outbox.queue(backend, settings, as_of, requests)


def _report_key(customer_id: str, ref: str) -> str:
    return f"{REPORT_KIND}:{customer_id}:{ref}"


def report_refs(history: pd.DataFrame, today: date) -> list[tuple[str, str]]:
    """(Customer ID, period start ISO) of the periods whose report is due."""
    recent = history[
        (history["customer_id"] != "")
        & history["period_start"].notna()
        & (history["period_end"] >= pd.Timestamp(today - REPORT_WINDOW))
    ]
    refs = {
        (str(c), pd.Timestamp(s).date().isoformat())
        for c, s in zip(recent["customer_id"], recent["period_start"], strict=True)
    }
    return sorted(refs, key=lambda ref: (ref[1], ref[0]))


def history_keys(history: pd.DataFrame) -> Iterable[tuple[str, date]]:
    """(Customer ID, period start) of every Usage History row."""
    for customer_id, start in zip(
        history["customer_id"], history["period_start"], strict=True
    ):
        if customer_id and not pd.isna(start):
            yield str(customer_id), pd.Timestamp(start).date()
