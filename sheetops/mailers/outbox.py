"""The Outbox tab as a ledger: every email queued once and sent at most once.

A row's State moves queued → sending → sent, or to failed. The row is
marked sending, and that is saved to the tracker, *before* the message
is handed to the transport; only then is it sent, and marked sent. So a
crash can leave a row in sending, never a message sent with no trace. A
flush that finds a row in sending does not send it again on its own: the
outbox transport can tell whether the .eml was written (sent if so,
queued again if not); over SMTP nobody can tell, so the row is marked
failed for a person to check. Staff set State back to queued to resend.

Claiming a row is guarded on its State and Attempts as read, so two
senders can't both claim it; on one machine a lock also keeps two
flushes of the same tracker from overlapping.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import time as clock
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pandas as pd
from filelock import FileLock, Timeout

from sheetops import schema
from sheetops.errors import MailError, TrackerMovedError
from sheetops.mailers.compose import Source, compose, read_source
from sheetops.mailers.due import due_mail
from sheetops.mailers.keys import INTERNAL_KINDS, KINDS, MailRequest
from sheetops.mailers.transports import (
    DeliveryError,
    Envelope,
    Failure,
    Transport,
    make_envelope,
    make_transport,
)
from sheetops.rules.validation import parse_tab
from sheetops.settings import Settings
from sheetops.sync.backend import Backend, Cell, RowGuard, Snapshot, identity
from sheetops.sync.ledger import Ledger

__all__ = [
    "KINDS",
    "FlushReport",
    "MailRequest",
    "due_mail",
    "flush",
    "queue",
    "send_due",
]

logger = logging.getLogger(__name__)

QUEUED, SENDING, SENT, FAILED = schema.OUTBOX_STATES
# Events a flush reports beside the states.
REQUEUED = "queued again"
SKIPPED = "skipped"
# Tries of one ledger write when the tracker moves under it.
WRITE_TRIES = 3
INTERRUPTED = (
    "interrupted while sending; check whether it arrived, then set State to "
    "queued to resend or to sent"
)
# What the claim must still find in the row: nobody else took it meanwhile.
CLAIM_FIELDS = ("key", "state", "attempts")
MAIL_LOCK_SUFFIX = ".mail.lock"

T = TypeVar("T")


@dataclass(frozen=True)
class OutboxRow:
    """An Outbox row as read: where it is and what it says."""

    number: int
    key: str
    state: str
    attempts: int
    message_id: str
    next_attempt: datetime | None

    def due(self, now: datetime) -> bool:
        """Queued, and its next attempt (if it has one) has come."""
        if self.state != QUEUED:
            return False
        return self.next_attempt is None or self.next_attempt <= now


@dataclass(frozen=True)
class Event:
    """What a flush did with one row."""

    key: str
    outcome: str
    detail: str = ""

    def describe(self) -> str:
        return f"{self.key}: {self.outcome}" + (
            f" ({self.detail})" if self.detail else ""
        )


@dataclass
class FlushReport:
    """What one flush did, row by row."""

    queued: int = 0
    events: list[Event] = field(default_factory=list)
    # Why the batch stopped before the end (the server was unreachable).
    stopped: str = ""

    def add(self, key: str, outcome: str, detail: str = "") -> None:
        self.events.append(Event(key, outcome, detail))

    def count(self, outcome: str) -> int:
        return sum(1 for event in self.events if event.outcome == outcome)

    @property
    def sent(self) -> int:
        return self.count(SENT)

    @property
    def failed(self) -> int:
        return self.count(FAILED)

    @property
    def retrying(self) -> int:
        return self.count(QUEUED)

    def summary(self) -> str:
        """One line with the figures, in words."""
        text = f"sent {self.sent}, will retry {self.retrying}, failed {self.failed}"
        return text + (f"; stopped early: {self.stopped}" if self.stopped else "")


def queue(
    backend: Backend,
    settings: Settings,
    as_of: datetime,
    requests: Iterable[MailRequest],
) -> int:
    """Append a queued Outbox row for each request whose key isn't there yet.

    A key already in the Outbox, in any state, is never queued again.
    Returns how many rows were added.
    """
    wanted = _distinct(requests)
    if not wanted:
        return 0

    def attempt() -> int:
        snapshot = backend.read()
        outbox = Ledger.read(schema.OUTBOX, snapshot)
        fresh = [request for request in wanted if outbox.find(request.key) is None]
        people = _people(snapshot)
        for request in fresh:
            outbox.append(_queued_row(request, people, settings, as_of))
        outbox.save(backend)
        return len(fresh)

    added = _retry(attempt, "queueing mail")
    # Asked every cycle for the same keys, so only news is worth an INFO line.
    level = logging.INFO if added else logging.DEBUG
    logger.log(
        level, "queued %s of %s emails in %s", added, len(wanted), backend.location
    )
    return added


def flush(
    backend: Backend,
    settings: Settings,
    as_of: datetime,
    transport: Transport | None = None,
    *,
    only: Collection[str] | None = None,
) -> FlushReport:
    """Send every queued email whose time has come; ``only`` limits it to keys."""
    chosen = transport if transport is not None else make_transport(settings.mail)
    now = _stamp(as_of, settings)
    keys = None if only is None else {key.casefold() for key in only}
    report = FlushReport()
    started = clock.monotonic()

    with _one_sender(backend.location):
        snapshot = backend.read()
        rows = _rows(Ledger.read(schema.OUTBOX, snapshot))
        rows += _recover_all(backend, rows, chosen, now, report)
        due = [
            row
            for row in rows
            if row.due(now) and (keys is None or row.key.casefold() in keys)
        ]
        if due:
            source = read_source(snapshot, settings, as_of)
            for row in due:
                if not _deliver(backend, row, source, chosen, report):
                    break
    logger.info(
        "mail flush of %s: %s, %.2f s",
        backend.location,
        report.summary(),
        clock.monotonic() - started,
    )
    return report


def send_due(
    backend: Backend,
    settings: Settings,
    as_of: datetime,
    transport: Transport | None = None,
) -> FlushReport:
    """Queue what :func:`due_mail` finds, then flush everything due."""
    source = read_source(backend.read(), settings, as_of)
    added = queue(backend, settings, as_of, due_mail(source.book, settings, as_of))
    report = flush(backend, settings, as_of, transport)
    report.queued = added
    return report


def _deliver(
    backend: Backend,
    row: OutboxRow,
    source: Source,
    transport: Transport,
    report: FlushReport,
) -> bool:
    """Send one row; False when the rest of the batch should wait."""
    try:
        envelope = _envelope(row, source)
    except MailError as exc:
        _settle(backend, row.key, {"state": FAILED, "last_error": str(exc)})
        report.add(row.key, FAILED, str(exc))
        return True

    if not _claim(backend, row, envelope):
        report.add(row.key, SKIPPED, "another sender took it, or staff changed it")
        return True
    try:
        transport.send(envelope)
    except DeliveryError as exc:
        return _after_failure(backend, row, exc, source, report)

    sent_at = _stamp(source.as_of, source.settings)
    _settle(
        backend,
        row.key,
        {"state": SENT, "sent_at": sent_at, "last_error": None, "next_attempt": None},
    )
    report.add(row.key, SENT, ", ".join(envelope.recipients))
    return True


def _envelope(row: OutboxRow, source: Source) -> Envelope:
    """The message a row stands for, composed from the tracker as it is now."""
    draft = compose(MailRequest.from_key(row.key), source)
    return make_envelope(
        row.key,
        row.attempts + 1,
        draft.to_name,
        draft.to_address,
        draft.rendered,
        source.settings.mail,
        source.as_of,
    )


def _claim(backend: Backend, row: OutboxRow, envelope: Envelope) -> bool:
    """Mark the row sending, saved, if it is still as read; False if not.

    The write is guarded on the row's Key, State and Attempts, so of two
    senders that read it queued, only one can claim it.
    """

    def attempt() -> bool:
        outbox = Ledger.read(schema.OUTBOX, backend.read())
        number = outbox.find(row.key)
        if number is None:
            return False
        found = _row(outbox, number)
        if (found.state, found.attempts) != (QUEUED, row.attempts):
            return False
        table = outbox.table
        outbox.guards[number] = RowGuard(
            table.title,
            number,
            tuple(table.positions[name] + 1 for name in CLAIM_FIELDS),
            identity([table.raw(number, name) for name in CLAIM_FIELDS]),
        )
        outbox.update(
            number,
            {
                "state": SENDING,
                "attempts": row.attempts + 1,
                "message_id": envelope.message_id,
                "recipient": ", ".join(envelope.recipients),
                "subject": str(envelope.message["Subject"]),
                "last_error": None,
            },
        )
        outbox.save(backend)
        return True

    try:
        return _retry(attempt, f"claiming {row.key}")
    except TrackerMovedError:
        logger.warning("could not claim %s: the tracker kept changing", row.key)
        return False


def _after_failure(
    backend: Backend,
    row: OutboxRow,
    error: DeliveryError,
    source: Source,
    report: FlushReport,
) -> bool:
    """Record a failed send; False when the server can't be reached at all."""
    attempts = row.attempts + 1
    mail = source.settings.mail
    reason = str(error)
    if error.failure.retry and attempts < mail.max_attempts:
        # Waits double each time: 5, 10, 20... minutes with the defaults.
        wait = timedelta(minutes=mail.retry_minutes * 2 ** (attempts - 1))
        when = _stamp(source.as_of + wait, source.settings)
        _settle(
            backend,
            row.key,
            {"state": QUEUED, "last_error": reason, "next_attempt": when},
        )
        report.add(row.key, QUEUED, f"{reason}; next attempt {when:%Y-%m-%d %H:%M}")
    else:
        reason += _what_now(error.failure, attempts)
        _settle(
            backend,
            row.key,
            {"state": FAILED, "last_error": reason, "next_attempt": None},
        )
        report.add(row.key, FAILED, reason)

    if error.failure is Failure.UNREACHABLE:
        report.stopped = str(error)
        return False
    return True


def _what_now(failure: Failure, attempts: int) -> str:
    """The sentence telling staff what to do with a failed row."""
    if failure.retry:
        return f"; gave up after {attempts} attempts, set State to queued to try again"
    if failure is Failure.UNCERTAIN:
        return (
            "; check whether it arrived, then set State to queued to resend or to sent"
        )
    return "; fix the cause (often the customer's Email), then set State to queued"


def _recover_all(
    backend: Backend,
    rows: list[OutboxRow],
    transport: Transport,
    now: datetime,
    report: FlushReport,
) -> list[OutboxRow]:
    """Settle every row left in sending; return those queued again."""
    settled = [
        _recover(backend, row, transport, now, report)
        for row in rows
        if row.state == SENDING
    ]
    return [row for row in settled if row is not None]


def _recover(
    backend: Backend,
    row: OutboxRow,
    transport: Transport,
    now: datetime,
    report: FlushReport,
) -> OutboxRow | None:
    """Settle a row a crash left in sending, without ever sending it twice.

    Returns the row queued again when the transport can tell it was never
    handed over, so this flush can send it.
    """
    verdict = transport.delivered(row.key, row.message_id) if row.message_id else None
    if verdict:
        values: dict[str, Cell] = {"state": SENT, "sent_at": now, "last_error": None}
        _settle(backend, row.key, values)
        report.add(row.key, SENT, "it had been delivered before an interruption")
        return None
    if verdict is False:
        note = "interrupted before it was handed over; sending it again"
        _settle(
            backend,
            row.key,
            {"state": QUEUED, "last_error": note, "next_attempt": None},
        )
        report.add(row.key, REQUEUED, note)
        return replace(row, state=QUEUED, next_attempt=None)
    _settle(backend, row.key, {"state": FAILED, "last_error": INTERRUPTED})
    report.add(row.key, FAILED, INTERRUPTED)
    return None


def _settle(backend: Backend, key: str, values: dict[str, Cell]) -> None:
    """Write an outcome to the row holding ``key``, from a fresh read.

    Should this fail for good, the row stays as it was (sending, at
    worst), which the next flush settles without sending twice.
    """

    def attempt() -> None:
        outbox = Ledger.read(schema.OUTBOX, backend.read())
        number = outbox.find(key)
        if number is None:
            logger.warning(
                "the Outbox row %s is gone; its state %s is not recorded",
                key,
                values.get("state"),
            )
            return
        outbox.update(number, values)
        outbox.save(backend)

    _retry(attempt, f"recording {key}")


def _retry(action: Callable[[], T], what: str) -> T:
    """Run a read-change-write step again from a fresh read if the tracker moved."""
    for _ in range(WRITE_TRIES - 1):
        try:
            return action()
        except TrackerMovedError as exc:
            logger.warning("%s: %s; reading the tracker again", what, exc)
    return action()


def _rows(outbox: Ledger) -> list[OutboxRow]:
    return [
        _row(outbox, number)
        for number, values in outbox.rows()
        if str(values["key"]).strip()
    ]


def _row(outbox: Ledger, number: int) -> OutboxRow:
    values = outbox.frame.loc[number]
    attempts = values["attempts"]
    next_attempt = values["next_attempt"]
    return OutboxRow(
        number=number,
        key=str(values["key"]).strip(),
        state=str(values["state"]),
        attempts=0 if pd.isna(attempts) else int(attempts),
        message_id=str(values["message_id"]).strip(),
        next_attempt=None if pd.isna(next_attempt) else next_attempt.to_pydatetime(),
    )


def _distinct(requests: Iterable[MailRequest]) -> list[MailRequest]:
    seen: set[str] = set()
    kept = []
    for request in requests:
        if request.key.casefold() not in seen:
            seen.add(request.key.casefold())
            kept.append(request)
    return kept


def _people(snapshot: Snapshot) -> dict[str, tuple[str, str]]:
    """Customer ID (case ignored) → (name, Email), for the Outbox's own columns."""
    title = snapshot.title(schema.CUSTOMERS.name)
    if title is None:
        return {}
    frame = parse_tab(schema.CUSTOMERS, title, snapshot.grids[title]).frame
    return {
        str(cid).strip().casefold(): (str(name), str(email))
        for cid, name, email in zip(
            frame["customer_id"], frame["customer"], frame["email"], strict=True
        )
        if str(cid).strip()
    }


def _queued_row(
    request: MailRequest,
    people: dict[str, tuple[str, str]],
    settings: Settings,
    as_of: datetime,
) -> dict[str, Cell]:
    name, email = people.get(request.customer_id.casefold(), (request.customer_id, ""))
    internal = request.kind in INTERNAL_KINDS
    return {
        "key": request.key,
        "kind": request.kind,
        "customer": name,
        "recipient": settings.mail.staff if internal else email,
        "state": QUEUED,
        "attempts": 0,
        "queued_at": _stamp(as_of, settings),
    }


def _stamp(moment: datetime, settings: Settings) -> datetime:
    """An instant as the tracker holds it: Jakarta wall-clock time, no zone."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(settings.business.time_zone)
    return moment.replace(tzinfo=None, microsecond=0)


@contextmanager
def _one_sender(location: str) -> Iterator[None]:
    """Keep two flushes of one tracker on this machine from overlapping.

    A flush that found another's row in sending would take it for an
    interrupted send and mark it failed.
    """
    path = _lock_path(location)
    lock = FileLock(path, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise MailError(
            f"another sheetops process is sending mail for {location}; try again "
            f"once it has finished (or delete {path} if none is running)"
        ) from None
    try:
        yield
    finally:
        lock.release()


def _lock_path(location: str) -> Path:
    """Beside a workbook, as its other locks are; for a Google Sheet, in /tmp."""
    local = Path(location)
    if local.suffix.lower() == ".xlsx":
        return local.with_name(local.name + MAIL_LOCK_SUFFIX)
    digest = hashlib.sha256(location.encode("utf-8")).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"sheetops-mail-{digest}.lock"
