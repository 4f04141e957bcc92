"""What the mail commands do, as lines to print: report, invoice, flush, preview."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from sheetops import schema
from sheetops.errors import MailError
from sheetops.mailers import keys
from sheetops.mailers.compose import Draft, Source, compose, read_source
from sheetops.mailers.invoice import (
    monthly_invoice,
    parse_month,
    previous_month,
    table_lines,
    write_csv,
)
from sheetops.mailers.keys import MailRequest, call_ref, period_ref
from sheetops.mailers.outbox import FlushReport, flush, queue, send_due
from sheetops.mailers.usage import (
    current_period_start,
    customer_record,
    last_closed_period_start,
    period_starting_in,
)
from sheetops.settings import Settings
from sheetops.sync.backend import Backend
from sheetops.sync.ledger import Ledger

# A request still waiting for the customer, newest first, is previewed.
WAITING = ("Awaiting Approval", "Estimated", "New", "")


def report(
    backend: Backend,
    settings: Settings,
    as_of: datetime,
    customer: str,
    period: str | None,
    send: bool,
) -> list[str]:
    """A customer's time report as text; with ``send``, queued and sent too."""
    source = read_source(backend.read(), settings, as_of)
    record = customer_record(source.book, find_customer(source, customer))
    if period:
        start = period_starting_in(record, parse_month(period))
    else:
        start = last_closed_period_start(record, source.today)
    request = MailRequest(
        keys.TIME_REPORT, str(record["customer_id"]), period_ref(start)
    )
    lines = draft_lines(compose(request, source))
    if send:
        lines += ["", *send_now(backend, settings, as_of, [request])]
    return lines


def invoice(
    backend: Backend,
    settings: Settings,
    as_of: datetime,
    month: str | None,
    csv_path: Path | None,
    dry_run: bool,
) -> list[str]:
    """The month's overage table; writes the CSV and queues the invoice mail."""
    source = read_source(backend.read(), settings, as_of)
    first = parse_month(month) if month else previous_month(source.today)
    found = monthly_invoice(source.book, settings, first, source.today)
    if found.lines:
        lines = table_lines(found)
    else:
        lines = [f"No overage in the billing periods that reset in {first:%Y-%m}."]
    lines += found.not_ended
    if csv_path is not None:
        write_csv(found, csv_path)
        lines.append(f"Wrote {len(found.lines)} lines to {csv_path}.")
    if found.lines and not dry_run:
        added = queue(backend, settings, as_of, found.mail())
        lines.append(
            f"Queued {added} new invoice emails in the Outbox "
            f"({len(found.lines) - added} were there already); "
            "`sheetops mail flush` sends them."
        )
    return lines


def flush_due(backend: Backend, settings: Settings, as_of: datetime) -> list[str]:
    """Queue what is due, send what is queued; one line per row, then totals."""
    done = send_due(backend, settings, as_of)
    return [event.describe() for event in done.events] + [
        f"{backend.location}: queued {done.queued} new, {done.summary()}"
    ]


def preview(
    backend: Backend,
    settings: Settings,
    as_of: datetime,
    kind: str,
    customer: str,
    ref: str | None,
    language: str | None,
    html: bool,
) -> list[str]:
    """Any kind of mail rendered for a customer, without sending anything."""
    source = read_source(backend.read(), settings, as_of)
    customer_id = find_customer(source, customer)
    request = MailRequest(
        kind, customer_id, ref or default_ref(source, kind, customer_id)
    )
    return draft_lines(compose(request, source, language), html=html)


def send_now(
    backend: Backend,
    settings: Settings,
    as_of: datetime,
    requests: Iterable[MailRequest],
) -> list[str]:
    """Queue these requests and send just them, now."""
    wanted = list(requests)
    queue(backend, settings, as_of, wanted)
    done: FlushReport = flush(
        backend, settings, as_of, only=[request.key for request in wanted]
    )
    lines = [event.describe() for event in done.events]
    handled = {event.key.casefold() for event in done.events}
    states = _states(backend)
    for request in wanted:
        if request.key.casefold() not in handled:
            state = states.get(request.key.casefold(), "?")
            lines.append(
                f"{request.key}: already in the Outbox as {state}; set its State "
                "to queued there to send it again"
            )
    return lines


def find_customer(source: Source, text: str) -> str:
    """The Customer ID a Customer ID or exact name (case ignored) stands for."""
    frame = source.book.customers
    wanted = " ".join(text.split()).casefold()
    for field in ("customer_id", "customer"):
        names = frame[field].map(lambda value: " ".join(str(value).split()).casefold())
        hits = frame.loc[names == wanted, "customer_id"]
        if len(hits) and str(hits.iloc[0]):
            return str(hits.iloc[0])
    raise MailError(
        f"{text!r} is not a Customer ID or name on the Customers tab (a customer "
        "with no ID yet gets one at the next `sheetops sync`)"
    )


def default_ref(source: Source, kind: str, customer_id: str) -> str:
    """What a preview is about when no --ref is given."""
    record = customer_record(source.book, customer_id)
    if kind in (keys.TIME_REPORT, keys.OVERAGE_INVOICE):
        return period_ref(last_closed_period_start(record, source.today))
    if kind == keys.BUDGET_NOTICE:
        return period_ref(current_period_start(record, source.today))
    if kind == keys.APPROVAL_REQUEST:
        return _waiting_request(source, customer_id)
    if kind == keys.CALL_INVITATION:
        return _next_call(source, record)
    return _latest_alert(source, record)


def draft_lines(draft: Draft, *, html: bool = False) -> list[str]:
    """A draft as the terminal shows it: headers, a blank line, one part."""
    to = draft.to_address
    if draft.to_name:
        to = f"{draft.to_name} <{draft.to_address}>"
    body = draft.rendered.html if html else draft.rendered.text
    return [
        f"To: {to}",
        f"Subject: {draft.rendered.subject}",
        f"Language: {draft.language}",
        "",
        *body.rstrip("\n").splitlines(),
    ]


def _waiting_request(source: Source, customer_id: str) -> str:
    asks = source.book.requests
    mine = asks[
        (asks["customer_id"] == customer_id)
        & (asks["type"] == "B")
        & asks["status"].isin(WAITING)
        & (asks["request_id"] != "")
    ]
    if mine.empty:
        raise MailError(
            f"{customer_id} has no custom-work request awaiting approval; pass "
            "--ref REQUEST_ID"
        )
    return str(mine.sort_values("received_at")["request_id"].iloc[-1])


def _next_call(source: Source, record: dict[str, object]) -> str:
    tier = source.settings.tiers.get(str(record["tier"]))
    monthly = [call for call in (tier.calls if tier else ()) if call.every == "month"]
    if not monthly:
        raise MailError(
            f"{record['customer']} ({record['customer_id']}) has no monthly call "
            "in its tier; pass --ref '2026-02:Strategic Call'"
        )
    return call_ref(f"{source.as_of:%Y-%m}", monthly[0].kind)


def _latest_alert(source: Source, record: dict[str, object]) -> str:
    alerts = source.alerts
    names = {
        str(record["customer_id"]).casefold(),
        str(record["customer"]).casefold(),
    }
    mine = alerts[
        alerts["customer"].str.strip().str.casefold().isin(names)
        & (alerts["alert_id"] != "")
    ]
    if mine.empty:
        raise MailError(
            f"the Alerts tab has no alert for {record['customer']}; pass --ref ALERT_ID"
        )
    newest = mine.sort_values("raised_at", na_position="first")
    return str(newest["alert_id"].iloc[-1])


def _states(backend: Backend) -> dict[str, str]:
    outbox = Ledger.read(schema.OUTBOX, backend.read())
    frame = outbox.frame
    return {
        str(key).strip().casefold(): str(state) or "(blank)"
        for key, state in zip(frame["key"], frame["state"], strict=True)
        if str(key).strip()
    }
