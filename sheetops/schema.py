"""The tracker's tabs and columns: the one place that spells a header.

Every tab is declared here once. Each column has a ``field`` (the
snake_case name the code and the DataFrames use) and a ``header`` (what
staff see in row 1). Staff columns are typed by people; computed columns
are written by sheetops. Validation, ``init`` and the writer all read
this module, so a header is renamed here or nowhere.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import Enum

from sheetops.errors import TrackerLayoutError


class Kind(Enum):
    """Who writes a column."""

    STAFF = "staff"
    COMPUTED = "computed"


class Type(Enum):
    """What a column holds, for parsing and validation."""

    TEXT = "text"
    NUMBER = "number"
    WHOLE = "whole number"
    DATE = "date"
    DATETIME = "date and time"
    TIME = "time of day"
    BOOL = "checkbox"
    CHOICE = "choice"
    EMAIL = "email address"
    PHONE = "phone number"
    MONTH = "month"


TIERS = ("R1", "R2", "R3")
REQUEST_TYPES = ("A", "B", "C")
CHANNELS = ("Email", "WhatsApp", "Phone")
URGENCIES = ("Low", "Normal", "High", "Urgent")
STATUSES = (
    "New",
    "Estimated",
    "Awaiting Approval",
    "Approved",
    "In Progress",
    "Delivered",
    "Confirmed",
    "Closed",
    "Deferred",
    "Declined",
)
LANGUAGES = ("en", "id")
CALL_KINDS = ("Monthly Check-in", "Strategic Call", "Quarterly Deep Dive")
CALL_MEDIA = ("video", "phone")
ALERT_STATUSES = ("Open", "Resolved", "Known Event")
OUTBOX_STATES = ("queued", "sending", "sent", "failed")


@dataclass(frozen=True)
class Column:
    """One column of a tab."""

    field: str
    header: str
    kind: Kind = Kind.STAFF
    type: Type = Type.TEXT
    choices: tuple[str, ...] = ()
    required: bool = False
    # A column staff may leave out of their tracker (older layouts).
    optional: bool = False

    @property
    def computed(self) -> bool:
        return self.kind is Kind.COMPUTED


@dataclass(frozen=True)
class Tab:
    """One tab of the tracker."""

    name: str
    columns: tuple[Column, ...]
    # The column that identifies a row; sheetops fills it when blank.
    key: str | None = None
    id_prefix: str = ""
    # Tabs only sheetops writes to (ledgers and logs): it appends rows.
    ledger: bool = False

    def __iter__(self) -> Iterator[Column]:
        return iter(self.columns)

    def column(self, field: str) -> Column:
        """The column with this field name."""
        for column in self.columns:
            if column.field == field:
                return column
        raise KeyError(f"{self.name} has no column {field!r}")

    @property
    def staff(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if not c.computed)

    @property
    def computed(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.computed)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


def staff(field: str, header: str, type: Type = Type.TEXT, **extra: object) -> Column:
    return Column(field, header, Kind.STAFF, type, **extra)  # type: ignore[arg-type]


def computed(field: str, header: str, type: Type = Type.TEXT) -> Column:
    return Column(field, header, Kind.COMPUTED, type)


def choice(
    field: str, header: str, choices: tuple[str, ...], **extra: object
) -> Column:
    return Column(field, header, Kind.STAFF, Type.CHOICE, choices, **extra)  # type: ignore[arg-type]


PROBLEMS = computed("problems", "Problems")

CUSTOMERS = Tab(
    "Customers",
    (
        staff("customer_id", "Customer ID"),
        staff("customer", "Customer", required=True),
        choice("tier", "Tier", TIERS, required=True),
        staff("start_date", "Start Date", Type.DATE, required=True),
        staff("email", "Email", Type.EMAIL),
        staff("whatsapp", "WhatsApp", Type.PHONE),
        choice("language", "Language", LANGUAGES),
        staff("dashboard", "Dashboard"),
        staff("active", "Active", Type.BOOL),
        computed("monthly_allocation", "Monthly Allocation", Type.NUMBER),
        computed("used_hours", "Used (Hours)", Type.NUMBER),
        computed("committed_hours", "Committed (Hours)", Type.NUMBER),
        computed("remaining", "Remaining", Type.NUMBER),
        computed("period_start", "Period Start", Type.DATE),
        computed("reset_date", "Reset Date", Type.DATE),
        computed("overage_hours", "Overage (Hours)", Type.NUMBER),
        computed("overage_rp", "Overage (Rp)", Type.WHOLE),
        computed("hint", "Hint"),
        PROBLEMS,
    ),
    key="customer_id",
    id_prefix="C-",
)

REQUESTS = Tab(
    "Requests",
    (
        staff("request_id", "Request ID"),
        staff("received_at", "Received At", Type.DATETIME, required=True),
        staff("customer", "Customer", required=True),
        choice("channel", "Channel", CHANNELS),
        choice("preferred_channel", "Preferred Channel", CHANNELS),
        choice("urgency", "Urgency", URGENCIES),
        staff("description", "Description"),
        choice("type", "Type", REQUEST_TYPES),
        staff("catalog_task", "Catalog Task"),
        staff("quantity", "Quantity", Type.NUMBER),
        staff("estimate_minutes", "Estimate (min)", Type.NUMBER),
        staff("approved_on", "Approved On", Type.DATE),
        staff("overage_approved", "Overage Approved", Type.BOOL),
        choice("status", "Status", STATUSES),
        staff("first_response_at", "First Response At", Type.DATETIME),
        staff("delivered_on", "Delivered On", Type.DATE),
        staff("confirmed_on", "Confirmed On", Type.DATE),
        staff("closed_on", "Closed On", Type.DATE),
        staff("release_notes", "Release Notes"),
        staff("answered", "Answered", Type.BOOL),
        staff("tested", "Tested", Type.BOOL),
        staff("customer_notified", "Customer Notified", Type.BOOL),
        staff("docs_updated", "Docs Updated", Type.BOOL),
        staff("follow_up", "Follow-up", Type.BOOL),
        computed("tier", "Tier"),
        computed("suggested_type", "Suggested Type"),
        computed("estimate", "Estimate"),
        computed("approval_message", "Approval Message"),
        computed("whatsapp_link", "WhatsApp Link"),
        computed("delivery_eta", "Delivery ETA", Type.DATE),
        computed("first_response_due", "First Response Due", Type.DATETIME),
        computed("resolution_due", "Resolution Due", Type.DATETIME),
        computed("sla", "SLA"),
        computed("logged_hours", "Logged (Hours)", Type.NUMBER),
        PROBLEMS,
    ),
    key="request_id",
    id_prefix="REQ-",
)

TIME_LOG = Tab(
    "Time Log",
    (
        staff("date", "Date", Type.DATE, required=True),
        staff("request_id", "Request ID"),
        staff("customer", "Customer"),
        staff("work_done", "Work Done"),
        staff("minutes", "Minutes", Type.NUMBER),
        staff("started", "Started", Type.TIME, optional=True),
        staff("stopped", "Stopped", Type.TIME, optional=True),
        staff("staff", "Staff"),
        computed("hours", "Hours", Type.NUMBER),
        computed("billing_period", "Billing Period"),
        computed("counts_toward_allocation", "Counts Toward Allocation", Type.BOOL),
        PROBLEMS,
    ),
)

CATALOG = Tab(
    "Catalog",
    (
        staff("task", "Task", required=True),
        staff("min_minutes", "Min (min)", Type.NUMBER, required=True),
        staff("max_minutes", "Max (min)", Type.NUMBER, required=True),
        staff("example", "Example"),
        PROBLEMS,
    ),
    key="task",
)

CALLS = Tab(
    "Calls",
    (
        staff("customer", "Customer", required=True),
        choice("kind", "Kind", CALL_KINDS, required=True),
        staff("month", "Month", Type.MONTH, required=True),
        staff("scheduled_for", "Scheduled For", Type.DATETIME),
        staff("held_on", "Held On", Type.DATE),
        choice("medium", "Medium", CALL_MEDIA),
        staff("action_items", "Action Items"),
        computed("tier", "Tier"),
        computed("duration_minutes", "Duration (min)", Type.WHOLE),
        computed("due_by", "Due By", Type.DATE),
        computed("status", "Status"),
        PROBLEMS,
    ),
)

HOLIDAYS = Tab(
    "Holidays",
    (
        staff("date", "Date", Type.DATE, required=True),
        staff("name", "Name"),
        staff("off", "Off", Type.BOOL),
        PROBLEMS,
    ),
)

USAGE_HISTORY = Tab(
    "Usage History",
    (
        staff("customer_id", "Customer ID"),
        staff("customer", "Customer"),
        staff("tier", "Tier"),
        staff("period_start", "Period Start", Type.DATE),
        staff("period_end", "Period End", Type.DATE),
        staff("allocation", "Monthly Allocation", Type.NUMBER),
        staff("used_hours", "Used (Hours)", Type.NUMBER),
        staff("overage_hours", "Overage (Hours)", Type.NUMBER),
        staff("overage_rp", "Overage (Rp)", Type.WHOLE),
        staff("closed_at", "Closed At", Type.DATETIME),
    ),
    ledger=True,
)

ALERTS = Tab(
    "Alerts",
    (
        staff("alert_id", "Alert ID"),
        staff("raised_at", "Raised At", Type.DATETIME),
        staff("customer", "Customer"),
        staff("check", "Check"),
        staff("week", "Week"),
        staff("value", "Value"),
        staff("baseline", "Baseline"),
        staff("message", "Message"),
        choice("status", "Status", ALERT_STATUSES),
        staff("internal", "Internal", Type.BOOL),
    ),
    key="alert_id",
    ledger=True,
)

OUTBOX = Tab(
    "Outbox",
    (
        staff("key", "Key"),
        staff("kind", "Kind"),
        staff("customer", "Customer"),
        staff("recipient", "To"),
        staff("subject", "Subject"),
        choice("state", "State", OUTBOX_STATES),
        staff("attempts", "Attempts", Type.WHOLE),
        staff("last_error", "Last Error"),
        staff("message_id", "Message-ID"),
        staff("queued_at", "Queued At", Type.DATETIME),
        staff("sent_at", "Sent At", Type.DATETIME),
        staff("next_attempt", "Next Attempt", Type.DATETIME),
    ),
    key="key",
    ledger=True,
)

STATUS = Tab(
    "Status",
    (
        staff("item", "Item"),
        staff("value", "Value"),
        staff("updated_at", "Updated At", Type.DATETIME),
    ),
    key="item",
    ledger=True,
)

TABS: tuple[Tab, ...] = (
    CUSTOMERS,
    REQUESTS,
    TIME_LOG,
    CATALOG,
    CALLS,
    HOLIDAYS,
    USAGE_HISTORY,
    ALERTS,
    OUTBOX,
    STATUS,
)


def tab(name: str) -> Tab:
    """The tab declared with this name."""
    for candidate in TABS:
        if candidate.name == name:
            return candidate
    raise KeyError(name)


def loose(text: object) -> str:
    """Text as people compare it: case and runs of spaces ignored.

    Used for headers, tab titles, customer names and IDs alike; a blank
    or NaN cell is "".
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    return " ".join(str(text).split()).casefold()


def locate(tab: Tab, header_row: Sequence[object]) -> dict[str, int]:
    """Map each field of ``tab`` found in ``header_row`` to its 0-based index.

    Staff may reorder, insert or hide columns, so columns are found by
    header. A missing staff column that is required raises; a missing
    computed or optional column is simply left out of the map.
    """
    positions: dict[str, int] = {}
    wanted = {loose(c.header): c for c in tab.columns}
    for index, text in enumerate(header_row):
        column = wanted.get(loose(text))
        if column is not None and column.field not in positions:
            positions[column.field] = index

    missing = [
        c.header
        for c in tab.columns
        if c.field not in positions and not c.computed and not c.optional
    ]
    if missing:
        names = ", ".join(repr(h) for h in missing)
        raise TrackerLayoutError(
            f"tab {tab.name!r} has no column {names}; add the header in row 1 "
            "(or run `sheetops init`, which adds missing columns)"
        )
    return positions
