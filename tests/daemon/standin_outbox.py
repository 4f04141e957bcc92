"""A stand-in for sheetops.mailers.outbox while the real one is being built.

It keeps the contract the daemon relies on: queue() adds one queued
Outbox row per new key and ignores keys already there; flush() marks
queued rows sent and remembers them, so tests can count what went out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sheetops import schema
from sheetops.errors import TrackerMovedError
from sheetops.settings import Settings
from sheetops.sync.backend import Backend
from sheetops.sync.ledger import Ledger

SENT: list[str] = []


@dataclass(frozen=True)
class MailRequest:
    kind: str
    customer_id: str
    ref: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.customer_id}:{self.ref}"


@dataclass
class FlushReport:
    sent: int = 0
    failed: int = 0


def queue(
    backend: Backend,
    settings: Settings,
    as_of: datetime,
    requests: Iterable[MailRequest],
) -> int:
    wanted = list(requests)
    for _ in range(3):
        try:
            return _queue_once(backend, as_of, wanted)
        except TrackerMovedError:
            continue
    raise TrackerMovedError("the Outbox kept moving")


def _queue_once(backend: Backend, as_of: datetime, wanted: list[MailRequest]) -> int:
    ledger = Ledger.read(schema.OUTBOX, backend.read())
    added = 0
    for request in wanted:
        if ledger.find(request.key) is not None:
            continue
        ledger.append(
            {
                "key": request.key,
                "kind": request.kind,
                "customer": request.customer_id,
                "state": "queued",
                "queued_at": as_of.replace(tzinfo=None),
            }
        )
        added += 1
    ledger.save(backend)
    return added


def flush(backend: Backend, settings: Settings, as_of: datetime) -> FlushReport:
    ledger = Ledger.read(schema.OUTBOX, backend.read())
    report = FlushReport()
    for row, values in ledger.rows():
        if values["state"] == "queued":
            ledger.update(row, {"state": "sent", "sent_at": as_of.replace(tzinfo=None)})
            SENT.append(str(values["key"]))
            report.sent += 1
    ledger.save(backend)
    return report


def due_mail(book: Any, settings: Settings, as_of: datetime) -> list[MailRequest]:
    return []
