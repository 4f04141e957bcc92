"""SLA clocks: when each request is due, and how it stands right now.

Every request has a first-response clock: Received At plus the tier's
hours, on the wall clock (24, 12, 4). Questions (type A, or no type yet)
also have a resolution clock, due at closing time N business days after
the day they arrived (R1 3, R2 2); R3's N is 0, so they are due at
closing time the same day, or the next business day's when they arrived
at or after closing or on a day off. Custom work (type B) runs instead
to its Delivery ETA, a number of business days after approval. Strategic
questions (type C) go to the call, so they have no resolution clock, and
neither do Deferred or Declined requests.

A clock is met when it stopped in time, breached when it stopped late or
is still running past due, at risk once the configured share of its
window (75 %) has gone, on track otherwise. The request's SLA cell shows
its worst clock in words. All times are Asia/Jakarta wall time.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from sheetops.rules.calendar import BusinessCalendar
from sheetops.settings import Settings, Tier

logger = logging.getLogger(__name__)

MET = "met"
ON_TRACK = "on track"
AT_RISK = "at risk"
BREACHED = "breached"
# The SLA cell when no clock applies to the request.
NO_CLOCK = "—"
SEVERITY = {MET: 0, ON_TRACK: 1, AT_RISK: 2, BREACHED: 3}

# Statuses that mean the work was handed over: the clock has stopped.
FINISHED = frozenset({"Delivered", "Confirmed", "Closed"})
# Statuses that take a request off the resolution and delivery clocks.
OFF_THE_CLOCK = frozenset({"Deferred", "Declined"})
# Types answered within the resolution clock; "" is a type not yet chosen.
RESOLVED_TYPES = frozenset({"A", ""})
CUSTOM_WORK = "B"

STAMP = "%Y-%m-%d %H:%M"
DAY = "%Y-%m-%d"


@dataclass(frozen=True)
class Clock:
    """How the SLA cell speaks of one clock."""

    name: str
    verb: str
    done: str
    due_format: str
    overdue: str

    def running_late(self, due: datetime, late: timedelta) -> str:
        """Words for a clock still running past its due time."""
        text = self.overdue.format(
            due=f"{due:{self.due_format}}", late=format_duration(late)
        )
        return f"{BREACHED}: {text}"

    def stopped_late(self, due: datetime, stopped: date) -> str:
        """Words for a clock that stopped on a day after its due date."""
        return (
            f"{BREACHED}: {self.name} due {due:{self.due_format}}, "
            f"{self.done} {stopped:{DAY}}"
        )


RESPONSE = Clock(
    "first response", "respond", "answered", STAMP, "first response {late} late"
)
RESOLUTION = Clock(
    "resolution", "resolve", "resolved", STAMP, "resolution due {due}, {late} overdue"
)
DELIVERY = Clock(
    "delivery", "deliver", "delivered", DAY, "delivery due {due}, {late} overdue"
)


def format_duration(span: timedelta) -> str:
    """A span the way the SLA cell says it: "45 min", "2 h 15 min", "1 d 3 h"."""
    minutes = max(int(span.total_seconds() // 60), 0)
    if minutes == 0:
        return "under 1 min"
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


def time_left(state: str, span: timedelta, verb: str) -> str:
    """The SLA text of a running clock: "at risk: 2 h 15 min left to resolve"."""
    return f"{state}: {format_duration(span)} left to {verb}"


def first_response_due(received_at: datetime, tier: Tier) -> datetime:
    """When the first reply is due: Received At plus the tier's hours."""
    # Jakarta keeps no daylight saving, so wall time and elapsed time agree.
    return received_at + timedelta(hours=tier.first_response_hours)


def resolution_due(
    received_at: datetime, tier: Tier, calendar: BusinessCalendar
) -> datetime:
    """Closing time on the business day a question must be resolved by.

    With N business days (R1 3, R2 2) they are counted strictly after the
    day of arrival, whatever the hour. With none (R3) it is the closing
    time of the arrival day when that is a business day and the request
    came in before closing, else the next business day's. The result is
    aware when ``received_at`` is, naive Jakarta wall time otherwise.
    """
    zone = calendar.business.time_zone
    arrived = _wall(received_at, zone)
    days = tier.resolution_business_days

    if days > 0:
        due_day = calendar.add_business_days(arrived.date(), days)
    elif _open_at(calendar, arrived):
        due_day = arrived.date()
    else:
        due_day = calendar.next_business_day(arrived.date())

    closing = datetime.combine(due_day, calendar.business.closes)
    return closing if received_at.tzinfo is None else closing.replace(tzinfo=zone)


def delivery_eta(approved_on: date, calendar: BusinessCalendar) -> date:
    """The day custom work is promised: N business days after approval."""
    return calendar.add_business_days(
        approved_on, calendar.business.delivery_business_days
    )


@dataclass(frozen=True)
class Reading:
    """One clock's state at the as-of instant, with its words."""

    state: str
    text: str
    due: datetime


@dataclass(frozen=True)
class _Request:
    """The staff cells of one request that the clocks read."""

    received_at: datetime | None
    type: str
    status: str
    approved_on: date | None
    first_response_at: datetime | None
    delivered_on: date | None
    confirmed_on: date | None
    closed_on: date | None


@dataclass
class _Outcome:
    """What the clocks computed for one request."""

    first_response_due: datetime | None = None
    resolution_due: datetime | None = None
    delivery_eta: date | None = None
    sla: str = NO_CLOCK
    sla_state: str = ""


class _Clocks:
    """Reads the clocks of one request after another at the same instant."""

    def __init__(
        self, calendar: BusinessCalendar, settings: Settings, as_of: datetime
    ) -> None:
        self.calendar = calendar
        self.business = settings.business
        self.now = _wall(as_of, settings.business.time_zone)
        self.at_risk = settings.thresholds.sla_at_risk

    def outcome(self, request: _Request, tier: Tier | None) -> _Outcome:
        outcome = _Outcome()
        readings: list[Reading] = []
        received = request.received_at
        active = request.status not in OFF_THE_CLOCK

        if received is not None and tier is not None:
            outcome.first_response_due = first_response_due(received, tier)
            readings.append(
                self.first_response(request, received, outcome.first_response_due)
            )
            if request.type in RESOLVED_TYPES and active:
                outcome.resolution_due = resolution_due(received, tier, self.calendar)
                due = outcome.resolution_due
                readings.extend(self.handover(request, received, due, RESOLUTION))

        approved = request.approved_on
        if request.type == CUSTOM_WORK and approved is not None and active:
            outcome.delivery_eta = delivery_eta(approved, self.calendar)
            # Approved On is a date: the window opens when the office does.
            start = datetime.combine(approved, self.business.opens)
            due = datetime.combine(outcome.delivery_eta, self.business.closes)
            readings.extend(self.handover(request, start, due, DELIVERY))

        if readings:
            worst = _worst(readings)
            outcome.sla, outcome.sla_state = worst.text, worst.state
        return outcome

    def first_response(
        self, request: _Request, received: datetime, due: datetime
    ) -> Reading:
        answered = request.first_response_at
        if answered is None:
            return self.running(received, due, RESPONSE)
        if answered <= due:
            return Reading(MET, MET, due)
        return Reading(BREACHED, RESPONSE.running_late(due, answered - due), due)

    def handover(
        self, request: _Request, start: datetime, due: datetime, clock: Clock
    ) -> list[Reading]:
        """The resolution or delivery clock, stopped by the day work went out."""
        stopped = _stop_date(request)
        if stopped is None and request.status in FINISHED:
            # Finished without a date: nothing to judge; a Problem says so.
            return []
        if stopped is None:
            return [self.running(start, due, clock)]
        if stopped <= due.date():
            return [Reading(MET, MET, due)]
        return [Reading(BREACHED, clock.stopped_late(due, stopped), due)]

    def running(self, start: datetime, due: datetime, clock: Clock) -> Reading:
        """A clock still ticking: breached past due, at risk late in its window."""
        if self.now > due:
            return Reading(BREACHED, clock.running_late(due, self.now - due), due)
        # At risk from the very instant the share is reached, inclusive.
        gone = self.now - start >= (due - start) * self.at_risk
        state = AT_RISK if gone else ON_TRACK
        return Reading(state, time_left(state, due - self.now, clock.verb), due)


def sla_table(
    requests: pd.DataFrame,
    tiers: pd.Series,
    calendar: BusinessCalendar,
    settings: Settings,
    as_of: datetime,
) -> pd.DataFrame:
    """Due times and the SLA state of every request at ``as_of``.

    ``tiers`` holds each request's tier code (R1, R2, R3, or "" when the
    customer is unknown), on the same index. Returns ``first_response_due``
    and ``resolution_due`` (naive Jakarta wall time), ``delivery_eta`` (a
    date at midnight), ``sla`` (the words for the SLA cell), ``sla_state``
    (met, on track, at risk, breached, or "" with no clock) and
    ``problems`` (lists of sentences about dates that contradict each
    other).
    """
    if not tiers.index.equals(requests.index):
        tiers = tiers.reindex(requests.index)
    rows = _requests(requests)
    clocks = _Clocks(calendar, settings, as_of)

    outcomes = []
    problems = []
    for request, code in zip(rows, tiers.tolist(), strict=True):
        tier = settings.tiers.get(code) if isinstance(code, str) else None
        outcomes.append(clocks.outcome(request, tier))
        problems.append(_problems(request))

    logger.debug(
        "SLA states of %s requests: %s",
        len(outcomes),
        dict(Counter(o.sla_state or "no clock" for o in outcomes)),
    )
    return _frame(outcomes, problems, requests.index)


def _problems(request: _Request) -> list[str]:
    """Sentences about a request's dates that can't all be true."""
    found = []
    received = request.received_at
    answered = request.first_response_at
    if received is not None and answered is not None and answered < received:
        found.append(
            f"First Response At: {answered:{STAMP}} is before "
            f"Received At {received:{STAMP}}"
        )

    stops = (
        ("Delivered On", request.delivered_on),
        ("Confirmed On", request.confirmed_on),
        ("Closed On", request.closed_on),
    )
    for header, day in stops:
        if received is not None and day is not None and day < received.date():
            found.append(
                f"{header}: {day:{DAY}} is before Received At {received:{STAMP}}"
            )

    approved = request.approved_on
    delivered = request.delivered_on
    if approved is not None and delivered is not None and delivered < approved:
        found.append(
            f"Delivered On: {delivered:{DAY}} is before Approved On {approved:{DAY}}"
        )

    if request.status in FINISHED and answered is None:
        found.append(
            f"First Response At: blank although Status is {request.status}; "
            "fill in when the customer first heard back, or the first-response "
            "clock keeps running"
        )
    if request.status in FINISHED and _stop_date(request) is None:
        found.append(
            f"Status: {request.status} but Delivered On, Confirmed On and Closed "
            "On are blank; fill in the day the work was handed over so the SLA "
            "can be judged"
        )
    return found


def _stop_date(request: _Request) -> date | None:
    """The day the resolution or delivery clock stopped, if it has.

    Delivered On stops it whatever the status says. A finished status
    without it falls back to the earliest of Confirmed On and Closed On.
    """
    if request.delivered_on is not None:
        return request.delivered_on
    if request.status not in FINISHED:
        return None
    later = [d for d in (request.confirmed_on, request.closed_on) if d is not None]
    return min(later) if later else None


def _worst(readings: Sequence[Reading]) -> Reading:
    """The clock a person must act on first: most severe, then soonest due."""
    return min(readings, key=lambda r: (-SEVERITY[r.state], r.due))


def _open_at(calendar: BusinessCalendar, moment: datetime) -> bool:
    """True when ``moment`` falls on a business day before closing time."""
    before_closing = moment.time() < calendar.business.closes
    return before_closing and calendar.is_business_day(moment.date())


def _wall(moment: datetime, zone: ZoneInfo) -> datetime:
    """Naive wall time in the business zone; naive input is taken as such."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(zone).replace(tzinfo=None)


def _requests(frame: pd.DataFrame) -> list[_Request]:
    """The rows as plain Python values; a missing column reads as blank."""
    size = len(frame)
    columns = zip(
        _instants(frame, "received_at", size),
        _texts(frame, "type", size),
        _texts(frame, "status", size),
        _dates(frame, "approved_on", size),
        _instants(frame, "first_response_at", size),
        _dates(frame, "delivered_on", size),
        _dates(frame, "confirmed_on", size),
        _dates(frame, "closed_on", size),
        strict=True,
    )
    return [_Request(*values) for values in columns]


def _instants(frame: pd.DataFrame, field: str, size: int) -> list[datetime | None]:
    if field not in frame:
        return [None] * size
    # numpy turns NaT into None when it hands out Python objects.
    values = pd.to_datetime(frame[field]).to_numpy(dtype="datetime64[us]")
    return list(values.astype(object))


def _dates(frame: pd.DataFrame, field: str, size: int) -> list[date | None]:
    if field not in frame:
        return [None] * size
    values = pd.to_datetime(frame[field]).to_numpy(dtype="datetime64[D]")
    return list(values.astype(object))


def _texts(frame: pd.DataFrame, field: str, size: int) -> list[str]:
    if field not in frame:
        return [""] * size
    return [v.strip() if isinstance(v, str) else "" for v in frame[field].tolist()]


def _frame(
    outcomes: list[_Outcome], problems: list[list[str]], index: pd.Index
) -> pd.DataFrame:
    etas = [
        None if o.delivery_eta is None else datetime.combine(o.delivery_eta, time())
        for o in outcomes
    ]
    frame = pd.DataFrame(index=index)
    frame["first_response_due"] = _stamps([o.first_response_due for o in outcomes])
    frame["resolution_due"] = _stamps([o.resolution_due for o in outcomes])
    frame["delivery_eta"] = _stamps(etas)
    frame["sla"] = [o.sla for o in outcomes]
    frame["sla_state"] = [o.sla_state for o in outcomes]
    frame["problems"] = pd.Series(problems, index=index, dtype=object)
    return frame


def _stamps(values: list[datetime | None]) -> np.ndarray:
    return pd.Series(values, dtype="datetime64[ns]").to_numpy()
