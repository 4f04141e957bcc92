"""The business calendar: weekends, Indonesian holidays, the Holidays tab."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pandas as pd
import pytest

from sheetops.errors import SettingsError
from sheetops.rules.calendar import BusinessCalendar, public_holidays
from sheetops.settings import Business, Settings

CUTI_BERSAMA = "Cuti Bersama Idul Fitri"


@pytest.fixture(scope="module")
def business(settings: Settings) -> Business:
    return settings.business


def holidays_tab(rows: list[tuple[str | None, str, bool]]) -> pd.DataFrame:
    """A Holidays tab as the engine parses it: date, name, off."""
    return pd.DataFrame(
        {
            "date": pd.to_datetime([day for day, _, _ in rows]),
            "name": [name for _, name, _ in rows],
            "off": [off for _, _, off in rows],
        },
        index=range(2, len(rows) + 2),
    )


@pytest.fixture(scope="module")
def calendar(business: Business) -> BusinessCalendar:
    """2026 as the office lives it: Lebaran leave, a make-up Saturday."""
    tab = holidays_tab(
        [
            ("2026-03-20", CUTI_BERSAMA, True),
            ("2026-03-23", CUTI_BERSAMA, True),
            ("2026-03-24", CUTI_BERSAMA, True),
            ("2026-05-15", "Cuti Bersama Kenaikan", True),
            ("2026-01-10", "Make-up Saturday", False),
            ("2026-01-16", "Office open on Isra Mi'raj", False),
        ]
    )
    return BusinessCalendar.from_holidays_tab(business, tab)


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 1, 1), "New Year's Day"),
        (date(2026, 2, 17), "Lunar New Year"),
        (date(2026, 3, 19), "Day of Silence"),
        (date(2026, 3, 21), "Eid al-Fitr"),
        (date(2026, 4, 3), "Good Friday"),
        (date(2026, 5, 27), "Eid al-Adha"),
        (date(2026, 8, 17), "Independence Day"),
        (date(2026, 12, 25), "Christmas Day"),
    ],
    ids=[
        "new-year",
        "imlek",
        "nyepi",
        "idul-fitri",
        "good-friday",
        "idul-adha",
        "independence-day",
        "christmas",
    ],
)
def test_indonesian_public_holidays_are_days_off(
    business: Business, day: date, name: str
) -> None:
    calendar = BusinessCalendar(business)

    assert not calendar.is_business_day(day)
    assert (day, name) in public_holidays(business, [day.year])


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 1, 9), True),
        (date(2026, 1, 17), False),
        (date(2026, 1, 18), False),
        (date(2026, 1, 19), True),
    ],
    ids=["friday", "saturday", "sunday", "monday"],
)
def test_weekends_are_not_business_days(
    business: Business, day: date, expected: bool
) -> None:
    assert BusinessCalendar(business).is_business_day(day) is expected


def test_cuti_bersama_from_the_tab_is_a_day_off(calendar: BusinessCalendar) -> None:
    assert not calendar.is_business_day(date(2026, 3, 20))


def test_a_make_up_saturday_from_the_tab_is_a_working_day(
    calendar: BusinessCalendar,
) -> None:
    assert calendar.is_business_day(date(2026, 1, 10))
    assert calendar.next_business_day(date(2026, 1, 9)) == date(2026, 1, 10)


def test_a_public_holiday_marked_as_worked_is_a_business_day(
    calendar: BusinessCalendar,
) -> None:
    assert calendar.is_business_day(date(2026, 1, 16))


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        (date(2026, 3, 18), 1, date(2026, 3, 25)),
        (date(2026, 3, 18), 2, date(2026, 3, 26)),
        (date(2026, 5, 13), 1, date(2026, 5, 18)),
        (date(2026, 4, 2), 1, date(2026, 4, 6)),
        (date(2026, 1, 9), 3, date(2026, 1, 13)),
        (date(2026, 3, 21), 0, date(2026, 3, 21)),
        (date(2026, 3, 21), 1, date(2026, 3, 25)),
    ],
    ids=[
        "lebaran-week-skips-six-days",
        "lebaran-week-two-days",
        "ascension-and-cuti-bersama",
        "good-friday-long-weekend",
        "make-up-saturday-counts",
        "zero-days-is-the-day-itself",
        "counting-from-a-holiday",
    ],
)
def test_add_business_days_skips_days_off(
    calendar: BusinessCalendar, start: date, count: int, expected: date
) -> None:
    assert calendar.add_business_days(start, count) == expected


def test_add_business_days_refuses_a_negative_count(
    calendar: BusinessCalendar,
) -> None:
    with pytest.raises(ValueError, match="zero or more"):
        calendar.add_business_days(date(2026, 1, 5), -1)


def test_next_business_day_is_strictly_after(calendar: BusinessCalendar) -> None:
    assert calendar.next_business_day(date(2026, 1, 5)) == date(2026, 1, 6)
    assert calendar.next_business_day(date(2026, 1, 2)) == date(2026, 1, 5)


def test_datetimes_are_read_as_their_date(calendar: BusinessCalendar) -> None:
    assert calendar.add_business_days(datetime(2026, 1, 2, 16, 59), 1) == date(
        2026, 1, 5
    )


def test_a_blank_off_cell_flagged_by_the_engine_is_a_day_off(
    business: Business,
) -> None:
    tab = holidays_tab([("2026-06-15", "Office closed", False)])
    tab["off_blank"] = [True]

    calendar = BusinessCalendar.from_holidays_tab(business, tab)

    assert not calendar.is_business_day(date(2026, 6, 15))


def test_without_the_blank_flag_an_unticked_off_is_a_working_day(
    business: Business,
) -> None:
    tab = holidays_tab([("2026-06-13", "Stock-take Saturday", False)])

    calendar = BusinessCalendar.from_holidays_tab(business, tab)

    assert calendar.is_business_day(date(2026, 6, 13))


def test_tab_rows_without_a_date_are_skipped_and_the_lower_row_wins(
    business: Business,
) -> None:
    tab = holidays_tab(
        [
            (None, "Someday", True),
            ("2026-06-15", "", True),
            ("2026-06-16", "Office closed", True),
            ("2026-06-16", "Open after all", False),
        ]
    )

    calendar = BusinessCalendar.from_holidays_tab(business, tab)

    assert not calendar.is_business_day(date(2026, 6, 15))
    assert calendar.is_business_day(date(2026, 6, 16))


def test_public_holidays_lists_the_years_asked_in_order(business: Business) -> None:
    found = public_holidays(business, [2026])

    assert found[0] == (date(2026, 1, 1), "New Year's Day")
    assert (date(2026, 3, 21), "Eid al-Fitr") in found
    assert [day for day, _ in found] == sorted(day for day, _ in found)
    assert {day.year for day, _ in found} == {2026}


def test_an_unknown_holiday_country_is_a_settings_error(business: Business) -> None:
    calendar = BusinessCalendar(replace(business, holiday_country="XX"))

    with pytest.raises(SettingsError, match="holiday_country"):
        calendar.is_business_day(date(2026, 1, 5))


def test_a_blank_holiday_country_means_only_weekends_and_the_tab(
    business: Business,
) -> None:
    calendar = BusinessCalendar(replace(business, holiday_country=""))

    assert calendar.is_business_day(date(2026, 1, 1))
    assert public_holidays(replace(business, holiday_country=""), [2026]) == []
