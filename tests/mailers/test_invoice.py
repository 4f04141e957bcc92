"""Overage invoices: 15-minute steps rounded up, at the tier's rate."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pytest

from sheetops.errors import MailError
from sheetops.mailers.compose import compose, read_source
from sheetops.mailers.invoice import monthly_invoice, parse_month, write_csv
from sheetops.mailers.keys import MailRequest
from sheetops.settings import Settings
from tests.mailers.builders import r3_over, tracker


@pytest.fixture
def now(settings: Settings) -> datetime:
    """Early March 2026: every January period has ended."""
    return datetime(2026, 3, 2, 10, tzinfo=settings.business.time_zone)


@pytest.mark.parametrize(
    ("minutes_over", "billed", "amount"),
    [(61, 1.25, 375_000), (60, 1.0, 300_000), (1, 0.25, 75_000), (15, 0.25, 75_000)],
    ids=["61-min", "60-min", "1-min", "15-min"],
)
def test_overage_is_billed_in_15_minute_steps_rounded_up(
    tmp_path: Path,
    settings: Settings,
    now: datetime,
    minutes_over: int,
    billed: float,
    amount: int,
) -> None:
    backend = tracker(tmp_path, settings, now, r3_over(minutes_over))
    book = read_source(backend.read(), settings, now).book

    found = monthly_invoice(book, settings, date(2026, 2, 1), now.date())

    [line] = found.lines
    assert line.usage.customer_id == "C-0002"
    assert (line.usage.period_start, line.usage.reset_date) == (
        date(2026, 1, 5),
        date(2026, 2, 5),
    )
    assert line.usage.over_minutes == minutes_over
    assert (line.billed_hours, line.rate, line.amount) == (billed, 300_000, amount)
    assert line.requests == {"REQ-0022": ("Food cost by supplier", minutes_over)}


def test_a_period_resetting_later_this_month_waits_until_it_ends(
    tmp_path: Path, settings: Settings, now: datetime
) -> None:
    backend = tracker(tmp_path, settings, now, r3_over(61))
    book = read_source(backend.read(), settings, now).book

    found = monthly_invoice(book, settings, date(2026, 2, 1), date(2026, 2, 4))

    assert found.lines == []
    assert found.not_ended == [
        "Resto Padang (C-0002): the period resets on 2026-02-05, after today; "
        "bill it once it has ended",
        "Warung Kopi (C-0001): the period resets on 2026-02-20, after today; "
        "bill it once it has ended",
    ]


def test_the_invoice_email_names_hours_rate_amount_and_requests(
    tmp_path: Path, settings: Settings, now: datetime
) -> None:
    backend = tracker(tmp_path, settings, now, r3_over(61))
    source = read_source(backend.read(), settings, now)

    draft = compose(MailRequest("overage_invoice", "C-0002", "2026-01-05"), source)

    text = draft.rendered.text
    assert draft.rendered.subject == "Overage invoice - Jan 5 – Feb 4, 2026"
    assert "Hours over: 1.02 hours" in text
    assert "Billed: 1.25 hours (in 15-minute steps, rounded up)" in text
    assert "Rate: Rp 300.000/hour" in text
    assert "Amount: Rp 375.000" in text
    assert "- REQ-0022: Food cost by supplier (1.02 hours over)" in text


def test_an_invoice_for_a_period_without_overage_is_refused(
    tmp_path: Path, settings: Settings, now: datetime
) -> None:
    backend = tracker(tmp_path, settings, now, r3_over(0))
    source = read_source(backend.read(), settings, now)

    with pytest.raises(MailError, match="there is nothing to invoice"):
        compose(MailRequest("overage_invoice", "C-0002", "2026-01-05"), source)


def test_the_csv_holds_one_line_per_customer_in_whole_rupiah(
    tmp_path: Path, settings: Settings, now: datetime
) -> None:
    backend = tracker(tmp_path, settings, now, r3_over(61))
    book = read_source(backend.read(), settings, now).book
    found = monthly_invoice(book, settings, date(2026, 2, 1), now.date())

    write_csv(found, tmp_path / "overage.csv")

    with (tmp_path / "overage.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows == [
        {
            "Customer ID": "C-0002",
            "Customer": "Resto Padang",
            "Tier": "R3",
            "Period Start": "2026-01-05",
            "Period End": "2026-02-04",
            "Monthly Allocation": "2.0",
            "Used (Hours)": "3.02",
            "Overage (Hours)": "1.02",
            "Billed (Hours)": "1.25",
            "Rate (Rp/hour)": "300000",
            "Amount (Rp)": "375000",
            "Requests": "REQ-0022",
        }
    ]


@pytest.mark.parametrize("text", ["2026-13", "Feb 2026", "2026"])
def test_a_month_must_be_year_dash_month(text: str) -> None:
    with pytest.raises(MailError, match="is not a month like 2026-02"):
        parse_month(text)
