"""Every computed column of the tracker, from its parsed tabs.

This is where the rules meet: customers are resolved, billing periods
found, budgets, estimates, messages and SLA clocks computed, and each
row's problems gathered into its Problems cell. Pure: parsed tables and
the as-of instant in, one DataFrame of computed fields per tab out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from sheetops import schema
from sheetops.rules import budgets, closing, estimates, messages, periods, sla
from sheetops.rules import calls as call_rules
from sheetops.rules.calendar import BusinessCalendar
from sheetops.rules.validation import (
    Table,
    check_duplicates,
    customer_keys,
    resolve_customers,
)
from sheetops.settings import Settings

# Computed fields written as sheetops' own formulas rather than values.
FORMULA_FIELDS = frozenset({"whatsapp_link"})
# Longest URL a HYPERLINK formula takes in Excel; longer links stay plain.
HYPERLINK_LIMIT = 255


@dataclass
class Book:
    """The parsed tracker with what every rule shares, computed once."""

    tables: dict[str, Table]
    customers: pd.DataFrame
    requests: pd.DataFrame
    time_log: pd.DataFrame
    budget: pd.DataFrame
    calendar: BusinessCalendar

    def table(self, tab: schema.Tab) -> Table:
        return self.tables[tab.name]


def compute_all(
    tables: dict[str, Table], settings: Settings, as_of: datetime
) -> dict[str, pd.DataFrame]:
    """Computed fields (and a joined ``problems``) for each computed tab."""
    book = prepare_book(tables, settings, as_of.date())
    return {
        schema.CUSTOMERS.name: _customers(book),
        schema.REQUESTS.name: _requests(book, settings, as_of),
        schema.TIME_LOG.name: _time_log(book),
        schema.CATALOG.name: _catalog(book.table(schema.CATALOG)),
        schema.HOLIDAYS.name: _problems_only(book.table(schema.HOLIDAYS)),
        schema.CALLS.name: _calls(book, settings, as_of.date()),
    }


def prepare_book(tables: dict[str, Table], settings: Settings, today: date) -> Book:
    """Resolve customers, periods, estimates and budgets for the whole tracker."""
    customers = tables[schema.CUSTOMERS.name]
    requests = tables[schema.REQUESTS.name]
    catalog = tables[schema.CATALOG.name]
    for table, field in (
        (customers, "customer_id"),
        (customers, "customer"),
        (requests, "request_id"),
        (catalog, "task"),
    ):
        check_duplicates(table, field)

    people = _with_current_period(customers.frame, today)
    asks = _requests_frame(requests, customers, catalog, settings)
    work = _time_log_frame(tables[schema.TIME_LOG.name], asks, customers, people)
    work = work.join(budgets.time_log_table(work, asks, settings, today))
    budget = budgets.budget_table(people, asks, work, settings, today)
    people["used_hours"] = budget["used_hours"]

    return Book(
        tables=tables,
        customers=people,
        requests=asks,
        time_log=work,
        budget=budget,
        calendar=calendar_for(tables[schema.HOLIDAYS.name], settings),
    )


def calendar_for(holidays: Table, settings: Settings) -> BusinessCalendar:
    """The business calendar with the Holidays tab's days off and working days."""
    frame = holidays.frame.copy()
    # A date listed with Off left blank is a closure; only an unticked
    # box someone typed FALSE into makes it a working day.
    frame["off_blank"] = [
        holidays.raw(int(row), "off") in (None, "") for row in frame.index
    ]
    return BusinessCalendar.from_holidays_tab(settings.business, frame)


def _with_current_period(customers: pd.DataFrame, today: date) -> pd.DataFrame:
    frame = customers.copy()
    days = pd.Series(pd.Timestamp(today), index=frame.index)
    current = periods.periods_for(frame["start_date"], days)
    frame["period_start"] = current["period_start"]
    frame["reset_date"] = current["reset_date"]
    return frame


def _requests_frame(
    requests: Table, customers: Table, catalog: Table, settings: Settings
) -> pd.DataFrame:
    frame = requests.frame.copy()
    frame["customer_id"] = resolve_customers(requests, *customer_keys(customers.frame))
    estimated = estimates.estimate_table(frame, catalog.frame, settings)
    frame["estimate_minutes"] = estimated["estimate_minutes"]
    frame["estimate"] = estimated["estimate"]
    frame["estimate_problems"] = estimated["problems"]
    return frame


def _time_log_frame(
    time_log: Table, asks: pd.DataFrame, customers: Table, people: pd.DataFrame
) -> pd.DataFrame:
    """Time-log rows with the customer they bill to and its billing period.

    A row's customer comes from its request when it names one, else from
    its Customer cell.
    """
    frame = time_log.frame.copy()
    named = resolve_customers(time_log, *customer_keys(customers.frame))
    ids = asks["request_id"].str.casefold()
    owner = dict(zip(ids[ids != ""], asks["customer_id"][ids != ""], strict=True))
    via_request = frame["request_id"].str.casefold().map(owner)

    for row, problem in _time_log_customer_problems(frame, named, via_request).items():
        time_log.add(int(str(row)), problem)
    frame["customer_id"] = via_request.fillna(named).astype(str)

    starts = frame["customer_id"].map(
        dict(zip(people["customer_id"], people["start_date"], strict=True))
    )
    found = periods.periods_for(pd.to_datetime(starts), frame["date"])
    frame["period_start"] = found["period_start"]
    frame["reset_date"] = found["reset_date"]
    return frame


def _time_log_customer_problems(
    frame: pd.DataFrame, named: pd.Series, owner: pd.Series
) -> pd.Series:
    """Rows naming no customer, an unknown request, or the wrong customer."""
    request_id, customer = frame["request_id"], frame["customer"]
    has_request = request_id != ""
    unknown = has_request & owner.isna()
    mismatch = has_request & (named != "") & owner.notna() & (owner != named)

    problems = pd.Series("", index=frame.index, dtype=object)
    problems[(~has_request) & (customer == "")] = (
        "Request ID and Customer: both blank; fill in at least one"
    )
    problems[unknown] = pd.Series(
        [f"Request ID: {r!r} is not on the Requests tab" for r in request_id[unknown]],
        index=request_id.index[unknown],
        dtype=object,
    )
    problems[mismatch] = pd.Series(
        [
            f"Customer: {c!r} is not the customer of {r} ({o})"
            for c, r, o in zip(
                customer[mismatch], request_id[mismatch], owner[mismatch], strict=True
            )
        ],
        index=request_id.index[mismatch],
        dtype=object,
    )
    return problems[problems != ""]


def _customers(book: Book) -> pd.DataFrame:
    result = book.budget.drop(columns=["problems"])
    result["period_start"] = book.customers["period_start"]
    result["reset_date"] = book.customers["reset_date"]
    result["problems"] = _joined(book.table(schema.CUSTOMERS), book.budget["problems"])
    return result


def _requests(book: Book, settings: Settings, as_of: datetime) -> pd.DataFrame:
    asks, work = book.requests, book.time_log
    by_id = book.customers.drop_duplicates("customer_id").set_index("customer_id")
    tiers = asks["customer_id"].map(by_id["tier"]).fillna("").astype(str)

    logged = work.groupby(work["request_id"].str.casefold())["minutes_worked"].sum()
    logged_minutes = asks["request_id"].str.casefold().map(logged).fillna(0.0)
    clocks = sla.sla_table(asks, tiers, book.calendar, settings, as_of)
    worded = messages.request_messages(asks, book.customers, settings)
    links = messages.whatsapp_links(
        asks, book.customers, worded["approval_message"], settings
    )

    result = pd.DataFrame(index=asks.index)
    result["tier"] = tiers
    result["suggested_type"] = estimates.suggested_types(asks)
    result["estimate"] = asks["estimate"]
    result["approval_message"] = worded["approval_message"]
    result["whatsapp_link"] = links.map(_hyperlink)
    for field in ("delivery_eta", "first_response_due", "resolution_due", "sla"):
        result[field] = clocks[field]
    result["logged_hours"] = (logged_minutes / 60).round(2)
    result["problems"] = _joined(
        book.table(schema.REQUESTS),
        asks["estimate_problems"],
        clocks["problems"],
        messages.type_problems(asks, tiers, settings),
        budgets.overage_approval_problems(asks, work, book.customers, settings),
        closing.closing_problems(asks, logged_minutes),
    )
    return result


def _hyperlink(url: str) -> str:
    if not url or len(url) > HYPERLINK_LIMIT:
        return url
    return f'=HYPERLINK("{url}","WhatsApp")'


def _time_log(book: Book) -> pd.DataFrame:
    work = book.time_log
    result = pd.DataFrame(index=work.index)
    result["hours"] = work["hours"]
    result["billing_period"] = periods.period_labels(work)
    result["counts_toward_allocation"] = work["counts_toward_allocation"]
    result["problems"] = _joined(book.table(schema.TIME_LOG), work["problems"])
    return result


def _catalog(catalog: Table) -> pd.DataFrame:
    frame = catalog.frame
    for row in frame.index[frame["min_minutes"] > frame["max_minutes"]]:
        catalog.add(int(row), "Min (min) is more than Max (min); swap them")
    for row in frame.index[(frame["min_minutes"] <= 0) | (frame["max_minutes"] <= 0)]:
        catalog.add(int(row), "Min (min) and Max (min) must be more than 0 minutes")
    return _problems_only(catalog)


def _calls(book: Book, settings: Settings, today: date) -> pd.DataFrame:
    calls = book.table(schema.CALLS)
    ids = resolve_customers(calls, *customer_keys(book.customers))
    tiers = dict(
        zip(book.customers["customer_id"], book.customers["tier"], strict=True)
    )
    result = call_rules.call_columns(
        calls.frame, ids, tiers, settings, book.calendar, today
    )
    result["problems"] = _joined(calls, result["problems"])
    return result


def _problems_only(table: Table) -> pd.DataFrame:
    result = pd.DataFrame(index=table.frame.index)
    result["problems"] = _joined(table)
    return result


def _joined(table: Table, *rule_problems: pd.Series) -> pd.Series:
    """Each row's problems as one cell of sentences, validation first.

    A column already named by an earlier sentence isn't named again: once
    "Minutes: 'abc' is not a number" is said, a rule's "Minutes: blank"
    only confuses. Only rows with something to say are visited.
    """
    index = table.frame.index
    found = [
        s[s.map(lambda v: isinstance(v, list) and bool(v))].to_dict()
        for s in rule_problems
    ]
    rows = set(table.problems).union(*found).intersection(index)

    joined = dict.fromkeys(index.tolist(), "")
    for row in rows:
        sentences = list(table.problems.get(int(str(row)), []))
        for problems in found:
            sentences.extend(problems.get(row, []))
        joined[row] = "; ".join(_first_per_column(sentences))
    return pd.Series(joined, index=index, dtype=str)


def _first_per_column(sentences: list[str]) -> list[str]:
    kept: dict[str, str] = {}
    for sentence in sentences:
        column = sentence.split(":", 1)[0] if ":" in sentence else sentence
        kept.setdefault(column, sentence)
    return list(kept.values())
