"""SLA clocks: due times per tier, the business calendar, states in words."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sheetops.rules.calendar import BusinessCalendar
from sheetops.rules.sla import (
    delivery_eta,
    format_duration,
    resolution_due,
    sla_table,
)
from sheetops.settings import Settings

STAMPS = ("received_at", "first_response_at")
DAYS = ("approved_on", "delivered_on", "confirmed_on", "closed_on")


@pytest.fixture(scope="module")
def calendar(settings: Settings) -> BusinessCalendar:
    """2026 with the Lebaran cuti bersama days from the Holidays tab."""
    tab = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-03-20", "2026-03-23", "2026-03-24"]),
            "name": ["Cuti Bersama Idul Fitri"] * 3,
            "off": [True, True, True],
        }
    )
    return BusinessCalendar.from_holidays_tab(settings.business, tab)


def jakarta(settings: Settings, text: str) -> datetime:
    """An aware instant in Jakarta, from "YYYY-MM-DD HH:MM"."""
    zone = settings.business.time_zone
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def requests_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Requests as the engine parses them; unnamed cells are blank."""
    columns: dict[str, Any] = {}
    for field in STAMPS + DAYS:
        columns[field] = pd.to_datetime([row.get(field) for row in rows])
    for field in ("type", "status", "customer"):
        columns[field] = [row.get(field, "") for row in rows]
    return pd.DataFrame(columns, index=range(2, len(rows) + 2))


def clocks(
    settings: Settings,
    calendar: BusinessCalendar,
    tier: str,
    as_of: str,
    **cells: str | None,
) -> pd.Series:
    """The SLA table's row for one request of ``tier`` at ``as_of``."""
    frame = requests_frame([cells])
    tiers = pd.Series([tier], index=frame.index)
    table = sla_table(frame, tiers, calendar, settings, jakarta(settings, as_of))
    return table.iloc[0]


@pytest.mark.parametrize(
    ("duration", "words"),
    [
        (timedelta(seconds=59), "under 1 min"),
        (timedelta(minutes=45), "45 min"),
        (timedelta(hours=2), "2 h"),
        (timedelta(hours=2, minutes=15), "2 h 15 min"),
        (timedelta(hours=24), "1 d"),
        (timedelta(days=1, hours=3, minutes=40), "1 d 3 h"),
        (timedelta(minutes=-5), "under 1 min"),
    ],
    ids=["seconds", "minutes", "hours", "hours-minutes", "day", "day-hours", "neg"],
)
def test_format_duration_is_compact(duration: timedelta, words: str) -> None:
    assert format_duration(duration) == words


@pytest.mark.parametrize(
    ("tier", "respond_by", "resolve_by"),
    [
        ("R1", "2026-01-06 09:00", "2026-01-08 17:00"),
        ("R2", "2026-01-05 21:00", "2026-01-07 17:00"),
        ("R3", "2026-01-05 13:00", "2026-01-05 17:00"),
    ],
    ids=["r1-24h-3-days", "r2-12h-2-days", "r3-4h-same-day"],
)
def test_seed_numbers_per_tier(
    settings: Settings,
    calendar: BusinessCalendar,
    tier: str,
    respond_by: str,
    resolve_by: str,
) -> None:
    row = clocks(
        settings,
        calendar,
        tier,
        "2026-01-05 09:30",
        received_at="2026-01-05 09:00",
        type="A",
    )

    assert row["first_response_due"] == pd.Timestamp(respond_by)
    assert row["resolution_due"] == pd.Timestamp(resolve_by)


@pytest.mark.parametrize(
    ("received", "tier", "due"),
    [
        ("2026-01-09 16:59", "R3", "2026-01-09 17:00"),
        ("2026-01-09 16:59", "R2", "2026-01-13 17:00"),
        ("2026-01-09 17:00", "R3", "2026-01-12 17:00"),
        ("2026-01-09 17:01", "R3", "2026-01-12 17:00"),
        ("2026-01-09 17:01", "R2", "2026-01-13 17:00"),
        ("2026-01-09 17:01", "R1", "2026-01-14 17:00"),
        ("2026-01-17 10:00", "R3", "2026-01-19 17:00"),
        ("2026-01-17 10:00", "R2", "2026-01-20 17:00"),
        ("2026-04-02 10:00", "R3", "2026-04-02 17:00"),
        ("2026-04-02 18:00", "R3", "2026-04-06 17:00"),
        ("2026-04-02 10:00", "R2", "2026-04-07 17:00"),
        ("2026-04-02 10:00", "R1", "2026-04-08 17:00"),
        ("2026-03-23 09:00", "R3", "2026-03-25 17:00"),
        ("2026-03-23 09:00", "R2", "2026-03-26 17:00"),
        ("2026-03-18 10:00", "R2", "2026-03-26 17:00"),
    ],
    ids=[
        "r3-friday-1659-same-day",
        "r2-friday-1659-tuesday",
        "r3-friday-closing-time-monday",
        "r3-friday-1701-monday",
        "r2-friday-1701-tuesday",
        "r1-friday-1701-wednesday",
        "r3-saturday-monday",
        "r2-saturday-tuesday",
        "r3-day-before-good-friday-same-day",
        "r3-evening-before-good-friday-monday",
        "r2-before-good-friday-tuesday",
        "r1-before-good-friday-wednesday",
        "r3-on-cuti-bersama-next-open-day",
        "r2-on-cuti-bersama",
        "r2-before-nyepi-and-lebaran-leave",
    ],
)
def test_resolution_due_follows_the_business_calendar(
    settings: Settings, calendar: BusinessCalendar, received: str, tier: str, due: str
) -> None:
    arrived = datetime.fromisoformat(received)

    assert resolution_due(arrived, settings.tier(tier), calendar) == (
        datetime.fromisoformat(due)
    )


def test_resolution_due_keeps_an_aware_arrival_aware(
    settings: Settings, calendar: BusinessCalendar
) -> None:
    arrived = jakarta(settings, "2026-01-09 16:59")

    due = resolution_due(arrived, settings.tier("R3"), calendar)

    assert due == jakarta(settings, "2026-01-09 17:00")


@pytest.mark.parametrize(
    ("approved", "eta"),
    [
        (date(2026, 1, 5), date(2026, 1, 8)),
        (date(2026, 1, 9), date(2026, 1, 14)),
        (date(2026, 3, 18), date(2026, 3, 27)),
    ],
    ids=["monday-thursday", "friday-wednesday", "across-lebaran-leave"],
)
def test_delivery_eta_is_three_business_days_after_approval(
    calendar: BusinessCalendar, approved: date, eta: date
) -> None:
    assert delivery_eta(approved, calendar) == eta


# R3, type C (first response only): received 09:00, due 13:00, 75 % at 12:00.
@pytest.mark.parametrize(
    ("as_of", "answered", "state", "words"),
    [
        ("2026-01-05 15:00", "2026-01-05 12:30", "met", "met"),
        ("2026-01-05 10:00", None, "on track", "on track: 3 h left to respond"),
        ("2026-01-05 11:59", None, "on track", "on track: 1 h 1 min left to respond"),
        ("2026-01-05 12:00", None, "at risk", "at risk: 1 h left to respond"),
        (
            "2026-01-05 16:05",
            None,
            "breached",
            "breached: first response 3 h 5 min late",
        ),
        (
            "2026-01-06 09:00",
            "2026-01-05 13:45",
            "breached",
            "breached: first response 45 min late",
        ),
    ],
    ids=[
        "met",
        "on-track",
        "just-before-75-percent",
        "at-risk-exactly-75-percent",
        "breached-still-waiting",
        "breached-answered-late",
    ],
)
def test_first_response_clock_states(
    settings: Settings,
    calendar: BusinessCalendar,
    as_of: str,
    answered: str | None,
    state: str,
    words: str,
) -> None:
    row = clocks(
        settings,
        calendar,
        "R3",
        as_of,
        received_at="2026-01-05 09:00",
        type="C",
        first_response_at=answered,
    )

    assert (row["sla_state"], row["sla"]) == (state, words)


# R2, type A answered at 10:00: due Wed 7 Jan 17:00, a 56 h window whose
# 75 % is reached on Wednesday at 03:00.
@pytest.mark.parametrize(
    ("as_of", "cells", "state", "words"),
    [
        (
            "2026-01-07 02:59",
            {},
            "on track",
            "on track: 14 h 1 min left to resolve",
        ),
        ("2026-01-07 03:00", {}, "at risk", "at risk: 14 h left to resolve"),
        (
            "2026-01-07 14:45",
            {},
            "at risk",
            "at risk: 2 h 15 min left to resolve",
        ),
        (
            "2026-01-08 19:00",
            {},
            "breached",
            "breached: resolution due 2026-01-07 17:00, 1 d 2 h overdue",
        ),
        (
            "2026-01-09 10:00",
            {"status": "Closed", "closed_on": "2026-01-07"},
            "met",
            "met",
        ),
        (
            "2026-01-09 10:00",
            {"status": "Delivered", "delivered_on": "2026-01-08"},
            "breached",
            "breached: resolution due 2026-01-07 17:00, resolved 2026-01-08",
        ),
        (
            "2026-01-09 10:00",
            {
                "status": "Closed",
                "confirmed_on": "2026-01-07",
                "closed_on": "2026-01-09",
            },
            "met",
            "met",
        ),
    ],
    ids=[
        "on-track",
        "at-risk-exactly-75-percent",
        "at-risk-late-afternoon",
        "breached-still-open",
        "met-closed-on-due-date",
        "breached-delivered-late",
        "confirmed-on-counts-before-closed-on",
    ],
)
def test_resolution_clock_states(
    settings: Settings,
    calendar: BusinessCalendar,
    as_of: str,
    cells: dict[str, str],
    state: str,
    words: str,
) -> None:
    row = clocks(
        settings,
        calendar,
        "R2",
        as_of,
        received_at="2026-01-05 09:00",
        first_response_at="2026-01-05 10:00",
        type="A",
        **cells,
    )

    assert (row["sla_state"], row["sla"]) == (state, words)


# R2, type B approved Mon 5 Jan: ETA Thu 8 Jan, window 09:00 Monday to
# 17:00 Thursday (80 h), 75 % gone on Wednesday at 21:00.
@pytest.mark.parametrize(
    ("as_of", "delivered", "state", "words"),
    [
        ("2026-01-06 10:00", None, "on track", "on track: 2 d 7 h left to deliver"),
        ("2026-01-07 21:00", None, "at risk", "at risk: 20 h left to deliver"),
        (
            "2026-01-09 10:00",
            None,
            "breached",
            "breached: delivery due 2026-01-08, 17 h overdue",
        ),
        ("2026-01-09 10:00", "2026-01-08", "met", "met"),
        (
            "2026-01-13 10:00",
            "2026-01-12",
            "breached",
            "breached: delivery due 2026-01-08, delivered 2026-01-12",
        ),
    ],
    ids=["on-track", "at-risk", "breached-open", "met", "breached-delivered-late"],
)
def test_custom_work_runs_to_its_delivery_eta(
    settings: Settings,
    calendar: BusinessCalendar,
    as_of: str,
    delivered: str | None,
    state: str,
    words: str,
) -> None:
    row = clocks(
        settings,
        calendar,
        "R2",
        as_of,
        received_at="2026-01-05 08:00",
        first_response_at="2026-01-05 08:30",
        type="B",
        approved_on="2026-01-05",
        delivered_on=delivered,
    )

    assert row["delivery_eta"] == pd.Timestamp("2026-01-08")
    assert pd.isna(row["resolution_due"])
    assert (row["sla_state"], row["sla"]) == (state, words)


@pytest.mark.parametrize(
    ("tier", "cells", "has_resolution", "has_eta"),
    [
        ("R2", {"type": ""}, True, False),
        ("R3", {"type": "C"}, False, False),
        ("R2", {"type": "B"}, False, False),
        ("R2", {"type": "A", "status": "Deferred"}, False, False),
        (
            "R2",
            {"type": "B", "status": "Declined", "approved_on": "2026-01-05"},
            False,
            False,
        ),
        ("R2", {"type": "B", "approved_on": "2026-01-05"}, False, True),
    ],
    ids=[
        "blank-type-resolves",
        "type-c-goes-to-the-call",
        "type-b-awaiting-approval",
        "deferred",
        "declined-custom-work",
        "approved-custom-work",
    ],
)
def test_which_clocks_apply(
    settings: Settings,
    calendar: BusinessCalendar,
    tier: str,
    cells: dict[str, str],
    has_resolution: bool,
    has_eta: bool,
) -> None:
    row = clocks(
        settings,
        calendar,
        tier,
        "2026-01-05 10:00",
        received_at="2026-01-05 09:00",
        **cells,
    )

    assert pd.notna(row["first_response_due"])
    assert pd.notna(row["resolution_due"]) is has_resolution
    assert pd.notna(row["delivery_eta"]) is has_eta
    assert row["sla_state"] == "on track"


@pytest.mark.parametrize(
    ("tier", "cells"),
    [
        ("", {"received_at": "2026-01-05 09:00", "type": "A"}),
        ("R9", {"received_at": "2026-01-05 09:00", "type": "A"}),
        ("R2", {"type": "A"}),
    ],
    ids=["unknown-customer", "unknown-tier-code", "no-received-at"],
)
def test_no_clock_applies_without_a_tier_or_a_received_at(
    settings: Settings, calendar: BusinessCalendar, tier: str, cells: dict[str, str]
) -> None:
    row = clocks(settings, calendar, tier, "2026-01-05 10:00", **cells)

    assert (row["sla"], row["sla_state"]) == ("—", "")
    assert pd.isna(row["first_response_due"]) and pd.isna(row["resolution_due"])


def test_the_sla_cell_shows_the_worst_clock(
    settings: Settings, calendar: BusinessCalendar
) -> None:
    row = clocks(
        settings,
        calendar,
        "R1",
        "2026-01-06 12:05",
        received_at="2026-01-05 09:00",
        type="A",
    )

    assert row["sla"] == "breached: first response 3 h 5 min late"


def test_among_running_clocks_the_sooner_due_is_shown(
    settings: Settings, calendar: BusinessCalendar
) -> None:
    row = clocks(
        settings,
        calendar,
        "R2",
        "2026-01-05 11:30",
        received_at="2026-01-05 09:00",
        type="A",
    )

    assert row["sla"] == "on track: 9 h 30 min left to respond"


@pytest.mark.parametrize(
    ("cells", "problem"),
    [
        (
            {"first_response_at": "2026-01-05 08:00"},
            "First Response At: 2026-01-05 08:00 is before "
            "Received At 2026-01-05 09:00",
        ),
        (
            {
                "status": "Delivered",
                "delivered_on": "2026-01-04",
                "first_response_at": "2026-01-05 10:00",
            },
            "Delivered On: 2026-01-04 is before Received At 2026-01-05 09:00",
        ),
        (
            {"type": "B", "approved_on": "2026-01-07", "delivered_on": "2026-01-06"},
            "Delivered On: 2026-01-06 is before Approved On 2026-01-07",
        ),
        (
            {"status": "Confirmed", "confirmed_on": "2026-01-06"},
            "First Response At: blank although Status is Confirmed; fill in when "
            "the customer first heard back, or the first-response clock keeps "
            "running",
        ),
        (
            {"status": "Closed", "first_response_at": "2026-01-05 10:00"},
            "Status: Closed but Delivered On, Confirmed On and Closed On are "
            "blank; fill in the day the work was handed over so the SLA can be "
            "judged",
        ),
    ],
    ids=[
        "response-before-receipt",
        "delivered-before-receipt",
        "delivered-before-approval",
        "finished-without-a-first-response",
        "closed-without-a-date",
    ],
)
def test_contradicting_dates_are_problems(
    settings: Settings,
    calendar: BusinessCalendar,
    cells: dict[str, str],
    problem: str,
) -> None:
    row = clocks(
        settings,
        calendar,
        "R2",
        "2026-01-08 10:00",
        received_at="2026-01-05 09:00",
        **cells,
    )

    assert row["problems"] == [problem]


def test_sla_table_keeps_the_index_and_column_types(
    settings: Settings, calendar: BusinessCalendar
) -> None:
    frame = requests_frame(
        [
            {"received_at": "2026-01-05 09:00", "type": "A"},
            {
                "received_at": "2026-01-05 09:00",
                "type": "B",
                "approved_on": "2026-01-05",
            },
        ]
    )
    tiers = pd.Series(["R2", "R3"], index=frame.index)

    table = sla_table(
        frame, tiers, calendar, settings, jakarta(settings, "2026-01-05 10:00")
    )

    assert list(table.index) == [2, 3]
    assert list(table.columns) == [
        "first_response_due",
        "resolution_due",
        "delivery_eta",
        "sla",
        "sla_state",
        "problems",
    ]
    for field in ("first_response_due", "resolution_due", "delivery_eta"):
        assert table[field].dtype == np.dtype("datetime64[ns]")
    assert table["problems"].tolist() == [[], []]
