"""What each email says, built from one read of the tracker.

Mail is composed when it is sent, from the tracker as it is then: the
sheet is the source of truth, and a figure staff corrected after the
mail was queued goes out corrected. A request that can no longer be
composed (a customer without an Email, a request that was deleted)
raises MailError naming what to fix.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parseaddr
from typing import Any

import pandas as pd

from sheetops import schema
from sheetops.errors import MailError
from sheetops.formatting import language_of, overage_cost, tier_label
from sheetops.mailers import keys
from sheetops.mailers.agendas import agenda
from sheetops.mailers.invoice import overage_line
from sheetops.mailers.keys import MailRequest
from sheetops.mailers.render import Rendered, hours_text, render
from sheetops.mailers.usage import (
    customer_record,
    customer_tier,
    day_of,
    number_of,
    period_usage,
)
from sheetops.rules.compute import Book, prepare_book
from sheetops.rules.messages import approval_message
from sheetops.rules.validation import parse_tab
from sheetops.settings import CallPlan, Settings
from sheetops.sync.backend import Grid, Snapshot
from sheetops.sync.engine import load_tracker

Context = dict[str, Any]
# Staff read their own alerts in English.
STAFF_LANGUAGE = "en"


@dataclass(frozen=True)
class Source:
    """One read of the tracker, computed, and the moment it stands for."""

    book: Book
    alerts: pd.DataFrame
    settings: Settings
    as_of: datetime

    @property
    def today(self) -> date:
        return self.as_of.date()


@dataclass(frozen=True)
class Draft:
    """An email ready to address: who gets it, in which language, what it says."""

    request: MailRequest
    to_name: str
    to_address: str
    language: str
    rendered: Rendered


def read_source(snapshot: Snapshot, settings: Settings, as_of: datetime) -> Source:
    """Parse and compute the tracker once, for composing any number of emails."""
    tracker = load_tracker(snapshot)
    book = prepare_book(tracker.tables, settings, as_of.date())
    return Source(book, _alerts(snapshot), settings, as_of)


def compose(request: MailRequest, source: Source, language: str | None = None) -> Draft:
    """The email ``request`` stands for, in the customer's language.

    ``language`` overrides the customer's Language column (for previews).
    """
    record = customer_record(source.book, request.customer_id)
    internal = request.kind in keys.INTERNAL_KINDS
    default = STAFF_LANGUAGE if internal else str(record["language"])
    lang = language_of(language or default)
    context = _common(record, source) | BUILDERS[request.kind](
        request, record, source, lang
    )
    name, address = _recipient(request, record, source.settings)
    return Draft(request, name, address, lang, render(request.kind, lang, context))


def _common(record: dict[str, object], source: Source) -> Context:
    tier = source.settings.tiers.get(str(record["tier"]))
    team = parseaddr(source.settings.mail.sender)[0] or "Support"
    return {
        "customer": str(record["customer"]),
        "customer_id": str(record["customer_id"]),
        "tier_label": tier_label(tier) if tier else str(record["tier"]),
        "team": team,
        "zone": source.settings.business.time_zone.key,
    }


def _recipient(
    request: MailRequest, record: dict[str, object], settings: Settings
) -> tuple[str, str]:
    if request.kind in keys.INTERNAL_KINDS:
        if not settings.mail.staff:
            raise MailError(
                "[mail] staff is empty, so staff alerts have nowhere to go; set it "
                "or SHEETOPS_MAIL_STAFF"
            )
        return "", settings.mail.staff
    address = str(record["email"]).strip()
    if not address:
        raise MailError(
            f"{record['customer']} ({record['customer_id']}) has no Email on the "
            "Customers tab; add it, then set this Outbox row's State to queued"
        )
    return str(record["customer"]), address


def _period(request: MailRequest) -> date:
    try:
        return date.fromisoformat(request.ref)
    except ValueError:
        raise MailError(
            f"{request.kind} ref {request.ref!r} is not a period start like 2026-01-05"
        ) from None


def _time_report(
    request: MailRequest, record: dict[str, object], source: Source, lang: str
) -> Context:
    usage = period_usage(
        source.book, source.settings, request.customer_id, _period(request)
    )
    if usage.allocation_hours <= 0:
        raise MailError(
            f"{usage.customer} ({usage.customer_id}) is on {usage.tier.code}, which "
            f"has no custom-work hours, so there is no {request.kind} to send"
        )
    step = source.settings.thresholds.overage_step_minutes
    return {
        "usage": usage,
        "rate": usage.tier.overage_rate,
        "over_cost": overage_cost(usage.over_minutes, usage.tier.overage_rate, step),
    }


def _budget_notice(
    request: MailRequest, record: dict[str, object], source: Source, lang: str
) -> Context:
    context = _time_report(request, record, source, lang)
    threshold = source.settings.thresholds.budget_notice
    return context | {"threshold": round(threshold * 100)}


def _approval_request(
    request: MailRequest, record: dict[str, object], source: Source, lang: str
) -> Context:
    row = _request_row(source.book, request)
    tier = customer_tier(record, source.settings)
    estimate = number_of(row["estimate_minutes"])
    if math.isnan(estimate) or estimate <= 0:
        raise MailError(
            f"request {request.ref} has no estimate; pick its Catalog Task or fill "
            "Estimate (min)"
        )
    used = number_of(record["used_hours"])
    return {
        "request_id": str(row["request_id"]),
        "description": str(row["description"]).strip(),
        "message": approval_message(
            estimate, tier, used, day_of(record["reset_date"]), lang, source.settings
        ),
    }


def _overage_invoice(
    request: MailRequest, record: dict[str, object], source: Source, lang: str
) -> Context:
    line = overage_line(
        source.book, source.settings, request.customer_id, _period(request)
    )
    if line.amount <= 0:
        raise MailError(
            f"{line.usage.customer} ({request.customer_id}) used no overage in the "
            f"period starting {request.ref}; there is nothing to invoice"
        )
    return {"line": line, "usage": line.usage}


def _call_invitation(
    request: MailRequest, record: dict[str, object], source: Source, lang: str
) -> Context:
    month, kind = keys.split_call_ref(request.ref)
    tier = customer_tier(record, source.settings)
    plan = _call_plan(tier.calls, kind, tier_label(tier))
    row = _call_row(source.book, record, plan.kind, month)
    scheduled = row.get("scheduled_for") if row else None
    medium = str(row.get("medium", "")) if row else ""
    return {
        "call_kind": plan.kind,
        "call_minutes": plan.minutes,
        "month": date.fromisoformat(f"{month}-01"),
        "scheduled": _moment_or_none(scheduled),
        # A medium staff picked is named only where the tier offers a choice.
        "medium": medium if len(plan.media) > 1 and medium in plan.media else "",
        "agenda": agenda(plan.kind, lang, hours_text(tier.allocation_hours, lang)),
    }


def _alert(
    request: MailRequest, record: dict[str, object], source: Source, lang: str
) -> Context:
    frame = source.alerts
    wanted = request.ref.strip().casefold()
    hits = frame[frame["alert_id"].str.strip().str.casefold() == wanted]
    if hits.empty:
        raise MailError(
            f"Alert ID {request.ref!r} is not on the Alerts tab; fix the Outbox "
            "row's Key or restore the alert"
        )
    alert = hits.iloc[0]
    raised = alert["raised_at"]
    return {
        "alert": {
            "id": str(alert["alert_id"]),
            "check": str(alert["check"]),
            "value": str(alert["value"]),
            "usual": str(alert["baseline"]),
            "message": str(alert["message"]),
            "week": str(alert["week"]),
            "raised": _moment_or_none(raised),
        },
        "dashboard": str(record["dashboard"]).strip(),
    }


def _moment_or_none(value: object) -> datetime | None:
    """A parsed date-and-time cell; None when blank (NaT)."""
    if value is pd.NaT or not isinstance(value, datetime):
        return None
    return value


def _request_row(book: Book, request: MailRequest) -> dict[str, object]:
    frame = book.requests
    wanted = request.ref.strip().casefold()
    hits = frame.index[frame["request_id"].str.strip().str.casefold() == wanted]
    if not len(hits):
        raise MailError(
            f"Request ID {request.ref!r} is not on the Requests tab; fix the Outbox "
            "row's Key or restore the request"
        )
    row = {str(k): v for k, v in frame.loc[hits[0]].to_dict().items()}
    if str(row["customer_id"]).casefold() != request.customer_id.casefold():
        raise MailError(
            f"request {request.ref} belongs to {row['customer_id'] or 'no customer'}, "
            f"not {request.customer_id}; fix the Outbox row's Key"
        )
    return row


def _call_plan(calls: tuple[CallPlan, ...], kind: str, tier: str) -> CallPlan:
    for plan in calls:
        if plan.kind.casefold() == kind.strip().casefold():
            return plan
    offered = ", ".join(plan.kind for plan in calls) or "no calls"
    raise MailError(f"{tier} includes no {kind!r} call (it has {offered})")


def _call_row(
    book: Book, record: dict[str, object], kind: str, month: str
) -> dict[str, object] | None:
    """The Calls row planning this call, if staff have added one."""
    frame = book.table(schema.CALLS).frame
    names = {
        str(record["customer_id"]).casefold(),
        " ".join(str(record["customer"]).split()).casefold(),
    }
    customers = frame["customer"].map(lambda v: " ".join(str(v).split()).casefold())
    hits = frame[
        customers.isin(names) & (frame["kind"] == kind) & (frame["month"] == month)
    ]
    if hits.empty:
        return None
    return {str(k): v for k, v in hits.iloc[0].to_dict().items()}


def _alerts(snapshot: Snapshot) -> pd.DataFrame:
    title = snapshot.title(schema.ALERTS.name)
    grid: Grid = snapshot.grids[title] if title else [list(schema.ALERTS.headers)]
    return parse_tab(schema.ALERTS, title or schema.ALERTS.name, grid).frame


BUILDERS: dict[str, Callable[[MailRequest, dict[str, object], Source, str], Context]]
BUILDERS = {
    keys.TIME_REPORT: _time_report,
    keys.BUDGET_NOTICE: _budget_notice,
    keys.APPROVAL_REQUEST: _approval_request,
    keys.OVERAGE_INVOICE: _overage_invoice,
    keys.CALL_INVITATION: _call_invitation,
    keys.PROACTIVE_ALERT: _alert,
    keys.STAFF_ALERT: _alert,
}
