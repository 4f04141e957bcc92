"""Sending through a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from sheetops.errors import MailError
from sheetops.mailers.keys import MailRequest
from sheetops.mailers.outbox import flush, queue, send_due
from sheetops.mailers.transports import make_transport, message_id
from sheetops.settings import Settings
from tests.mailers.builders import (
    many_customers,
    outbox_rows,
    reports_for,
    seed_customer,
    seed_january,
    smtp_settings,
    tracker,
)
from tests.mailers.smtpd import MailServer

REPORT = MailRequest("time_report", "C-0001", "2026-01-01")


def test_a_report_arrives_with_its_headers_and_both_parts(
    tmp_path: Path, settings: Settings, as_of: datetime, server: MailServer
) -> None:
    mail = smtp_settings(settings, server.port)
    backend = tracker(tmp_path, mail, as_of, seed_january())
    queue(backend, mail, as_of, [REPORT])

    report = flush(backend, mail, as_of)

    [got] = server.recorder.received
    message = got.message
    assert report.sent == 1
    assert (got.mail_from, got.rcpt_tos) == (
        "support@example.com",
        ["kopi@example.com"],
    )
    assert message["From"] == "Support <support@example.com>"
    assert message["To"] == "Warung Kopi <kopi@example.com>"
    assert message["Subject"] == "Your Support Summary - January 2026"
    assert message["Message-ID"] == message_id(REPORT.key, 1, "example.com")
    assert message["Date"] == "Mon, 02 Feb 2026 10:00:00 +0700"
    assert "Time Used: 0.75 hours (75%)" in got.part("plain")
    assert "Need more? Overage rate: Rp 250.000/hour" in got.part("plain")
    assert "<li>Updated color scheme (0.20hr)</li>" in got.part("html")
    row = outbox_rows(backend)[REPORT.key]
    assert (row["state"], row["message_id"]) == ("sent", message["Message-ID"])


def test_an_indonesian_customer_gets_indonesian_mail(
    tmp_path: Path, settings: Settings, as_of: datetime, server: MailServer
) -> None:
    mail = smtp_settings(settings, server.port)
    rows = seed_january()
    rows["Customers"] = [seed_customer(language="id", customer="Warung Bu Sri")]
    backend = tracker(tmp_path, mail, as_of, rows)
    queue(backend, mail, as_of, [REPORT])

    flush(backend, mail, as_of)

    [got] = server.recorder.received
    assert got.message["Subject"] == "Ringkasan Dukungan Anda - Januari 2026"
    assert "Halo Warung Bu Sri," in got.part("plain")
    assert "Terpakai: 0,75 jam (75%)" in got.part("plain")
    assert "Tarif overage: Rp 250.000/jam" in got.part("html")


def test_a_name_with_a_bcc_line_sends_to_nobody_extra(
    tmp_path: Path, settings: Settings, as_of: datetime, server: MailServer
) -> None:
    mail = smtp_settings(settings, server.port)
    rows = seed_january()
    rows["Customers"] = [seed_customer(customer="Kopi\r\nBcc: evil@example.com")]
    rows["Requests"][0].update(
        status="Awaiting Approval",
        approved_on=None,
        preferred_channel="Email",
        description="Fix it\r\nBcc: evil@example.com",
    )
    backend = tracker(tmp_path, mail, as_of, rows)
    queue(
        backend,
        mail,
        as_of,
        [REPORT, MailRequest("approval_request", "C-0001", "REQ-0001")],
    )

    flush(backend, mail, as_of)

    received = server.recorder.received
    assert [r.rcpt_tos for r in received] == [["kopi@example.com"]] * 2
    for got in received:
        assert got.message["Bcc"] is None
        assert got.message["Cc"] is None
        [to] = got.message["To"].addresses
        assert to.addr_spec == "kopi@example.com"
        assert "\n" not in to.display_name and "\r" not in to.display_name
    assert "\n" not in received[1].message["Subject"]
    assert received[1].message["Subject"].startswith("Approval needed: REQ-0001")


def test_mail_waits_while_the_server_is_down_then_arrives_once(
    tmp_path: Path, settings: Settings, as_of: datetime, idle_server: MailServer
) -> None:
    mail = smtp_settings(settings, idle_server.port)
    backend = tracker(tmp_path, mail, as_of, many_customers(3))
    queue(backend, mail, as_of, reports_for(3))

    down = flush(backend, mail, as_of)
    still_down = flush(backend, mail, as_of + timedelta(minutes=1))
    idle_server.start()
    back = flush(backend, mail, as_of + timedelta(minutes=30))
    again = flush(backend, mail, as_of + timedelta(hours=2))

    keys = [r.key for r in reports_for(3)]
    assert (down.retrying, down.sent) == (1, 0)
    assert "Connection refused" in down.stopped
    assert (still_down.retrying, still_down.sent) == (1, 0)
    assert (back.sent, again.sent) == (3, 0)
    assert sorted(idle_server.recorder.keys()) == keys
    rows = outbox_rows(backend)
    assert [rows[k]["attempts"] for k in keys] == [2, 2, 1]
    assert {rows[k]["state"] for k in keys} == {"sent"}


def test_a_refused_recipient_fails_with_the_reply_and_the_others_go(
    tmp_path: Path, settings: Settings, as_of: datetime, server: MailServer
) -> None:
    server.recorder.refuse.add("customer2@example.com")
    mail = smtp_settings(settings, server.port)
    backend = tracker(tmp_path, mail, as_of, many_customers(3))
    queue(backend, mail, as_of, reports_for(3))

    report = flush(backend, mail, as_of)
    later = flush(backend, mail, as_of + timedelta(days=1))

    first, second, third = (r.key for r in reports_for(3))
    rows = outbox_rows(backend)
    assert (report.sent, report.failed, later.sent) == (2, 1, 0)
    assert sorted(server.recorder.keys()) == [first, third]
    assert (rows[second]["state"], rows[second]["attempts"]) == ("failed", 1)
    assert str(rows[second]["last_error"]) == (
        f"127.0.0.1:{server.port} refused the recipient customer2@example.com: "
        "550 5.1.1 <customer2@example.com>: mailbox unavailable; fix the cause "
        "(often the customer's Email), then set State to queued"
    )


def test_mail_flush_sends_due_notices_once(
    tmp_path: Path, settings: Settings, as_of: datetime, server: MailServer
) -> None:
    mail = smtp_settings(settings, server.port)
    rows = seed_january()
    rows["Time Log"][0]["date"] = datetime(2026, 2, 2)
    rows["Time Log"][0]["minutes"] = 50
    backend = tracker(tmp_path, mail, as_of, rows)

    first = send_due(backend, mail, as_of)
    second = send_due(backend, mail, as_of + timedelta(hours=1))

    assert (first.queued, first.sent, second.queued, second.sent) == (1, 1, 0, 0)
    [got] = server.recorder.received
    assert got.message["Subject"] == "You've used 83% of this month's support hours"
    assert "so you have 0.17 hours left" in got.part("plain")


def test_starttls_on_a_server_without_it_is_explained(
    tmp_path: Path, settings: Settings, as_of: datetime, server: MailServer
) -> None:
    mail = smtp_settings(settings, server.port, smtp_security="starttls")
    backend = tracker(tmp_path, mail, as_of, seed_january())
    queue(backend, mail, as_of, [REPORT])

    report = flush(backend, mail, as_of)

    assert server.recorder.received == []
    assert report.stopped == (
        f"could not send through 127.0.0.1:{server.port}: it does not offer "
        "STARTTLS; set [mail] smtp_security to ssl or none"
    )
    assert outbox_rows(backend)[REPORT.key]["state"] == "queued"


def test_a_login_the_server_cannot_take_never_logs_the_password(
    tmp_path: Path,
    settings: Settings,
    as_of: datetime,
    server: MailServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    mail = smtp_settings(
        settings, server.port, smtp_user="mailer", smtp_password="s3cret-pw"
    )
    backend = tracker(tmp_path, mail, as_of, seed_january())
    queue(backend, mail, as_of, [REPORT])

    with caplog.at_level(logging.DEBUG):
        report = flush(backend, mail, as_of)

    row = outbox_rows(backend)[REPORT.key]
    assert "does not offer a login (AUTH)" in report.stopped
    assert "s3cret-pw" not in caplog.text
    assert "s3cret-pw" not in str(row["last_error"])
    assert "s3cret-pw" not in repr(mail)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"smtp_host": ""},
            "[mail] smtp_host is empty; set it or SHEETOPS_MAIL_SMTP_HOST (or use "
            'transport = "outbox")',
        ),
        (
            {"smtp_user": "mailer", "smtp_password": ""},
            "[mail] smtp_user is 'mailer' but no password is set; put it in the "
            "environment as SHEETOPS_MAIL_SMTP_PASSWORD",
        ),
        (
            {"sender": "not an address"},
            "[mail] sender = 'not an address' is not an address like "
            "'Support <support@example.com>'; set it or SHEETOPS_MAIL_SENDER",
        ),
    ],
    ids=["no-host", "no-password", "bad-sender"],
)
def test_smtp_misconfiguration_names_the_setting(
    settings: Settings, changes: dict[str, str], message: str
) -> None:
    mail = smtp_settings(settings, 25, **changes)

    with pytest.raises(MailError) as caught:
        make_transport(mail.mail)

    assert str(caught.value) == message
