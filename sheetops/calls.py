"""Planning a month's calls: rows with proposed slots, and their invitations.

On the first business day of a month the daemon adds a Calls row for
every call the month's active R2 and R3 customers are due (from each
tier's call plans), proposes a slot by the seed's week-2 rule, and
queues the invitations. Each step is idempotent, so a rerun or a crash
between steps adds nothing twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

from sheetops import schema
from sheetops.errors import TrackerMovedError
from sheetops.mailers import outbox
from sheetops.mailers.keys import CALL_INVITATION, MailRequest, call_ref
from sheetops.rules import calls as call_rules
from sheetops.rules.compute import prepare_book
from sheetops.rules.validation import customer_keys, resolve_customers
from sheetops.settings import Settings
from sheetops.sync import engine
from sheetops.sync.backend import Backend, Cell
from sheetops.sync.ledger import Ledger

logger = logging.getLogger(__name__)

# A tracker moving under us is retried this many times from a fresh read.
ATTEMPTS = 3


@dataclass
class CallsReport:
    """What planning a month's calls did."""

    month: str
    added: int = 0
    unplaced: int = 0
    invitations: int = 0
    not_before: date | None = None

    def summary(self) -> str:
        """One line with the figures, in words."""
        if self.not_before is not None:
            return (
                f"nothing to plan for {self.month} before {self.not_before}, "
                "its first business day"
            )
        return (
            f"added {self.added} calls for {self.month} "
            f"({self.unplaced} without a free slot), "
            f"queued {self.invitations} invitations"
        )


def plan_calls(backend: Backend, settings: Settings, as_of: datetime) -> CallsReport:
    """Add a Calls row, with a proposed slot, for each call the month lacks.

    A call already on the tab for (customer, kind, month), whoever typed
    it, is never added again; so running this twice adds nothing. Before
    the month's first business day nothing is planned. Every scheduled
    call of the month then has its invitation queued, by key.
    """
    report = CallsReport(call_rules.month_of(as_of.date()))
    scheduled: list[tuple[str, str]] = []
    for attempt in range(1, ATTEMPTS + 1):
        try:
            scheduled = _add_calls(backend, settings, as_of, report)
            break
        except TrackerMovedError as exc:
            if attempt == ATTEMPTS:
                raise
            logger.warning("%s; reading the tracker again", exc)

    report.invitations = _queue_invitations(
        backend, settings, as_of, report.month, scheduled
    )
    return report


@dataclass
class _MonthCalls:
    """The Calls tab's rows of one month, with customers resolved."""

    keys: list[tuple[str, str, str]] = field(default_factory=list)
    booked: list[tuple[datetime, int, str]] = field(default_factory=list)
    scheduled: list[tuple[str, str]] = field(default_factory=list)


def _add_calls(
    backend: Backend, settings: Settings, as_of: datetime, report: CallsReport
) -> list[tuple[str, str]]:
    """Append the month's missing calls; return its scheduled (customer id, kind)."""
    snapshot = backend.read()
    tracker = engine.load_tracker(snapshot)
    book = prepare_book(tracker.tables, settings, as_of.date())
    month = _month_calls(tracker, settings, report.month)
    first = call_rules.first_business_day(report.month, book.calendar)
    if first is None or as_of.date() < first:
        report.not_before = first
        return month.scheduled

    due = call_rules.calls_due(book.customers, month.keys, settings, report.month)
    per_day = settings.calls.calls_per_day
    slots = call_rules.propose_slots(due, book.calendar, per_day, month.booked)

    ledger = Ledger.read(schema.CALLS, snapshot)
    for call in due:
        start = slots[call]
        if start is None:
            logger.warning(
                "no free slot for the %s of %s in %s; left unscheduled",
                call.kind,
                call.customer_id,
                call.month,
            )
            report.unplaced += 1
        else:
            month.scheduled.append((call.customer_id, call.kind))
        ledger.append(_call_row(call, start))
    ledger.save(backend)
    report.added = len(due)
    return month.scheduled


def _call_row(call: call_rules.CallDue, start: datetime | None) -> dict[str, Cell]:
    return {
        "customer": call.customer or call.customer_id,
        "kind": call.kind,
        "month": call.month,
        "scheduled_for": start,
        "medium": call.medium,
    }


def _month_calls(
    tracker: engine.Tracker, settings: Settings, month: str
) -> _MonthCalls:
    calls = tracker.tables[schema.CALLS.name]
    customers = tracker.tables[schema.CUSTOMERS.name].frame
    ids = resolve_customers(calls, *customer_keys(customers))
    tiers = dict(zip(customers["customer_id"], customers["tier"], strict=True))

    found = _MonthCalls()
    for row, values in zip(ids, calls.frame.to_dict("records"), strict=True):
        customer_id = str(row)
        found.keys.append((customer_id, values["kind"], values["month"]))
        if values["month"] != month or pd.isna(values["scheduled_for"]):
            continue
        start = pd.Timestamp(values["scheduled_for"]).to_pydatetime()
        tier = settings.tiers.get(str(tiers.get(customer_id, "")))
        plan = call_rules.plan_for_kind(tier, values["kind"])
        found.booked.append((start, plan.minutes if plan else 60, customer_id))
        if customer_id and plan is not None:
            found.scheduled.append((customer_id, plan.kind))
    return found


def _queue_invitations(
    backend: Backend,
    settings: Settings,
    as_of: datetime,
    month: str,
    scheduled: list[tuple[str, str]],
) -> int:
    """Queue an invitation for each scheduled call of ``month``, by key.

    Every scheduled call is asked for, not only the new ones: the outbox
    ignores keys it holds, and an invitation lost to a crash is queued now.
    """
    requests = [
        MailRequest(CALL_INVITATION, customer_id, call_ref(month, kind))
        for customer_id, kind in scheduled
    ]
    if not requests:
        return 0
    return outbox.queue(backend, settings, as_of, requests)
