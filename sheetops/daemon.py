"""The daemon: every job sheetops runs on its own, on its slot, forever.

All jobs are declared in :func:`job_table`: a name, when it runs, and
what it calls. Slots are in the business time zone (Asia/Jakarta)
whatever zone the machine is set to. Each job's last run is recorded in
the Status tab ("Last Close", ...), so a daemon started afresh, or
``sheetops daemon --once`` from cron, runs exactly the jobs whose slot
has passed since then. A job that fails is logged, its error put in the
Status tab's "Last Error", and it runs again at its next slot; the other
jobs go on. SIGTERM and SIGINT stop the daemon once the job under way
has finished.

Time comes from an injected ``now()`` and waiting from an injected
``wait(seconds)``, so tests drive a fake clock through months in
seconds. The loop is our own rather than the ``schedule`` library's:
schedule reads the machine's clock itself, so no test can move it, and
has no notion of a business day, which the Calls slot needs.
"""

from __future__ import annotations

import importlib
import logging
import signal
import threading
import time as clock
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from types import FrameType
from typing import Protocol

from sheetops import calls, close, schema
from sheetops.errors import TrackerMovedError
from sheetops.mailers import outbox
from sheetops.rules import calls as call_rules
from sheetops.rules.calendar import BusinessCalendar
from sheetops.rules.compute import calendar_for
from sheetops.rules.validation import (
    as_datetime,
    parse_tab,
)
from sheetops.settings import Settings
from sheetops.sync import engine
from sheetops.sync.backend import Backend, Cell, Snapshot
from sheetops.sync.ledger import Ledger
from sheetops.sync.lock import DaemonLock, daemon_lock

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Wait = Callable[[float], object]

STAMP_FORMAT = "%Y-%m-%d %H:%M"
MONDAY = 0
ATTEMPTS = 3
# Never sleep less than this between wake-ups, so a slot that is due
# right now can't spin the loop.
MIN_WAIT_SECONDS = 1.0
MONITOR = "sheetops.monitor"


class Slot(Protocol):
    """When a job runs: a series of instants in the business time zone."""

    def latest(self, now: datetime, calendar: BusinessCalendar) -> datetime:
        """The most recent slot at or before ``now``."""
        ...

    def following(self, now: datetime, calendar: BusinessCalendar) -> datetime:
        """The first slot after ``now``."""
        ...

    def describe(self) -> str:
        """The slot in words, for logs and help."""
        ...


@dataclass(frozen=True)
class Every:
    """Every so many minutes, counted from midnight."""

    minutes: float

    def latest(self, now: datetime, calendar: BusinessCalendar) -> datetime:
        midnight = _midnight(now)
        step = timedelta(minutes=self.minutes)
        return midnight + step * ((now - midnight) // step)

    def following(self, now: datetime, calendar: BusinessCalendar) -> datetime:
        after = self.latest(now, calendar) + timedelta(minutes=self.minutes)
        return min(after, _midnight(now) + timedelta(days=1))

    def describe(self) -> str:
        return f"every {self.minutes:g} minutes"


@dataclass(frozen=True)
class DailyAt:
    """Every day at one time."""

    at: time

    def latest(self, now: datetime, calendar: BusinessCalendar) -> datetime:
        today = _at(now.date(), self.at, now)
        return today if today <= now else today - timedelta(days=1)

    def following(self, now: datetime, calendar: BusinessCalendar) -> datetime:
        return self.latest(now, calendar) + timedelta(days=1)

    def describe(self) -> str:
        return f"daily at {self.at:%H:%M}"


@dataclass(frozen=True)
class WeeklyAt:
    """One weekday a week (Monday is 0) at one time."""

    weekday: int
    at: time

    def latest(self, now: datetime, calendar: BusinessCalendar) -> datetime:
        back = (now.weekday() - self.weekday) % 7
        slot = _at(now.date() - timedelta(days=back), self.at, now)
        return slot if slot <= now else slot - timedelta(days=7)

    def following(self, now: datetime, calendar: BusinessCalendar) -> datetime:
        return self.latest(now, calendar) + timedelta(days=7)

    def describe(self) -> str:
        day = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")[self.weekday]
        return f"{day}s at {self.at:%H:%M}"


@dataclass(frozen=True)
class FirstBusinessDayAt:
    """A month's first business day (weekends and days off skipped) at one time."""

    at: time

    def latest(self, now: datetime, calendar: BusinessCalendar) -> datetime:
        month = now.date().replace(day=1)
        for _ in range(13):
            slot = self._slot(month, calendar, now)
            if slot is not None and slot <= now:
                return slot
            month = (month - timedelta(days=1)).replace(day=1)
        raise ValueError("no business day in the past year; check the Holidays tab")

    def following(self, now: datetime, calendar: BusinessCalendar) -> datetime:
        month = now.date().replace(day=1)
        for _ in range(13):
            slot = self._slot(month, calendar, now)
            if slot is not None and slot > now:
                return slot
            month = (month + timedelta(days=32)).replace(day=1)
        raise ValueError("no business day in the next year; check the Holidays tab")

    def _slot(
        self, month: date, calendar: BusinessCalendar, now: datetime
    ) -> datetime | None:
        first = call_rules.first_business_day(call_rules.month_of(month), calendar)
        return _at(first, self.at, now) if first else None

    def describe(self) -> str:
        return f"on each month's first business day at {self.at:%H:%M}"


def _midnight(now: datetime) -> datetime:
    return _at(now.date(), time(0, 0), now)


def _at(day: date, at: time, like: datetime) -> datetime:
    """``day`` at ``at`` in the time zone of ``like``."""
    return datetime.combine(day, at, tzinfo=like.tzinfo)


@dataclass(frozen=True)
class JobContext:
    """What a job gets: the tracker, the settings, the moment, the calendar."""

    backend: Backend
    settings: Settings
    as_of: datetime
    calendar: BusinessCalendar


@dataclass(frozen=True)
class Job:
    """One line of the jobs table: a name, when it runs, what it does."""

    name: str
    when: Slot
    run: Callable[[JobContext], str]

    @property
    def status_item(self) -> str:
        """The Status tab row recording the job's last run."""
        return f"Last {self.name}"


def job_table(settings: Settings) -> tuple[Job, ...]:
    """Every job the daemon runs, in the order it runs them within a wake-up."""
    sync_every = Every(settings.daemon.sync_minutes)
    return (
        Job("Sync", sync_every, run_sync),
        Job("Mail", sync_every, run_mail),
        Job("Close", DailyAt(time(6, 0)), run_close),
        Job("Calls", FirstBusinessDayAt(time(7, 0)), run_calls),
        Job("Checks", WeeklyAt(MONDAY, time(8, 0)), run_checks),
    )


def run_sync(ctx: JobContext) -> str:
    """Bring every computed column up to date."""
    return engine.sync(ctx.backend, ctx.settings, ctx.as_of).summary()


def run_mail(ctx: JobContext) -> str:
    """Queue the mail that is due, then send what the outbox holds."""
    report = outbox.send_due(ctx.backend, ctx.settings, ctx.as_of)
    return f"queued {report.queued} emails; {report.summary()}"


def _describe(report: object) -> str:
    summary = getattr(report, "summary", None)
    return str(summary()) if callable(summary) else str(report)


def run_close(ctx: JobContext) -> str:
    """Close the billing periods that ended, and queue their time reports."""
    return close.close_periods(ctx.backend, ctx.settings, ctx.as_of).summary()


def run_calls(ctx: JobContext) -> str:
    """Add the month's call rows with proposed slots and queue invitations."""
    return calls.plan_calls(ctx.backend, ctx.settings, ctx.as_of).summary()


def run_checks(ctx: JobContext) -> str:
    """The R3 weekly data checks, when the monitor module is installed."""
    checks = _monitor_checks()
    if checks is None:
        logger.debug("no %s.run_checks; the weekly checks are skipped", MONITOR)
        return "skipped: the weekly checks are not installed"
    return _describe(checks(ctx.backend, ctx.settings, ctx.as_of))


def _monitor_checks() -> Callable[[Backend, Settings, datetime], object] | None:
    try:
        monitor = importlib.import_module(MONITOR)
    except ModuleNotFoundError as exc:
        if exc.name != MONITOR:
            raise
        return None
    checks = getattr(monitor, "run_checks", None)
    return checks if callable(checks) else None


@dataclass
class TickReport:
    """What one wake-up did."""

    ran: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    held_by: str = ""
    stopped: bool = False


@dataclass
class _State:
    last_runs: dict[str, datetime]
    calendar: BusinessCalendar
    snapshot: Snapshot


class Daemon:
    """The jobs of one tracker, run on their slots while this daemon holds the lock."""

    def __init__(
        self,
        backend: Backend,
        settings: Settings,
        lock: DaemonLock,
        *,
        now: Clock,
        jobs: Sequence[Job] | None = None,
    ) -> None:
        self.backend = backend
        self.settings = settings
        self.lock = lock
        self.now = now
        self.jobs = tuple(jobs) if jobs is not None else job_table(settings)
        self.stop = threading.Event()
        self._ran: dict[str, datetime] = {}
        self._calendar = BusinessCalendar(settings.business)
        self._waiting = False

    def tick(self) -> TickReport:
        """Run every job whose slot has passed since its last run."""
        report = TickReport()
        now = self._now()
        if not self._hold_lock(now, report):
            return report

        state = self._read_state()
        if state is None:
            return report
        errors: list[str] = []
        for job in self.jobs:
            if self.stop.is_set():
                report.stopped = True
                break
            if self._is_due(job, now, state):
                self._run(job, now, state.calendar, report, errors)
        self._record(now, report, errors, state.snapshot)
        return report

    def serve(self, wait: Wait | None = None) -> None:
        """Tick until stopped, sleeping until the next slot in between."""
        pause = wait or self.stop.wait
        try:
            while not self.stop.is_set():
                self._tick_safely()
                if self.stop.is_set():
                    break
                pause(self.seconds_to_next())
        finally:
            self.lock.release(self._now())
        logger.info("daemon stopped")

    def _tick_safely(self) -> None:
        # Jobs catch their own errors; this catches the rest (a Holidays tab
        # with no business day left, say), so the loop itself never dies.
        try:
            self.tick()
        except Exception:
            logger.exception("the daemon's cycle failed; trying again later")

    def once(self) -> int:
        """One pass of whatever is due, then let go; 1 if a job failed, else 0."""
        try:
            report = self.tick()
        finally:
            self.lock.release(self._now())
        return 1 if report.failed else 0

    def seconds_to_next(self) -> float:
        """How long to sleep before the next slot of any job."""
        now = self._now()
        if self._waiting:
            return self.settings.daemon.sync_minutes * 60
        nearest = min(job.when.following(now, self._calendar) for job in self.jobs)
        return max((nearest - now).total_seconds(), MIN_WAIT_SECONDS)

    def _now(self) -> datetime:
        return self.now().astimezone(self.settings.business.time_zone)

    def _hold_lock(self, now: datetime, report: TickReport) -> bool:
        try:
            held = self.lock.acquire(now)
        except Exception:
            logger.exception("could not check the daemon lock; trying again later")
            held = False
        if held:
            if self._waiting:
                logger.info("took the daemon lock; starting work")
            self._waiting = False
            return True
        report.held_by = self.lock.holder() or "another daemon"
        if not self._waiting:
            logger.info(
                "another daemon is running (%s); waiting, checking again "
                "every %g minutes",
                report.held_by,
                self.settings.daemon.sync_minutes,
            )
        self._waiting = True
        return False

    def _read_state(self) -> _State | None:
        try:
            snapshot = self.backend.read()
        except Exception:
            logger.exception("could not read the tracker; trying again later")
            return None
        self._calendar = _calendar(snapshot, self.settings)
        zone = self.settings.business.time_zone
        last_runs = _last_runs(snapshot, self.jobs, zone)
        return _State(last_runs, self._calendar, snapshot)

    def _is_due(self, job: Job, now: datetime, state: _State) -> bool:
        slot = job.when.latest(now, state.calendar)
        runs = [
            t for t in (self._ran.get(job.name), state.last_runs.get(job.name)) if t
        ]
        return not runs or max(runs) < slot

    def _run(
        self,
        job: Job,
        now: datetime,
        calendar: BusinessCalendar,
        report: TickReport,
        errors: list[str],
    ) -> None:
        logger.info("%s: starting (%s)", job.name, job.when.describe())
        started = clock.monotonic()
        context = JobContext(self.backend, self.settings, now, calendar)
        try:
            result = job.run(context)
        except Exception as exc:
            seconds = clock.monotonic() - started
            logger.exception(
                "%s failed after %.2f s; it runs again at its next slot",
                job.name,
                seconds,
            )
            errors.append(f"{now:{STAMP_FORMAT}} {job.name}: {exc}")
            report.failed.append(job.name)
        else:
            seconds = clock.monotonic() - started
            logger.info("%s: %s (%.2f s)", job.name, result, seconds)
        self._ran[job.name] = now
        report.ran.append(job.name)

    def _record(
        self,
        now: datetime,
        report: TickReport,
        errors: list[str],
        snapshot: Snapshot,
    ) -> None:
        """Write the jobs' last runs (and any error) to the Status tab, in one go."""
        if not report.ran:
            return
        values = {f"Last {name}": f"{now:{STAMP_FORMAT}}" for name in report.ran}
        if errors:
            values["Last Error"] = "; ".join(errors)
        try:
            record_status(self.backend, values, now, snapshot)
        except Exception as exc:
            # The runs stay remembered here; only --once relies on the tab.
            logger.warning("could not record the jobs in the Status tab: %s", exc)


def record_status(
    backend: Backend,
    values: dict[str, str],
    now: datetime,
    snapshot: Snapshot | None = None,
) -> None:
    """Set Status rows (added when missing), retrying if the tab moves.

    ``snapshot`` is a recent read to try first: when nothing wrote since,
    it saves a read; when something did, the guarded write is refused and
    the rows are set again from a fresh read.
    """
    stamp = now.replace(tzinfo=None, second=0, microsecond=0)
    for attempt in range(1, ATTEMPTS + 1):
        if snapshot is None or attempt > 1:
            snapshot = backend.read()
        status = Ledger.read(schema.STATUS, snapshot)
        for item, value in values.items():
            row = status.find(item)
            fields: dict[str, Cell] = {"value": value, "updated_at": stamp}
            if row is None:
                status.append({"item": item, **fields})
            else:
                status.update(row, fields)
        try:
            status.save(backend)
            return
        except TrackerMovedError:
            if attempt == ATTEMPTS:
                raise


def _calendar(snapshot: Snapshot, settings: Settings) -> BusinessCalendar:
    """The business calendar with the Holidays tab's days, if it has one."""
    title = snapshot.title(schema.HOLIDAYS.name)
    if title is None:
        return BusinessCalendar(settings.business)
    holidays = parse_tab(schema.HOLIDAYS, title, snapshot.grids[title])
    return calendar_for(holidays, settings)


def _last_runs(
    snapshot: Snapshot, jobs: Sequence[Job], zone: tzinfo
) -> dict[str, datetime]:
    """Each job's last run as the Status tab records it (business wall clock)."""
    if snapshot.title(schema.STATUS.name) is None:
        return {}
    status = Ledger.read(schema.STATUS, snapshot)
    found = {}
    for job in jobs:
        row = status.find(job.status_item)
        moment = as_datetime(status.table.raw(row, "value")) if row else None
        if moment is not None:
            found[job.name] = moment.replace(tzinfo=zone)
    return found


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[None]:
    """While inside, SIGTERM and SIGINT ask the daemon to stop after the current job."""

    def ask_to_stop(number: int, frame: FrameType | None) -> None:
        logger.info(
            "%s received; stopping after the current job", signal.Signals(number).name
        )
        stop.set()

    previous = {
        number: signal.signal(number, ask_to_stop)
        for number in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def run(
    backend: Backend, settings: Settings, *, once: bool, now: Clock | None = None
) -> int:
    """Run the daemon on ``backend`` until a signal, or one pass with ``once``.

    Returns the exit status for the shell: 1 when ``once`` saw a job fail.
    """
    zone = settings.business.time_zone
    clock = now or (lambda: datetime.now(zone))
    worker = Daemon(backend, settings, daemon_lock(backend, settings), now=clock)
    with stop_on_signals(worker.stop):
        if once:
            return worker.once()
        logger.info(
            "daemon started on %s: %s",
            backend.location,
            "; ".join(f"{j.name} {j.when.describe()}" for j in worker.jobs),
        )
        worker.serve()
    return 0
