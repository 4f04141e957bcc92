"""How a message leaves: an outbox folder of .eml files, or an SMTP server.

``[mail] transport`` picks one. The outbox folder is the default, so a
fresh install works with no mail server: each message becomes
``<outbox>/<timestamp>-<key>.eml``, a file any mail program opens.

A failed send is classified, because what happens next depends on it:

- unreachable: the server could not be reached or refused us (connection
  refused, timeout, TLS or login trouble); nothing was handed over, try
  again later, and don't bother the server with the rest of the batch;
- temporary: the server answered 4xx for this message; try it later;
- permanent: the server answered 5xx (an unknown recipient, a rejected
  message); trying again won't help, a person must look;
- uncertain: the connection broke after the message itself was sent, so
  it may have arrived; a person checks before it is sent again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import format_datetime, parseaddr
from enum import Enum
from pathlib import Path
from typing import Protocol

from sheetops.errors import MailError
from sheetops.mailers.render import Rendered
from sheetops.settings import MailSettings

logger = logging.getLogger(__name__)

# Control characters (CR and LF above all) would let a name or subject
# start a header of its own; they become spaces.
CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
SLUG = re.compile(r"[^a-z0-9]+")


class Failure(Enum):
    """What a failed send means for the next attempt."""

    UNREACHABLE = "unreachable"
    TEMPORARY = "temporary"
    PERMANENT = "permanent"
    UNCERTAIN = "uncertain"

    @property
    def retry(self) -> bool:
        return self in (Failure.UNREACHABLE, Failure.TEMPORARY)


class DeliveryError(MailError):
    """A message was not (or may not have been) delivered, and why."""

    def __init__(self, reason: str, failure: Failure) -> None:
        super().__init__(reason)
        self.failure = failure


@dataclass(frozen=True)
class Envelope:
    """A message with its Outbox key, envelope addresses and send time."""

    key: str
    sender: str
    recipients: tuple[str, ...]
    message: EmailMessage
    as_of: datetime

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


class Transport(Protocol):
    """Where messages go."""

    def send(self, envelope: Envelope) -> None:
        """Hand the message over, or raise DeliveryError."""
        ...

    def delivered(self, key: str, message_id: str) -> bool | None:
        """Whether a message was handed over: True, False, or None for unknown."""
        ...


def make_transport(mail: MailSettings) -> Transport:
    """The transport ``[mail] transport`` names, its settings checked."""
    sender_address(mail)
    if mail.transport == "smtp":
        return SmtpTransport(mail)
    return OutboxTransport(mail.outbox)


def sender_address(mail: MailSettings) -> Address:
    """``[mail] sender`` as an address; a clear error when it isn't one."""
    name, addr = parseaddr(mail.sender)
    try:
        return _address(name, addr)
    except MailError:
        raise MailError(
            f"[mail] sender = {mail.sender!r} is not an address like "
            "'Support <support@example.com>'; set it or SHEETOPS_MAIL_SENDER"
        ) from None


def message_id(key: str, attempt: int, domain: str) -> str:
    """A Message-ID that is the same for the same key and attempt."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]
    return f"<{digest}.{attempt}@{domain}>"


def make_envelope(
    key: str,
    attempt: int,
    to_name: str,
    to_address: str,
    rendered: Rendered,
    mail: MailSettings,
    as_of: datetime,
) -> Envelope:
    """The message for one Outbox row: headers, plain text and HTML parts."""
    sender = sender_address(mail)
    recipient = _address(to_name, to_address)
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = _clean(rendered.subject)
    message["Date"] = format_datetime(as_of)
    message["Message-ID"] = message_id(key, attempt, sender.domain)
    # Tells autoresponders not to answer, and staff which Outbox row it is.
    message["Auto-Submitted"] = "auto-generated"
    message["X-Sheetops-Key"] = _clean(key)
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return Envelope(key, sender.addr_spec, (recipient.addr_spec,), message, as_of)


def _address(name: str, addr: str) -> Address:
    try:
        found = Address(display_name=_clean(name), addr_spec=addr.strip())
    except (ValueError, IndexError, HeaderParseError):
        raise MailError(f"{addr!r} is not an email address") from None
    if not found.username or not found.domain:
        raise MailError(f"{addr!r} is not an email address")
    return found


def _clean(text: str) -> str:
    return " ".join(CONTROL.sub(" ", text).split())


def slug(key: str) -> str:
    """A key as a file-name part: "time_report:C-0001:2026-01-01" → lowercase."""
    return SLUG.sub("-", key.lower()).strip("-")


class OutboxTransport:
    """Writes each message to ``folder`` as an .eml file."""

    def __init__(self, folder: Path) -> None:
        # Relative to the current directory, as a path on the command line is.
        self.folder = Path(folder)

    def send(self, envelope: Envelope) -> None:
        """Write the message atomically: a reader never sees half a file."""
        data = envelope.message.as_bytes()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            target = self._free_name(envelope)
            temp = target.with_name(f".{target.name}.tmp")
            with temp.open("wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, target)
        except OSError as exc:
            raise DeliveryError(
                f"could not write to the outbox folder {self.folder}: {exc}",
                Failure.UNREACHABLE,
            ) from exc
        logger.debug("wrote %s", target)

    def delivered(self, key: str, message_id: str) -> bool:
        """Whether a file for ``key`` carries this Message-ID."""
        return any(
            self._message_id(path) == message_id
            for path in self.folder.glob(f"*-{slug(key)}*.eml")
        )

    def _free_name(self, envelope: Envelope) -> Path:
        stamp = envelope.as_of.strftime("%Y%m%dT%H%M%S")
        base = f"{stamp}-{slug(envelope.key)}"
        target = self.folder / f"{base}.eml"
        number = 2
        while target.exists():
            target = self.folder / f"{base}-{number}.eml"
            number += 1
        return target

    @staticmethod
    def _message_id(path: Path) -> str:
        with path.open("rb") as handle:
            headers = BytesHeaderParser(policy=policy.default).parse(handle)
        return str(headers.get("Message-ID", "")).strip()


class SmtpTransport:
    """Sends through ``[mail] smtp_host``, one connection per message."""

    def __init__(self, mail: MailSettings) -> None:
        if not mail.smtp_host:
            raise MailError(
                "[mail] smtp_host is empty; set it or SHEETOPS_MAIL_SMTP_HOST "
                '(or use transport = "outbox")'
            )
        if mail.smtp_user and not mail.smtp_password:
            raise MailError(
                f"[mail] smtp_user is {mail.smtp_user!r} but no password is set; "
                "put it in the environment as SHEETOPS_MAIL_SMTP_PASSWORD"
            )
        if mail.smtp_user and mail.smtp_security == "none":
            logger.warning(
                "[mail] smtp_security is none: the SMTP password for %s would "
                "cross the network unencrypted; use starttls or ssl",
                mail.smtp_user,
            )
        self.mail = mail
        self.server = f"{mail.smtp_host}:{mail.smtp_port}"

    def send(self, envelope: Envelope) -> None:
        """Deliver one message, classifying any failure."""
        payload = envelope.message.as_bytes(policy=policy.SMTP)
        smtp = self._connect()
        try:
            self._transmit(smtp, envelope, payload)
        finally:
            _close(smtp)

    def delivered(self, key: str, message_id: str) -> None:
        """An SMTP server can't be asked whether it has a message: unknown."""
        return None

    def _connect(self) -> smtplib.SMTP:
        """An open, greeted, secured and logged-in connection."""
        smtp = self._open()
        try:
            if self.mail.smtp_security == "starttls":
                self._starttls(smtp)
            if self.mail.smtp_user:
                self._login(smtp)
        except DeliveryError:
            _close(smtp)
            raise
        return smtp

    def _open(self) -> smtplib.SMTP:
        mail = self.mail
        smtp: smtplib.SMTP | None = None
        try:
            if mail.smtp_security == "ssl":
                smtp = smtplib.SMTP_SSL(
                    mail.smtp_host,
                    mail.smtp_port,
                    timeout=mail.timeout_seconds,
                    context=ssl.create_default_context(),
                )
            else:
                smtp = smtplib.SMTP(
                    mail.smtp_host, mail.smtp_port, timeout=mail.timeout_seconds
                )
            smtp.ehlo()
        except (OSError, smtplib.SMTPException) as exc:
            _close(smtp)
            raise self._unreachable(str(exc) or type(exc).__name__) from None
        return smtp

    def _starttls(self, smtp: smtplib.SMTP) -> None:
        try:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        except smtplib.SMTPNotSupportedError:
            raise self._unreachable(
                "it does not offer STARTTLS; set [mail] smtp_security to ssl or none"
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise self._unreachable(str(exc) or type(exc).__name__) from None

    def _login(self, smtp: smtplib.SMTP) -> None:
        user = self.mail.smtp_user
        try:
            smtp.login(user, self.mail.smtp_password)
        except smtplib.SMTPNotSupportedError:
            raise self._unreachable(
                "it does not offer a login (AUTH); leave [mail] smtp_user empty, "
                "or use smtp_security starttls or ssl, which many servers want first"
            ) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise self._unreachable(
                f"it refused the login of [mail] smtp_user {user!r} "
                f"({_reply(exc.smtp_code, exc.smtp_error)}); check "
                "SHEETOPS_MAIL_SMTP_PASSWORD"
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise self._unreachable(str(exc) or type(exc).__name__) from None

    def _transmit(self, smtp: smtplib.SMTP, envelope: Envelope, payload: bytes) -> None:
        try:
            code, reply = smtp.mail(envelope.sender)
            if code != 250:
                raise self._unreachable(
                    f"it refused the sender {envelope.sender} "
                    f"({_reply(code, reply)}); check [mail] sender"
                )
            for recipient in envelope.recipients:
                code, reply = smtp.rcpt(recipient)
                if code not in (250, 251):
                    raise self._refused(f"the recipient {recipient}", code, reply)
        except (OSError, smtplib.SMTPServerDisconnected) as exc:
            raise self._unreachable(str(exc) or type(exc).__name__) from None
        self._data(smtp, payload)

    def _data(self, smtp: smtplib.SMTP, payload: bytes) -> None:
        try:
            code, reply = smtp.data(payload)
        except smtplib.SMTPDataError as exc:
            # A definite answer: the server would not take this message.
            raise self._refused("the message", exc.smtp_code, exc.smtp_error) from None
        except (OSError, smtplib.SMTPException) as exc:
            # The message may have been sent in full before the line broke.
            raise DeliveryError(
                f"the connection to {self.server} broke while the message was "
                f"being handed over ({exc or type(exc).__name__}), so it may have "
                "arrived",
                Failure.UNCERTAIN,
            ) from None
        if code != 250:
            raise self._refused("the message", code, reply)

    def _unreachable(self, why: str) -> DeliveryError:
        return DeliveryError(
            f"could not send through {self.server}: {why}", Failure.UNREACHABLE
        )

    def _refused(self, what: str, code: int, reply: bytes | str) -> DeliveryError:
        failure = Failure.PERMANENT if code >= 500 else Failure.TEMPORARY
        return DeliveryError(
            f"{self.server} refused {what}: {_reply(code, reply)}", failure
        )


def _reply(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return f"{code} {' '.join(text.split())}"


def _close(smtp: smtplib.SMTP | None) -> None:
    """Say goodbye if the server still listens; never fail over it."""
    if smtp is None:
        return
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()
