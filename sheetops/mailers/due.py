"""What the tracker says should be emailed now, without anyone asking.

Budget notices and approval requests come from the tracker itself; the
other kinds are queued by the job that makes them (the monthly close,
call planning, the R3 checks, ``sheetops invoice``).
"""

from __future__ import annotations

from datetime import datetime

from sheetops.mailers.keys import (
    APPROVAL_REQUEST,
    BUDGET_NOTICE,
    MailRequest,
    period_ref,
)
from sheetops.rules.compute import Book
from sheetops.settings import Settings

AWAITING_APPROVAL = "Awaiting Approval"


def due_mail(book: Book, settings: Settings, as_of: datetime) -> list[MailRequest]:
    """The email the tracker says is due now.

    A budget notice for each active customer with an Email whose used
    hours this period pass ``thresholds.budget_notice`` of the allocation
    (ref: the period start), and an approval request for each custom-work
    request Awaiting Approval whose Preferred Channel (or, blank, the
    Channel it came by) is Email (ref: the Request ID). ``book`` is the
    tracker computed as of ``as_of``; both rules read their dates from it.
    """
    return [*_budget_notices(book, settings), *_approval_requests(book, settings)]


def _budget_notices(book: Book, settings: Settings) -> list[MailRequest]:
    people = book.customers
    allocation = people["tier"].map(
        {code: tier.allocation_hours for code, tier in settings.tiers.items()}
    )
    share = people["used_hours"].astype(float) / allocation.astype(float)
    due = (
        people["active"].astype(bool)
        & (allocation > 0)
        & (share > settings.thresholds.budget_notice)
        & (people["customer_id"] != "")
        & (people["email"] != "")
        & people["period_start"].notna()
    )
    return [
        MailRequest(BUDGET_NOTICE, customer_id, period_ref(start.date()))
        for customer_id, start in zip(
            people.loc[due, "customer_id"], people.loc[due, "period_start"], strict=True
        )
    ]


def _approval_requests(book: Book, settings: Settings) -> list[MailRequest]:
    asks = book.requests
    people = book.customers
    custom_work = {
        code for code, tier in settings.tiers.items() if "B" in tier.request_types
    }
    reachable = set(
        people.loc[
            (people["email"] != "") & people["tier"].isin(custom_work), "customer_id"
        ]
    )
    channel = asks["preferred_channel"].where(
        asks["preferred_channel"] != "", asks["channel"]
    )
    due = (
        (asks["type"] == "B")
        & (asks["status"] == AWAITING_APPROVAL)
        & (channel == "Email")
        & (asks["request_id"] != "")
        & asks["customer_id"].isin(reachable)
        & (asks["estimate_minutes"].astype(float) > 0)
    )
    return [
        MailRequest(APPROVAL_REQUEST, customer_id, request_id)
        for customer_id, request_id in zip(
            asks.loc[due, "customer_id"], asks.loc[due, "request_id"], strict=True
        )
    ]
