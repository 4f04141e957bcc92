"""What a piece of mail is: its kind, its customer, and what it is about.

Every email sheetops sends has a key, ``kind:customer_id:ref``, and the
Outbox tab holds at most one row per key. That is what makes a restart
or a second daemon cycle harmless: a key already in the Outbox is never
queued again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sheetops.errors import MailError

TIME_REPORT = "time_report"
BUDGET_NOTICE = "budget_notice"
APPROVAL_REQUEST = "approval_request"
OVERAGE_INVOICE = "overage_invoice"
CALL_INVITATION = "call_invitation"
PROACTIVE_ALERT = "proactive_alert"
STAFF_ALERT = "staff_alert"
KINDS = (
    TIME_REPORT,
    BUDGET_NOTICE,
    APPROVAL_REQUEST,
    OVERAGE_INVOICE,
    CALL_INVITATION,
    PROACTIVE_ALERT,
    STAFF_ALERT,
)
# Mail for the team rather than the customer.
INTERNAL_KINDS = frozenset({STAFF_ALERT})
# "2026-02:Strategic Call"; a space in place of the colon is read too.
CALL_REF = re.compile(r"^(\d{4}-\d{2})[: ](.+)$")


@dataclass(frozen=True)
class MailRequest:
    """One email that should exist: ``kind`` to ``customer_id`` about ``ref``.

    ``ref`` is what the kind is about: a period start ("2026-01-05") for a
    time report, budget notice or overage invoice; a Request ID for an
    approval request; "2026-02:Strategic Call" (see :func:`call_ref`) for
    a call invitation; an Alert ID for the alerts.
    """

    kind: str
    customer_id: str
    ref: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise MailError(
                f"mail kind {self.kind!r} is unknown; use one of {', '.join(KINDS)}"
            )
        if not self.customer_id.strip() or ":" in self.customer_id:
            raise MailError(
                f"mail {self.kind} needs a Customer ID without ':', "
                f"not {self.customer_id!r}; run `sheetops sync` to fill blank IDs"
            )
        if not self.ref.strip():
            raise MailError(f"mail {self.kind} for {self.customer_id} needs a ref")

    @property
    def key(self) -> str:
        """The Outbox key: ``kind:customer_id:ref``."""
        return f"{self.kind}:{self.customer_id}:{self.ref}"

    @classmethod
    def from_key(cls, key: str) -> MailRequest:
        """The request a key stands for; the ref may itself hold colons."""
        parts = key.strip().split(":", 2)
        if len(parts) != 3:
            raise MailError(
                f"Outbox Key {key!r} is not kind:customer:ref, e.g. "
                "time_report:C-0001:2026-01-01; fix or delete the row"
            )
        return cls(*parts)


def period_ref(period_start: date) -> str:
    """The ref of mail about one billing period: its first day."""
    return period_start.isoformat()


def call_ref(month: str, kind: str) -> str:
    """The ref of a call invitation: the Calls tab's Month and Kind."""
    return f"{month}:{kind}"


def split_call_ref(ref: str) -> tuple[str, str]:
    """(month, kind) of a call invitation's ref, as :func:`call_ref` makes it."""
    match = CALL_REF.match(ref.strip())
    if not match:
        raise MailError(
            f"call invitation ref {ref!r} is not 'YYYY-MM:Kind', e.g. "
            "'2026-02:Strategic Call'"
        )
    return match[1], match[2].strip()
