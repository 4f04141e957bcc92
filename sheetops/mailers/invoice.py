"""The month's overage bills: time beyond the allocation, at the tier's rate.

A month's invoice covers the billing periods whose reset date falls in
that month, so each period is billed once, after it has ended. Overage
is billed in steps of ``thresholds.overage_step_minutes`` (15 minutes),
rounded up, at the tier's hourly rate (R2 Rp 250.000, R3 Rp 300.000):
61 minutes over at R3 is 1.25 hours, Rp 375.000.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sheetops.errors import MailError
from sheetops.formatting import overage_cost, rupiah
from sheetops.mailers.keys import OVERAGE_INVOICE, MailRequest, period_ref
from sheetops.mailers.usage import (
    PeriodUsage,
    customer_record,
    period_usage,
    request_descriptions,
    start_date,
)
from sheetops.rules.compute import Book
from sheetops.rules.periods import anniversary
from sheetops.settings import Settings

MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
CSV_HEADERS = (
    "Customer ID",
    "Customer",
    "Tier",
    "Period Start",
    "Period End",
    "Monthly Allocation",
    "Used (Hours)",
    "Overage (Hours)",
    "Billed (Hours)",
    "Rate (Rp/hour)",
    "Amount (Rp)",
    "Requests",
)


@dataclass(frozen=True)
class OverageLine:
    """One customer's overage in one ended billing period."""

    usage: PeriodUsage
    step_minutes: int
    # Request ID → (Description, minutes of overage), in the order logged.
    requests: dict[str, tuple[str, float]]

    @property
    def over_hours(self) -> float:
        return self.usage.over_minutes / 60

    @property
    def billed_hours(self) -> float:
        """Hours over, in whole steps rounded up."""
        # Rounding first keeps 45.000000001 minutes (float sums) at 3 steps.
        steps = math.ceil(round(self.usage.over_minutes / self.step_minutes, 6))
        return steps * self.step_minutes / 60

    @property
    def rate(self) -> int:
        return self.usage.tier.overage_rate

    @property
    def amount(self) -> int:
        return overage_cost(self.usage.over_minutes, self.rate, self.step_minutes)

    @property
    def request_ids(self) -> list[str]:
        return list(self.requests)


@dataclass
class Invoice:
    """A month's overage lines, and the periods not yet ended to bill later."""

    month: date
    lines: list[OverageLine] = field(default_factory=list)
    not_ended: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    def mail(self) -> list[MailRequest]:
        """One overage invoice email per line, keyed by its period."""
        return [
            MailRequest(
                OVERAGE_INVOICE,
                line.usage.customer_id,
                period_ref(line.usage.period_start),
            )
            for line in self.lines
        ]


def parse_month(text: str) -> date:
    """The first day of a month given as YYYY-MM."""
    match = MONTH.match(text.strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise MailError(f"{text!r} is not a month like 2026-02")
    return date(int(match[1]), int(match[2]), 1)


def previous_month(today: date) -> date:
    """The first day of the month before ``today``'s."""
    if today.month == 1:
        return date(today.year - 1, 12, 1)
    return date(today.year, today.month - 1, 1)


def monthly_invoice(
    book: Book, settings: Settings, month: date, today: date
) -> Invoice:
    """The overage of every period whose reset date falls in ``month``.

    A period resetting later this month than ``today`` has not ended, so
    it is listed in ``not_ended`` rather than billed half-way.
    """
    invoice = Invoice(month=month)
    for customer_id in book.customers["customer_id"]:
        if not str(customer_id).strip():
            continue
        line = _line(book, settings, str(customer_id), month, today, invoice)
        if line is not None:
            invoice.lines.append(line)
    return invoice


def overage_line(
    book: Book, settings: Settings, customer_id: str, period_start: date
) -> OverageLine:
    """The overage line of one period (its amount may be Rp 0)."""
    usage = period_usage(book, settings, customer_id, period_start)
    described = request_descriptions(book)
    requests: dict[str, tuple[str, float]] = {}
    for entry in usage.entries:
        if entry.over_minutes <= 0:
            continue
        so_far = requests.get(entry.request_id, ("", 0.0))[1]
        text = described.get(entry.request_id.casefold(), "") or entry.work
        requests[entry.request_id] = (text, so_far + entry.over_minutes)
    return OverageLine(usage, settings.thresholds.overage_step_minutes, requests)


def table_lines(invoice: Invoice) -> list[str]:
    """The invoice as an aligned table for the terminal."""
    headers = [
        "Customer",
        "Tier",
        "Period",
        "Over",
        "Billed",
        "Rate",
        "Amount",
        "Requests",
    ]
    rows = [_table_row(line) for line in invoice.lines]
    if rows:
        rows.append(["Total", "", "", "", "", "", rupiah(invoice.total), ""])
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))

    dashes = ["-" * w for w in widths]
    return [line(r).rstrip() for r in [headers, dashes, *rows]]


def write_csv(invoice: Invoice, path: Path) -> None:
    """The invoice lines as CSV, amounts as whole rupiah, for accounting."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADERS)
        writer.writerows(_csv_row(line) for line in invoice.lines)


def _line(
    book: Book,
    settings: Settings,
    customer_id: str,
    month: date,
    today: date,
    invoice: Invoice,
) -> OverageLine | None:
    record = customer_record(book, customer_id)
    tier = settings.tiers.get(str(record["tier"]))
    if tier is None or tier.overage_rate <= 0 or not _has_start(record):
        return None
    first = start_date(record)
    months = (month.year - first.year) * 12 + month.month - first.month
    if months < 1:
        return None
    reset = anniversary(first, months)
    if reset > today:
        invoice.not_ended.append(
            f"{record['customer']} ({customer_id}): the period resets on "
            f"{reset.isoformat()}, after today; bill it once it has ended"
        )
        return None
    line = overage_line(book, settings, customer_id, anniversary(first, months - 1))
    return line if line.usage.over_minutes > 0 else None


def _has_start(record: dict[str, object]) -> bool:
    try:
        start_date(record)
    except MailError:
        return False
    return True


def _table_row(line: OverageLine) -> list[str]:
    usage = line.usage
    return [
        usage.customer,
        usage.tier.code,
        f"{usage.period_start.isoformat()} to {usage.last_day.isoformat()}",
        f"{usage.over_minutes:g} min",
        f"{line.billed_hours:.2f} h",
        f"{rupiah(line.rate)}/h",
        rupiah(line.amount),
        ", ".join(line.request_ids),
    ]


def _csv_row(line: OverageLine) -> Iterable[object]:
    usage = line.usage
    return (
        usage.customer_id,
        usage.customer,
        usage.tier.code,
        usage.period_start.isoformat(),
        usage.last_day.isoformat(),
        usage.allocation_hours,
        round(usage.used_hours, 2),
        round(line.over_hours, 2),
        line.billed_hours,
        line.rate,
        line.amount,
        " ".join(line.request_ids),
    )
