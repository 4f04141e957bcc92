"""One run of the R3 weekly checks: every dashboard, the Alerts tab, the mail.

    read the tracker -> for each active customer on a tier with proactive
    checks: open the dashboard, run the checks -> append the new findings
    to the Alerts tab (one guarded write) -> queue one email per new alert

A finding is new unless the Alerts tab already holds an Open alert of
that customer and check, or any alert of that customer, check and week:
so running twice in a week, or every Monday while a problem lasts, adds
nothing. Customer-facing findings become a ``proactive_alert`` to the
customer; internal ones (import log, a dashboard that can't be read) a
``staff_alert`` to the team. A dashboard that fails in any way is itself
an internal alert, and the other customers are still checked.
"""

from __future__ import annotations

import logging
import re
import time as clock
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd

from sheetops import schema
from sheetops.errors import SheetopsError, TrackerLayoutError, TrackerMovedError
from sheetops.formatting import language_of
from sheetops.mailers.keys import PROACTIVE_ALERT, STAFF_ALERT, MailRequest
from sheetops.mailers.outbox import queue
from sheetops.monitor.checks import (
    DASHBOARD,
    Finding,
    Outcome,
    check_dashboard,
    normal_week,
    week_label,
)
from sheetops.monitor.config import MonitorSettings, monitor_settings
from sheetops.monitor.contract import DashboardError, parse_dashboard
from sheetops.monitor.sources import DashboardReader
from sheetops.rules.validation import find_customer, parse_tab
from sheetops.schema import loose
from sheetops.settings import Settings
from sheetops.sync.backend import Backend, Cell, Snapshot
from sheetops.sync.ledger import Ledger

logger = logging.getLogger(__name__)

OPEN, RESOLVED, KNOWN_EVENT = schema.ALERT_STATUSES
ALERT_PREFIX = "AL-"
ID_DIGITS = 4
ALERT_ID = re.compile(rf"^{ALERT_PREFIX}(\d+)$", re.IGNORECASE)
ATTEMPTS = 3
# An Open alert raised this recently whose email is missing (the run that
# raised it stopped before queueing) has it queued now; older ones are
# left alone, so an Outbox row staff deleted long ago isn't sent again.
MAIL_CATCH_UP = timedelta(days=14)


@dataclass(frozen=True)
class Target:
    """A customer whose dashboard is checked."""

    customer_id: str
    name: str
    language: str
    dashboard: str

    def describe(self) -> str:
        return f"{self.name} ({self.customer_id})" if self.customer_id else self.name

    def names(self) -> set[str]:
        """How a row may name this customer: its ID or its name."""
        return {loose(self.customer_id), loose(self.name)} - {""}


@dataclass
class CustomerResult:
    """One customer's findings, each with the Alert ID it got ("" if not new)."""

    target: Target
    outcome: Outcome
    alerts: list[tuple[str, Finding]] = field(default_factory=list)


@dataclass
class MonitorReport:
    """What one run did: per customer, and in total."""

    as_of: datetime
    results: list[CustomerResult] = field(default_factory=list)
    queued: int = 0
    seconds: float = 0.0

    @property
    def raised(self) -> list[str]:
        """The Alert IDs this run added."""
        return [aid for r in self.results for aid, _ in r.alerts if aid]

    @property
    def repeated(self) -> int:
        """Findings already on the Alerts tab, so not raised again."""
        return sum(1 for r in self.results for aid, _ in r.alerts if not aid)

    def summary(self) -> str:
        """One line with the figures, in words."""
        return (
            f"checked {len(self.results)} dashboards: {len(self.raised)} new "
            f"alerts, {self.repeated} already on the Alerts tab, "
            f"{self.queued} emails queued, {self.seconds:.2f} s"
        )

    def lines(self) -> list[str]:
        """A few lines per customer for the terminal, then the summary."""
        shown: list[str] = []
        for result in self.results:
            count = len(result.alerts)
            said = f"{count} finding{'s' if count != 1 else ''}" if count else "ok"
            shown.append(f"{result.target.describe()}: {said}")
            for alert_id, finding in result.alerts:
                mark = alert_id or "still open"
                who = "staff" if finding.internal else "customer"
                shown.append(f"  {mark} {finding.check} ({who}): {finding.message}")
            shown.extend(f"  note: {note}" for note in result.outcome.notes)
        shown.append(self.summary())
        return shown


Progress = Callable[[Sequence[Target]], AbstractContextManager[Iterable[Target]]]


def run_checks(
    backend: Backend,
    settings: Settings,
    as_of: datetime,
    *,
    customer: str | None = None,
    progress: Progress | None = None,
) -> MonitorReport:
    """Check every R3 dashboard (or only ``customer``'s), record and mail the news.

    ``progress``, when given, wraps the list of customers (click's
    progressbar fits) and is iterated while the dashboards are read.
    """
    started = clock.monotonic()
    rules = monitor_settings(settings)
    now = _stamp(as_of, settings)
    snapshot = backend.read()
    targets = select_targets(snapshot, settings, customer)
    alerts = _alerts_frame(snapshot)

    report = MonitorReport(as_of)
    reader = DashboardReader(backend, settings, rules.contract)
    try:
        with _each(targets, progress) as each:
            for target in each:
                events = known_events(alerts, target)
                outcome = check_one(reader, target, rules, now, events)
                if not target.customer_id:
                    outcome.notes.append(
                        "no Customer ID yet, so no email; run `sheetops sync` to "
                        "fill it"
                    )
                report.results.append(CustomerResult(target, outcome))
    finally:
        reader.close()

    requests = _record(backend, report, now)
    if requests:
        report.queued = queue(backend, settings, as_of, requests)
    report.seconds = clock.monotonic() - started
    logger.info("weekly checks of %s: %s", backend.location, report.summary())
    return report


def check_one(
    reader: DashboardReader,
    target: Target,
    rules: MonitorSettings,
    now: datetime,
    events: set[str],
) -> Outcome:
    """Read and check one dashboard; any failure becomes an internal finding."""
    week = _current_label(now)
    try:
        raw = reader.read(target.dashboard)
        dashboard = parse_dashboard(raw, rules.contract)
        return check_dashboard(dashboard, rules, now, target.language, events)
    except DashboardError as exc:
        logger.warning("dashboard of %s: %s", target.describe(), exc.reason)
        return Outcome([_dashboard_finding(week, exc.problem, exc.reason)])
    except Exception as exc:
        # One customer's dashboard must never stop the others' checks:
        # whatever went wrong is logged with its traceback and told to staff.
        logger.exception("the checks failed on %s's dashboard", target.describe())
        reason = (
            f"the checks failed on this dashboard ({type(exc).__name__}: {exc}); "
            "see the sheetops log"
        )
        return Outcome([_dashboard_finding(week, "check failed", reason)])


def select_targets(
    snapshot: Snapshot, settings: Settings, customer: str | None = None
) -> list[Target]:
    """Active customers on a tier with proactive checks, or just ``customer``."""
    frame = _customers(snapshot)
    proactive = {code for code, tier in settings.tiers.items() if tier.proactive_checks}
    if customer is not None:
        return [_one_target(frame, customer, proactive)]
    chosen = frame[frame["active"] & frame["tier"].isin(proactive)]
    return [_target(row) for _, row in chosen.iterrows()]


def known_events(alerts: pd.DataFrame, target: Target) -> set[str]:
    """The weeks staff marked Known Event on an alert of this customer."""
    mine = alerts["customer"].map(loose).isin(target.names())
    marked = alerts[mine & (alerts["status"] == KNOWN_EVENT)]
    return {normal_week(week) for week in marked["week"] if str(week).strip()}


def _customers(snapshot: Snapshot) -> pd.DataFrame:
    title = snapshot.title(schema.CUSTOMERS.name)
    if title is None:
        raise TrackerLayoutError(
            "the tracker has no tab 'Customers'; run `sheetops init` to add it"
        )
    return parse_tab(schema.CUSTOMERS, title, snapshot.grids[title]).frame


def _one_target(frame: pd.DataFrame, customer: str, proactive: set[str]) -> Target:
    row = find_customer(frame, customer)
    if row["tier"] not in proactive:
        tiers = ", ".join(sorted(proactive)) or "none"
        raise SheetopsError(
            f"{row['customer']} is on tier {row['tier'] or '(blank)'}; the weekly "
            f"checks are for tiers with proactive checks ({tiers})"
        )
    return _target(row)


def _target(row: pd.Series) -> Target:
    return Target(
        customer_id=str(row["customer_id"]).strip(),
        name=str(row["customer"]).strip(),
        language=language_of(row["language"]),
        dashboard=str(row["dashboard"]).strip(),
    )


def _alerts_frame(snapshot: Snapshot) -> pd.DataFrame:
    return Ledger.read(schema.ALERTS, snapshot).frame


@contextmanager
def _each(
    targets: list[Target], progress: Progress | None
) -> Iterator[Iterable[Target]]:
    manager = progress(targets) if progress else nullcontext(targets)
    with manager as each:
        yield each


def _record(
    backend: Backend, report: MonitorReport, now: datetime
) -> list[MailRequest]:
    """Append the new findings to the Alerts tab; the mail they call for.

    Redone from a fresh read when someone changed the tab meanwhile, so
    the de-duplication always sees the rows as they are.
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _record_once(backend, report, now)
        except TrackerMovedError as exc:
            if attempt == ATTEMPTS:
                raise
            logger.warning("%s; reading the Alerts tab again", exc)
    return []


def _record_once(
    backend: Backend, report: MonitorReport, now: datetime
) -> list[MailRequest]:
    ledger = Ledger.read(schema.ALERTS, backend.read())
    rows = [values for _, values in ledger.rows()]
    number = _last_number(rows)
    for result in report.results:
        result.alerts = []
        for finding in result.outcome.findings:
            if _already_raised(rows, result.target, finding):
                result.alerts.append(("", finding))
                continue
            number += 1
            alert_id = f"{ALERT_PREFIX}{number:0{ID_DIGITS}d}"
            row = _alert_row(alert_id, now, result.target, finding)
            ledger.append(row)
            rows.append(dict(row))
            result.alerts.append((alert_id, finding))
    ledger.save(backend)
    return _mail_for(rows, report.results, now)


def _already_raised(
    rows: list[dict[str, object]], target: Target, found: Finding
) -> bool:
    names = target.names()
    for row in rows:
        same = loose(row["customer"]) in names and loose(row["check"]) == loose(
            found.check
        )
        if same and (row["status"] == OPEN or normal_week(row["week"]) == found.week):
            return True
    return False


def _alert_row(
    alert_id: str, now: datetime, target: Target, finding: Finding
) -> dict[str, Cell]:
    return {
        "alert_id": alert_id,
        "raised_at": now,
        "customer": target.name,
        "check": finding.check,
        "week": finding.week,
        "value": finding.value,
        "baseline": finding.baseline,
        "message": finding.message,
        "status": OPEN,
        "internal": finding.internal,
    }


def _mail_for(
    rows: list[dict[str, object]], results: list[CustomerResult], now: datetime
) -> list[MailRequest]:
    """One email per recent Open alert of the customers checked.

    The Outbox never queues a key twice, so asking again for an alert
    whose email is already there costs nothing.
    """
    by_name = {name: r.target for r in results for name in r.target.names()}
    requests = []
    for row in rows:
        target = by_name.get(loose(row["customer"]))
        raised = row["raised_at"]
        recent = (
            isinstance(raised, datetime)
            and not pd.isna(raised)
            and raised >= now - MAIL_CATCH_UP
        )
        ours = bool(ALERT_ID.match(str(row["alert_id"]).strip()))
        if target is None or not target.customer_id or not recent or not ours:
            continue
        if row["status"] != OPEN:
            continue
        kind = STAFF_ALERT if bool(row["internal"]) else PROACTIVE_ALERT
        requests.append(
            MailRequest(kind, target.customer_id, str(row["alert_id"]).strip())
        )
    return requests


def _last_number(rows: list[dict[str, object]]) -> int:
    numbers = [
        int(match[1])
        for row in rows
        if (match := ALERT_ID.match(str(row["alert_id"]).strip()))
    ]
    return max(numbers, default=0)


def _dashboard_finding(week: str, problem: str, reason: str) -> Finding:
    return Finding(DASHBOARD, week, problem, "", reason, internal=True)


def _current_label(now: datetime) -> str:
    return week_label(now.date() - timedelta(days=1))


def _stamp(moment: datetime, settings: Settings) -> datetime:
    """An instant as the tracker holds it: Jakarta wall-clock time, no zone."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(settings.business.time_zone)
    return moment.replace(tzinfo=None, microsecond=0)
