"""The business calendar: which days the office works, and when it closes.

A business day is one of the configured workdays (Monday to Friday by
default) that is not an Indonesian public holiday and not a day off
listed in the Holidays tab. The Holidays tab can also turn any day back
into a working day: a make-up Saturday, or a public holiday the office
works through. Dates are calendar dates in the business time zone.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta

import holidays
import pandas as pd

from sheetops.errors import SettingsError
from sheetops.settings import Business

logger = logging.getLogger(__name__)

ONE_DAY = timedelta(days=1)


class BusinessCalendar:
    """Answers "is this a working day?" for the business, fast and cached.

    ``days_off`` are closures the holiday library doesn't know (cuti
    bersama, office closures); ``working_days`` are days worked whatever
    the weekday or the library says. A date in both is a working day,
    since marking a day as worked is the deliberate exception.
    """

    def __init__(
        self,
        business: Business,
        days_off: Iterable[date] = (),
        working_days: Iterable[date] = (),
    ) -> None:
        self.business = business
        self._working_days = frozenset(_as_date(d) for d in working_days)
        self._days_off = frozenset(_as_date(d) for d in days_off) - self._working_days
        self._public: dict[int, dict[date, str]] = {}
        self._is_open: dict[date, bool] = {}
        self._added: dict[tuple[date, int], date] = {}

    @classmethod
    def from_holidays_tab(
        cls, business: Business, holidays_frame: pd.DataFrame
    ) -> BusinessCalendar:
        """A calendar that honours the Holidays tab's rows.

        A row with Off ticked is a day off; a row with Off unticked is a
        working day. A blank Off cell counts as a day off, because a
        person who lists a date there almost always means a closure: the
        engine marks blank cells in an extra boolean column ``off_blank``.
        Without that column a False Off is taken at its word (a working
        day). Rows without a date are skipped; when a date is listed
        twice, the lower row wins, as the later correction.
        """
        off_by_day = dict(_holiday_rows(holidays_frame))

        days_off = [day for day, off in off_by_day.items() if off]
        working_days = [day for day, off in off_by_day.items() if not off]
        logger.debug(
            "Holidays tab: %s days off, %s working days",
            len(days_off),
            len(working_days),
        )
        return cls(business, days_off, working_days)

    def is_business_day(self, day: date) -> bool:
        """True when the office works on ``day``."""
        day = _as_date(day)
        known = self._is_open.get(day)
        if known is None:
            known = self._decide(day)
            self._is_open[day] = known
        return known

    def next_business_day(self, day: date) -> date:
        """The first business day strictly after ``day``."""
        candidate = _as_date(day) + ONE_DAY
        while not self.is_business_day(candidate):
            candidate += ONE_DAY
        return candidate

    def add_business_days(self, day: date, count: int) -> date:
        """The business day ``count`` business days after ``day``.

        Days are counted strictly after ``day``, whatever ``day`` itself
        is, so a Saturday plus one business day is the Monday. A count
        of zero returns ``day`` unchanged.
        """
        if count < 0:
            raise ValueError(f"count must be zero or more, not {count}")
        day = _as_date(day)
        key = (day, count)
        found = self._added.get(key)
        if found is None:
            found = day
            for _ in range(count):
                found = self.next_business_day(found)
            self._added[key] = found
        return found

    def _decide(self, day: date) -> bool:
        if day in self._working_days:
            return True
        if day in self._days_off or day.weekday() not in self.business.workdays:
            return False
        return day not in self._public_holidays(day.year)

    def _public_holidays(self, year: int) -> dict[date, str]:
        # The library builds a whole year at once; a sync touches two or
        # three years at most, so each is built once and kept.
        found = self._public.get(year)
        if found is None:
            found = dict(_library_holidays(self.business.holiday_country, [year]))
            self._public[year] = found
        return found


def public_holidays(
    business: Business, years: Iterable[int], language: str | None = None
) -> list[tuple[date, str]]:
    """The public holidays the library knows for ``years``, in date order.

    ``sheetops init`` seeds the Holidays tab with these so staff can see
    them and add the days the library doesn't know.
    """
    return sorted(_library_holidays(business.holiday_country, years, language))


def _library_holidays(
    country: str, years: Iterable[int], language: str | None = None
) -> list[tuple[date, str]]:
    """The holiday library's days for ``country``; none when it is blank."""
    wanted = sorted(set(years))
    if not country or not wanted:
        return []
    try:
        table = holidays.country_holidays(country, years=wanted, language=language)
    except NotImplementedError:
        raise SettingsError(
            f"[business] holiday_country = {country!r}: the holidays library "
            "has no such country; use a two-letter code like ID"
        ) from None
    return [(day, str(name)) for day, name in table.items()]


def _holiday_rows(frame: pd.DataFrame) -> list[tuple[date, bool]]:
    """The Holidays tab's dated rows as (day, counts as a day off)."""
    if "date" not in frame:
        return []
    off = frame["off"] if "off" in frame else pd.Series(False, index=frame.index)
    if "off_blank" in frame:
        off = off.astype(bool) | frame["off_blank"].astype(bool)

    rows = []
    for stamp, is_off in zip(frame["date"], off, strict=True):
        if not pd.isna(stamp):
            rows.append((pd.Timestamp(stamp).date(), bool(is_off)))
    return rows


def _as_date(day: date) -> date:
    """A plain date, so datetimes and Timestamps share one cache entry."""
    if isinstance(day, datetime):
        return day.date()
    return day
