"""The Outbox ledger: queued once, sent at most once, whatever crashes when."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pandas as pd
import pytest
from filelock import FileLock

from sheetops.errors import MailError, TrackerMovedError
from sheetops.mailers.compose import read_source
from sheetops.mailers.keys import MailRequest
from sheetops.mailers.outbox import INTERRUPTED, due_mail, flush, queue
from sheetops.mailers.transports import (
    DeliveryError,
    Envelope,
    Failure,
    OutboxTransport,
    message_id,
)
from sheetops.schema import Tab
from sheetops.settings import Settings
from sheetops.sync.backend import Grid, Snapshot, WriteBatch
from sheetops.sync.workbook import WorkbookBackend
from tests.mailers.builders import (
    many_customers,
    outbox_rows,
    outbox_settings,
    reports_for,
    seed_customer,
    seed_january,
    tracker,
)


class Crash(Exception):
    """The sender dying: nothing after it in the same process runs."""


class CrashingBackend:
    """A workbook that kills the sender at its n-th write, before or after it."""

    def __init__(self, inner: WorkbookBackend, at: int, after: bool) -> None:
        self.inner = inner
        self.location = inner.location
        self.at = at
        self.after = after
        self.writes = 0

    def read(self) -> Snapshot:
        return self.inner.read()

    def write(self, batch: WriteBatch, snapshot: Snapshot) -> None:
        self.writes += 1
        if self.writes == self.at and not self.after:
            raise Crash(f"before write {self.at}")
        self.inner.write(batch, snapshot)
        if self.writes == self.at and self.after:
            raise Crash(f"after write {self.at}")

    def prepare(self, tabs: Sequence[Tab], seed: dict[str, Grid]) -> list[str]:
        return self.inner.prepare(tabs, seed)


@dataclass
class Wire:
    """A stand-in mail server: counts what it was handed, key by key."""

    handed: list[str] = field(default_factory=list)


@dataclass
class SmtpLike:
    """A transport that, like SMTP, can't say afterwards what arrived.

    ``die_after`` kills the sender right after the n-th hand-over.
    """

    wire: Wire
    die_after: int | None = None
    failures: dict[str, DeliveryError] = field(default_factory=dict)

    def send(self, envelope: Envelope) -> None:
        if envelope.key in self.failures:
            raise self.failures[envelope.key]
        self.wire.handed.append(envelope.key)
        if len(self.wire.handed) == self.die_after:
            raise Crash("after handing over")

    def delivered(self, key: str, message_id: str) -> bool | None:
        return None


class DyingOutbox(OutboxTransport):
    """The outbox folder transport, dying right after its n-th file."""

    def __init__(self, folder: Path, die_after: int) -> None:
        super().__init__(folder)
        self.die_after = die_after
        self.sent = 0

    def send(self, envelope: Envelope) -> None:
        super().send(envelope)
        self.sent += 1
        if self.sent == self.die_after:
            raise Crash("after writing the file")


BATCH = 3
# Each message is one write marking it sending and one marking it sent.
WRITES = [(at, after) for at in range(1, 2 * BATCH + 1) for after in (False, True)]


def test_queue_adds_each_key_once(
    tmp_path: Path, settings: Settings, as_of: datetime
) -> None:
    backend = tracker(tmp_path, settings, as_of, many_customers(2))
    twice = [*reports_for(2), *reports_for(2)]

    first = queue(backend, settings, as_of, twice)
    again = queue(backend, settings, as_of, reports_for(2))

    rows = outbox_rows(backend)
    assert (first, again) == (2, 0)
    assert list(rows) == [
        "time_report:C-0001:2026-01-01",
        "time_report:C-0002:2026-01-01",
    ]
    row = rows["time_report:C-0001:2026-01-01"]
    assert (row["kind"], row["customer"], row["recipient"], row["state"]) == (
        "time_report",
        "Customer 1",
        "customer1@example.com",
        "queued",
    )
    assert row["attempts"] == 0
    assert row["queued_at"] == datetime(2026, 2, 2, 10, 0)


def test_a_key_already_failed_or_sent_is_never_queued_again(
    tmp_path: Path, settings: Settings, as_of: datetime
) -> None:
    rows = many_customers(1)
    rows["Outbox"] = [
        {"key": "time_report:C-0001:2026-01-01", "state": "failed", "attempts": 8}
    ]
    backend = tracker(tmp_path, settings, as_of, rows)

    added = queue(backend, settings, as_of, reports_for(1))

    assert added == 0
    assert outbox_rows(backend)["time_report:C-0001:2026-01-01"]["state"] == "failed"


def test_queue_reads_again_when_the_tracker_moved(
    tmp_path: Path, settings: Settings, as_of: datetime
) -> None:
    inner = tracker(tmp_path, settings, as_of, many_customers(1))

    class MovedOnce(CrashingBackend):
        def write(self, batch: WriteBatch, snapshot: Snapshot) -> None:
            self.writes += 1
            if self.writes == 1:
                # Someone else queued the same key between our read and write.
                queue(self.inner, settings, as_of, reports_for(1))
                raise TrackerMovedError("moved")
            self.inner.write(batch, snapshot)

    added = queue(MovedOnce(inner, 0, False), settings, as_of, reports_for(1))

    assert added == 0
    assert len(outbox_rows(inner)) == 1


def test_due_mail_finds_budget_notices_and_email_approvals(
    tmp_path: Path, settings: Settings, as_of: datetime
) -> None:
    rows = seed_january()
    rows["Customers"] += [
        seed_customer(customer_id="C-0002", customer="Idle", active=False),
        seed_customer(customer_id="C-0003", customer="No Mail", email=""),
    ]
    rows["Requests"] += [
        _awaiting("REQ-0101", "C-0001", preferred="Email"),
        _awaiting("REQ-0102", "C-0001", preferred="WhatsApp", channel="Email"),
        _awaiting("REQ-0103", "C-0001", preferred="", channel="Email"),
        _awaiting("REQ-0104", "C-0003", preferred="Email"),
    ]
    rows["Time Log"] = [
        {"date": date(2026, 2, 2), "request_id": "REQ-0001", "minutes": 49}
    ]
    for customer in ("C-0002", "C-0003"):
        rows["Requests"].append(
            {
                "request_id": f"REQ-9{customer[-1]}",
                "received_at": datetime(2026, 1, 30, 9),
                "customer": customer,
                "type": "B",
                "catalog_task": "Page reorganization",
                "approved_on": date(2026, 1, 30),
                "status": "Delivered",
            }
        )
        rows["Time Log"].append(
            {
                "date": date(2026, 2, 1),
                "request_id": f"REQ-9{customer[-1]}",
                "minutes": 55,
            }
        )
    backend = tracker(tmp_path, settings, as_of, rows)
    book = read_source(backend.read(), settings, as_of).book

    due = due_mail(book, settings, as_of)

    assert [r.key for r in due] == [
        "budget_notice:C-0001:2026-02-01",
        "approval_request:C-0001:REQ-0101",
        "approval_request:C-0001:REQ-0103",
    ]


def test_a_budget_notice_waits_until_used_passes_80_percent(
    tmp_path: Path, settings: Settings, as_of: datetime
) -> None:
    rows = seed_january()
    rows["Time Log"] = [
        {"date": date(2026, 2, 2), "request_id": "REQ-0001", "minutes": 48}
    ]
    backend = tracker(tmp_path, settings, as_of, rows)
    book = read_source(backend.read(), settings, as_of).book

    assert due_mail(book, settings, as_of) == []


def test_flush_writes_a_parseable_eml_and_records_it_sent(
    tmp_path: Path, settings: Settings, as_of: datetime
) -> None:
    mail = outbox_settings(settings, tmp_path / "outbox")
    backend = tracker(tmp_path, mail, as_of, seed_january())
    queue(backend, mail, as_of, [MailRequest("time_report", "C-0001", "2026-01-01")])

    report = flush(backend, mail, as_of)

    key = "time_report:C-0001:2026-01-01"
    files = list((tmp_path / "outbox").glob("*.eml"))
    assert [f.name for f in files] == [
        "20260202T100000-time-report-c-0001-2026-01-01.eml"
    ]
    message = BytesParser(policy=policy.default).parsebytes(files[0].read_bytes())
    row = outbox_rows(backend)[key]
    assert report.sent == 1 and report.summary() == "sent 1, will retry 0, failed 0"
    assert (row["state"], row["attempts"], row["last_error"]) == ("sent", 1, "")
    assert row["sent_at"] == datetime(2026, 2, 2, 10, 0)
    assert row["subject"] == "Your Support Summary - January 2026"
    assert row["message_id"] == message["Message-ID"]
    assert message["Message-ID"] == message_id(key, 1, "example.com")
    assert message["To"] == "Warung Kopi <kopi@example.com>"
    assert message["From"] == "Support <support@example.com>"
    assert message["X-Sheetops-Key"] == key
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert "Time Used: 0.75 hours (75%)" in text.get_content()  # type: ignore[attr-defined]
    assert "<strong>0.75 hours</strong> (75%)" in html.get_content()  # type: ignore[attr-defined]


def test_a_row_that_cannot_be_composed_fails_with_the_fix_and_sends_nothing(
    tmp_path: Path, settings: Settings, as_of: datetime
) -> None:
    rows = seed_january()
    rows["Customers"] = [seed_customer(email="")]
    backend = tracker(tmp_path, settings, as_of, rows)
    queue(
        backend, settings, as_of, [MailRequest("time_report", "C-0001", "2026-01-01")]
    )
    wire = Wire()

    flush(backend, settings, as_of, SmtpLike(wire))

    row = outbox_rows(backend)["time_report:C-0001:2026-01-01"]
    assert wire.handed == []
    assert (row["state"], row["attempts"]) == ("failed", 0)
    assert "has no Email on the Customers tab" in str(row["last_error"])


def test_temporary_failures_back_off_then_give_up(
    tmp_path: Path, settings: Settings, as_of: datetime
) -> None:
    mail = _with_mail(settings, max_attempts=3, retry_minutes=5)
    backend = tracker(tmp_path, mail, as_of, many_customers(1))
    queue(backend, mail, as_of, reports_for(1))
    key = reports_for(1)[0].key
    busy = DeliveryError("421 try later", Failure.TEMPORARY)
    transport = SmtpLike(Wire(), failures={key: busy})

    seen = []
    for minutes in (0, 1, 5, 15):
        flush(backend, mail, as_of + timedelta(minutes=minutes), transport)
        row = outbox_rows(backend)[key]
        next_attempt = row["next_attempt"]
        shown = None if next_attempt is pd.NaT else next_attempt
        seen.append((row["state"], row["attempts"], shown))

    at = datetime(2026, 2, 2, 10, 0)
    assert seen == [
        ("queued", 1, at + timedelta(minutes=5)),
        ("queued", 1, at + timedelta(minutes=5)),
        ("queued", 2, at + timedelta(minutes=15)),
        ("failed", 3, None),
    ]
    assert str(outbox_rows(backend)[key]["last_error"]).startswith(
        "421 try later; gave up after 3 attempts"
    )


@pytest.mark.parametrize(("at", "after"), WRITES)
def test_a_crash_at_any_write_never_sends_a_key_twice(
    tmp_path: Path, settings: Settings, as_of: datetime, at: int, after: bool
) -> None:
    inner = tracker(tmp_path, settings, as_of, many_customers(BATCH))
    queue(inner, settings, as_of, reports_for(BATCH))
    wire = Wire()

    with pytest.raises(Crash):
        flush(CrashingBackend(inner, at, after), settings, as_of, SmtpLike(wire))
    flush(inner, settings, as_of, SmtpLike(wire))
    flush(inner, settings, as_of, SmtpLike(wire))

    _assert_at_most_once(inner, wire)


@pytest.mark.parametrize("die_after", range(1, BATCH + 1))
def test_a_sender_dying_after_handing_over_never_sends_a_key_twice(
    tmp_path: Path, settings: Settings, as_of: datetime, die_after: int
) -> None:
    backend = tracker(tmp_path, settings, as_of, many_customers(BATCH))
    queue(backend, settings, as_of, reports_for(BATCH))
    wire = Wire()

    with pytest.raises(Crash):
        flush(backend, settings, as_of, SmtpLike(wire, die_after=die_after))
    flush(backend, settings, as_of, SmtpLike(wire))

    rows = _assert_at_most_once(backend, wire)
    interrupted = reports_for(BATCH)[die_after - 1].key
    assert rows[interrupted]["state"] == "failed"
    assert rows[interrupted]["last_error"] == INTERRUPTED
    assert Counter(wire.handed) == {r.key: 1 for r in reports_for(BATCH)}


@pytest.mark.parametrize(("at", "after"), WRITES)
def test_with_the_outbox_folder_every_key_lands_exactly_once_after_a_crash(
    tmp_path: Path, settings: Settings, as_of: datetime, at: int, after: bool
) -> None:
    mail = outbox_settings(settings, tmp_path / "outbox")
    inner = tracker(tmp_path, mail, as_of, many_customers(BATCH))
    queue(inner, mail, as_of, reports_for(BATCH))

    with pytest.raises(Crash):
        flush(CrashingBackend(inner, at, after), mail, as_of)
    flush(inner, mail, as_of)

    _assert_every_file_once(tmp_path / "outbox", inner)


@pytest.mark.parametrize("die_after", range(1, BATCH + 1))
def test_an_eml_written_before_a_crash_is_found_and_not_written_again(
    tmp_path: Path, settings: Settings, as_of: datetime, die_after: int
) -> None:
    folder = tmp_path / "outbox"
    mail = outbox_settings(settings, folder)
    backend = tracker(tmp_path, mail, as_of, many_customers(BATCH))
    queue(backend, mail, as_of, reports_for(BATCH))

    with pytest.raises(Crash):
        flush(backend, mail, as_of, DyingOutbox(folder, die_after))
    report = flush(backend, mail, as_of)

    _assert_every_file_once(folder, backend)
    recovered = [e for e in report.events if "before an interruption" in e.detail]
    assert [e.key for e in recovered] == [reports_for(BATCH)[die_after - 1].key]


def test_a_flush_limited_to_keys_leaves_the_others_queued(
    tmp_path: Path, settings: Settings, as_of: datetime
) -> None:
    backend = tracker(tmp_path, settings, as_of, many_customers(2))
    queue(backend, settings, as_of, reports_for(2))
    wire = Wire()
    first, second = (r.key for r in reports_for(2))

    flush(backend, settings, as_of, SmtpLike(wire), only=[first])

    rows = outbox_rows(backend)
    assert wire.handed == [first]
    assert (rows[first]["state"], rows[second]["state"]) == ("sent", "queued")


def test_smtp_settings_without_a_host_are_refused_before_anything_changes(
    tmp_path: Path, settings: Settings, as_of: datetime
) -> None:
    mail = _with_mail(settings, transport="smtp", smtp_host="")
    backend = tracker(tmp_path, mail, as_of, many_customers(1))
    queue(backend, mail, as_of, reports_for(1))

    with pytest.raises(MailError) as caught:
        flush(backend, mail, as_of)

    assert str(caught.value) == (
        "[mail] smtp_host is empty; set it or SHEETOPS_MAIL_SMTP_HOST (or use "
        'transport = "outbox")'
    )
    assert outbox_rows(backend)[reports_for(1)[0].key]["state"] == "queued"


def _awaiting(
    request_id: str, customer: str, preferred: str, channel: str = "WhatsApp"
) -> dict[str, object]:
    return {
        "request_id": request_id,
        "received_at": datetime(2026, 2, 2, 8),
        "customer": customer,
        "channel": channel,
        "preferred_channel": preferred,
        "type": "B",
        "catalog_task": "Visual tweak",
        "status": "Awaiting Approval",
    }


def _with_mail(settings: Settings, **changes: object) -> Settings:
    return replace(settings, mail=replace(settings.mail, **changes))  # type: ignore[arg-type]


def _assert_at_most_once(
    backend: WorkbookBackend, wire: Wire
) -> dict[str, dict[str, object]]:
    """No key handed over twice; sent means handed over once; nothing left hanging."""
    rows = outbox_rows(backend)
    counts = Counter(wire.handed)
    assert all(count == 1 for count in counts.values()), counts
    for key, row in rows.items():
        assert row["state"] in ("sent", "failed"), (key, row["state"])
        if row["state"] == "sent":
            assert counts[key] == 1, key
        else:
            assert row["last_error"] == INTERRUPTED
    return rows


def _assert_every_file_once(folder: Path, backend: WorkbookBackend) -> None:
    rows = outbox_rows(backend)
    parser = BytesParser(policy=policy.default)
    written = Counter(
        str(parser.parsebytes(path.read_bytes())["X-Sheetops-Key"])
        for path in folder.glob("*.eml")
    )
    assert written == {r.key: 1 for r in reports_for(BATCH)}
    assert {key: row["state"] for key, row in rows.items()} == {
        r.key: "sent" for r in reports_for(BATCH)
    }


def test_a_second_flush_of_the_same_tracker_waits_its_turn(
    tmp_path: Path, settings: Settings, as_of: datetime
) -> None:
    backend = tracker(tmp_path, settings, as_of, many_customers(1))
    queue(backend, settings, as_of, reports_for(1))
    wire = Wire()

    with FileLock(f"{backend.location}.mail.lock"), pytest.raises(MailError) as caught:
        flush(backend, settings, as_of, SmtpLike(wire))
    after = flush(backend, settings, as_of, SmtpLike(wire))

    assert str(caught.value).startswith(
        f"another sheetops process is sending mail for {backend.location}; try "
        "again once it has finished"
    )
    assert (wire.handed, after.sent) == ([reports_for(1)[0].key], 1)
