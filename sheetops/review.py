"""The R3 Quarterly Deep Dive: the written summary the consultant brings, as a PDF.

The seed's 90-minute agenda gives the document its shape: an executive
summary (the quarter's figures and highlights), performance against the
previous quarter and the same quarter a year ago (revenue, food cost,
margin), week-by-week charts, the quarter's alerts, the support used
(hours by month from the Time Log, work delivered with its release
notes), and ruled space for what the consultant brings to the call:
competitive benchmarking, strategic recommendations and the dashboard
roadmap. Figures come from the customer's own dashboard, read as the
weekly checks read it; the rest from the tracker. It is written in the
customer's language.

The PDF is laid out by reportlab (see :mod:`sheetops.review_charts`): a
mature library that needs no system packages, flows text and tables
over pages by itself and embeds the charts matplotlib draws.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from babel.dates import format_date
from dateutil.relativedelta import relativedelta

from sheetops import schema
from sheetops.errors import SheetopsError
from sheetops.formatting import day, hours_number, language_of, rupiah, tier_label
from sheetops.monitor.config import monitor_settings
from sheetops.monitor.contract import DashboardError, parse_dashboard
from sheetops.monitor.quarters import Figures, Quarter, quarter_figures, quarter_weeks
from sheetops.monitor.sources import DashboardReader
from sheetops.monitor.wording import LOCALES, long_day, percent
from sheetops.review_charts import (
    LABELS,
    Block,
    Chart,
    Document,
    Series,
    render_pdf,
    weekly_charts,
)
from sheetops.rules.compute import Book, prepare_book
from sheetops.rules.validation import find_customer
from sheetops.schema import loose
from sheetops.settings import Settings
from sheetops.sync.backend import Backend
from sheetops.sync.engine import load_tracker
from sheetops.sync.ledger import Ledger

__all__ = ["Quarter", "Review", "build_review", "default_path", "write_review"]

FINISHED = ("Delivered", "Confirmed", "Closed")
OPEN = "Open"
# Past these the tables would push the document beyond four pages; the
# rest are on the tracker's tabs.
MAX_ROWS = 10
NOTES_CHARS = 200
NOT_KNOWN = "–"
# Lines to write on in each of the consultant's sections.
RULED = {"benchmarking": 5, "recommendations": 11, "roadmap": 7}


@dataclass(frozen=True)
class AlertLine:
    """An Alerts row raised in the quarter."""

    alert_id: str
    week: str
    check: str
    message: str
    status: str


@dataclass(frozen=True)
class MonthUsage:
    """Support hours logged in one month, and the custom-work hours included."""

    month: date
    hours: float
    custom_hours: float
    included: float


@dataclass(frozen=True)
class Delivery:
    """A piece of work handed over in the quarter."""

    request_id: str
    delivered: date
    description: str
    release_notes: str


@dataclass
class Review:
    """Everything the deep-dive document shows, gathered once."""

    customer_id: str
    customer: str
    tier: str
    language: str
    quarter: Quarter
    prepared: date
    figures: dict[Quarter, Figures | None] = field(default_factory=dict)
    weeks: dict[Quarter, list[Figures | None]] = field(default_factory=dict)
    alerts: list[AlertLine] = field(default_factory=list)
    usage: list[MonthUsage] = field(default_factory=list)
    delivered: list[Delivery] = field(default_factory=list)
    dashboard_problem: str = ""
    # The last day with figures when they stop before the quarter's end;
    # the other quarters are then compared over the same first days.
    figures_until: date | None = None

    @property
    def quarters(self) -> tuple[Quarter, Quarter, Quarter]:
        """This quarter, the previous one, and the same one a year before."""
        return self.quarter, self.quarter.previous(), self.quarter.year_before()


def default_quarter(today: date) -> Quarter:
    """The quarter a deep dive held ``today`` reviews: the last one that ended."""
    return Quarter.of(today).previous()


def default_path(review: Review) -> Path:
    """``review-<customer-id>-2026Q1.pdf``, in the working directory."""
    who = review.customer_id or re.sub(r"\W+", "-", review.customer).strip("-")
    return Path(f"review-{who}-{review.quarter.label}.pdf")


def build_review(
    backend: Backend,
    settings: Settings,
    as_of: datetime,
    customer: str,
    quarter: Quarter,
) -> Review:
    """Gather a customer's quarter from the tracker and their dashboard."""
    snapshot = backend.read()
    book = prepare_book(load_tracker(snapshot).tables, settings, as_of.date())
    record = _customer(book, customer)
    tier = settings.tiers.get(str(record["tier"]))
    if tier is None or not any(plan.every == "quarter" for plan in tier.calls):
        shown = tier_label(tier) if tier else str(record["tier"]) or "no tier"
        raise SheetopsError(
            f"{record['customer']} is on {shown}, which has no quarterly deep "
            "dive; it comes with the tiers that include a quarterly call (R3)"
        )
    review = Review(
        customer_id=str(record["customer_id"]),
        customer=str(record["customer"]),
        tier=tier_label(tier),
        language=language_of(record["language"]),
        quarter=quarter,
        prepared=as_of.date(),
    )
    _add_figures(review, backend, settings, str(record["dashboard"]))

    review.alerts = _alerts(Ledger.read(schema.ALERTS, snapshot).frame, review)
    review.usage = _usage(book, review, tier.allocation_hours)
    review.delivered = _delivered(book, review)
    return review


def write_review(review: Review, path: Path) -> Path:
    """Write the review as a PDF at ``path``."""
    render_pdf(document(review), path)
    return path


def _customer(book: Book, customer: str) -> dict[str, object]:
    row = find_customer(book.customers, customer)
    return {str(k): v for k, v in row.to_dict().items()}


def _add_figures(
    review: Review, backend: Backend, settings: Settings, location: str
) -> None:
    """This quarter's, the previous one's and the year-ago one's, by week too."""
    contract = monitor_settings(settings).contract
    reader = DashboardReader(backend, settings, contract)
    try:
        daily = parse_dashboard(reader.read(location), contract).figures
    except DashboardError as exc:
        review.dashboard_problem = exc.reason
        return
    finally:
        reader.close()
    days = None
    covered = review.quarter.rows(daily).index
    if len(covered) and covered.max().date() < review.quarter.end:
        review.figures_until = covered.max().date()
        days = review.quarter.day_number(review.figures_until)
    for quarter in review.quarters:
        review.figures[quarter] = quarter_figures(daily, quarter, days)
        review.weeks[quarter] = quarter_weeks(daily, quarter)


def _alerts(frame: pd.DataFrame, review: Review) -> list[AlertLine]:
    names = {loose(review.customer_id), loose(review.customer)}
    mine = frame["customer"].map(loose).isin(names)
    raised = frame["raised_at"]
    after = pd.Timestamp(review.quarter.end + relativedelta(days=1))
    inside = (raised >= pd.Timestamp(review.quarter.start)) & (raised < after)
    return [
        AlertLine(
            str(row["alert_id"]),
            str(row["week"]),
            str(row["check"]),
            str(row["message"]),
            str(row["status"]),
        )
        for _, row in frame[mine & inside].iterrows()
    ]


def _usage(book: Book, review: Review, included: float) -> list[MonthUsage]:
    log = book.time_log
    mine = log[(log["customer_id"] == review.customer_id) & log["date"].notna()]
    found = []
    for month in review.quarter.months():
        after = month + relativedelta(months=1)
        dated = (mine["date"] >= pd.Timestamp(month)) & (
            mine["date"] < pd.Timestamp(after)
        )
        rows = mine[dated]
        hours = rows["hours"].astype(float).fillna(0.0)
        custom = hours[rows["counts_toward_allocation"].astype(bool)]
        found.append(
            MonthUsage(month, float(hours.sum()), float(custom.sum()), included)
        )
    return found


def _delivered(book: Book, review: Review) -> list[Delivery]:
    asks = book.requests
    mine = asks[
        (asks["customer_id"] == review.customer_id) & asks["status"].isin(FINISHED)
    ]
    handed = mine["delivered_on"].fillna(mine["closed_on"])
    inside = (handed >= pd.Timestamp(review.quarter.start)) & (
        handed <= pd.Timestamp(review.quarter.end)
    )
    found = [
        Delivery(
            str(row["request_id"]),
            pd.Timestamp(when).date(),
            str(row["description"]).strip(),
            str(row["release_notes"]).strip(),
        )
        for (_, row), when in zip(mine[inside].iterrows(), handed[inside], strict=True)
    ]
    return sorted(found, key=lambda d: (d.delivered, d.request_id))


# -- what the document says ----------------------------------------------------


def document(review: Review) -> Document:
    """The review as text sections, in the customer's language."""
    text = LABELS[review.language]
    lang = review.language
    quarter = review.quarter
    span = f"{long_day(quarter.start, lang)} – {long_day(quarter.end, lang)}"
    prepared = text["prepared"].format(day=long_day(review.prepared, lang))
    blocks = [
        _summary(review, text),
        _performance(review, text),
        *_charts(review, text),
        _alert_block(review, text),
        _usage_block(review, text),
        _delivered_block(review, text),
    ]
    for index, key in enumerate(RULED):
        blocks.append(
            Block(
                heading=text[key],
                text=text[f"{key}_hint"],
                ruled=RULED[key],
                new_page=index == 0,
            )
        )
    return Document(
        title=f"{text['title']} {quarter.title}",
        subtitle=f"{review.customer} ({review.customer_id}) · {review.tier}",
        byline=f"{quarter.title}: {span} · {prepared}",
        footer=text["footer"].format(
            customer=review.customer, quarter=quarter.title, page="{page}"
        ),
        blocks=tuple(blocks),
    )


def _summary(review: Review, text: dict[str, str]) -> Block:
    lang = review.language
    now = review.figures.get(review.quarter)
    previous = review.quarter.previous()
    before = review.figures.get(previous)
    custom = sum(m.custom_hours for m in review.usage)
    included = sum(m.included for m in review.usage)
    boxes = (
        (
            text["revenue"],
            rupiah(now.revenue) if now else NOT_KNOWN,
            _versus(_growth(now, before, "revenue", lang), previous),
        ),
        (
            text["food_cost"],
            _pct(now.food_cost_pct if now else None, lang),
            _versus(_points(now, before, "food_cost_pct", text, lang), previous),
        ),
        (
            text["margin"],
            rupiah(now.margin) if now else NOT_KNOWN,
            text["of_revenue"].format(pct=_pct(now.margin_pct, lang)) if now else "",
        ),
        (
            text["support"],
            f"{hours_number(custom, lang)} h",
            text["included"].format(hours=hours_number(included, lang)),
        ),
    )
    return Block(text["summary"], boxes=boxes, bullets=tuple(_highlights(review, text)))


def _versus(change: str, quarter: Quarter) -> str:
    return f"{change} vs {quarter.title}" if change else ""


def _highlights(review: Review, text: dict[str, str]) -> list[str]:
    lang = review.language
    now = review.figures.get(review.quarter)
    if now is None:
        reason = review.dashboard_problem or text["no_days"]
        lines = [text["no_figures"].format(reason=reason)]
    else:
        lines = _figure_highlights(review, text, now)
    opened = sum(1 for a in review.alerts if a.status == OPEN)
    lines.append(text["h_alerts"].format(count=len(review.alerts), open=opened))
    lines.append(
        text["h_support"].format(
            hours=hours_number(sum(m.hours for m in review.usage), lang),
            custom=hours_number(sum(m.custom_hours for m in review.usage), lang),
            included=hours_number(sum(m.included for m in review.usage), lang),
            count=len(review.delivered),
        )
    )
    return lines


def _figure_highlights(review: Review, text: dict[str, str], now: Figures) -> list[str]:
    lang = review.language
    changes = []
    for quarter in review.quarters[1:]:
        before = review.figures.get(quarter)
        if before is not None and before.revenue > 0:
            change = (now.revenue - before.revenue) / before.revenue * 100
            word = "up" if change >= 0 else "down"
            pct = percent(abs(change), lang)
            changes.append(text[word].format(pct=pct, quarter=quarter.title))
    previous = review.figures.get(review.quarter.previous())
    lines = [
        text["h_revenue"].format(
            amount=rupiah(now.revenue), changes="; ".join(changes) or NOT_KNOWN
        ),
        text["h_food"].format(
            pct=_pct(now.food_cost_pct, lang),
            quarter=review.quarter.previous().title,
            before=_pct(previous.food_cost_pct if previous else None, lang),
        ),
        text["h_margin"].format(
            amount=rupiah(now.margin), pct=_pct(now.margin_pct, lang)
        ),
    ]
    whole = [(n, w) for n, w in enumerate(review.weeks.get(review.quarter, [])) if w]
    best = max(whole, key=lambda item: item[1].revenue, default=None)
    worst = min(whole, key=lambda item: item[1].revenue, default=None)
    if best and worst and best[1].revenue != worst[1].revenue:
        lines.append(
            text["h_weeks"].format(
                best=_week_words(review, best, text),
                worst=_week_words(review, worst, text),
            )
        )
    return lines


def _week_words(review: Review, week: tuple[int, Figures], text: dict[str, str]) -> str:
    number, figures = week
    start = review.quarter.start + relativedelta(weeks=number)
    return text["week_of"].format(
        day=day(start, review.language), amount=rupiah(figures.revenue)
    )


def _performance(review: Review, text: dict[str, str]) -> Block:
    lang = review.language
    now, before, last_year = (review.figures.get(q) for q in review.quarters)
    previous, year_ago = review.quarters[1:]
    header = (
        "",
        f"{text['this_quarter']} ({review.quarter.title})",
        previous.title,
        text["change"],
        year_ago.title,
        text["change"],
    )
    rows = [header]
    for key in (
        "revenue",
        "food_cost",
        "food_cost_pct",
        "other_costs",
        "margin",
        "margin_pct",
        "days",
    ):
        rows.append(
            (
                text[key],
                _value(now, key, lang),
                _value(before, key, lang),
                _change(now, before, key, text, lang),
                _value(last_year, key, lang),
                _change(now, last_year, key, text, lang),
            )
        )
    widths = ("19%", "19%", "17%", "11%", "23%", "11%")
    note = ""
    if review.figures_until is not None:
        note = text["partial"].format(
            quarter=review.quarter.title,
            day=long_day(review.figures_until, lang),
            days=review.quarter.day_number(review.figures_until),
        )
    return Block(text["performance"], table=tuple(rows), widths=widths, note=note)


def _charts(review: Review, text: dict[str, str]) -> list[Block]:
    if review.figures.get(review.quarter) is None:
        return []
    revenue, food = [], []
    for quarter in review.quarters:
        weeks = review.weeks.get(quarter, [])
        revenue.append(Series(quarter.title, [w.revenue if w else None for w in weeks]))
        food.append(
            Series(quarter.title, [w.food_cost_pct if w else None for w in weeks])
        )
    png = weekly_charts(
        [
            Chart(text["chart_revenue"], revenue, "", scale=1_000_000),
            Chart(text["chart_food"], food, "%"),
        ],
        text["chart_axis"],
    )
    return [Block(text["charts"], chart=png)]


def _alert_block(review: Review, text: dict[str, str]) -> Block:
    if not review.alerts:
        return Block(text["alerts"], text=text["no_alerts"])
    rows = [tuple(text["alert_columns"].split("|"))]
    rows += [
        (a.alert_id, a.week, a.check, a.message, a.status)
        for a in review.alerts[:MAX_ROWS]
    ]
    return Block(
        text["alerts"],
        table=tuple(rows),
        widths=("11%", "11%", "14%", "50%", "14%"),
        note=_more(len(review.alerts), schema.ALERTS.name, text),
    )


def _usage_block(review: Review, text: dict[str, str]) -> Block:
    lang = review.language
    rows = [tuple(text["usage_columns"].split("|"))]
    for usage in review.usage:
        rows.append(
            (
                format_date(usage.month, "LLLL y", locale=LOCALES[lang]),
                hours_number(usage.hours, lang),
                hours_number(usage.custom_hours, lang),
                hours_number(usage.included, lang),
            )
        )
    rows.append(
        (
            text["total"],
            hours_number(sum(m.hours for m in review.usage), lang),
            hours_number(sum(m.custom_hours for m in review.usage), lang),
            hours_number(sum(m.included for m in review.usage), lang),
        )
    )
    return Block(text["usage"], table=tuple(rows), widths=("31%", "23%", "23%", "23%"))


def _delivered_block(review: Review, text: dict[str, str]) -> Block:
    if not review.delivered:
        return Block(text["delivered"], text=text["no_delivered"])
    rows = [tuple(text["delivered_columns"].split("|"))]
    rows += [
        (
            d.request_id,
            long_day(d.delivered, review.language),
            d.description,
            _shorten(d.release_notes),
        )
        for d in review.delivered[:MAX_ROWS]
    ]
    return Block(
        text["delivered"],
        table=tuple(rows),
        widths=("13%", "15%", "32%", "40%"),
        note=_more(len(review.delivered), schema.REQUESTS.name, text),
    )


def _more(count: int, tab: str, text: dict[str, str]) -> str:
    if count <= MAX_ROWS:
        return ""
    return text["more"].format(count=count - MAX_ROWS, tab=tab)


def _value(figures: Figures | None, key: str, lang: str) -> str:
    if figures is None:
        return NOT_KNOWN
    value = getattr(figures, key)
    if key == "days":
        return str(value)
    if key.endswith("_pct"):
        return _pct(value, lang)
    return rupiah(float(value))


def _change(
    now: Figures | None,
    before: Figures | None,
    key: str,
    text: dict[str, str],
    lang: str,
) -> str:
    if key == "days":
        return ""
    if key.endswith("_pct"):
        return _points(now, before, key, text, lang) or NOT_KNOWN
    return _growth(now, before, key, lang) or NOT_KNOWN


def _growth(now: Figures | None, before: Figures | None, key: str, lang: str) -> str:
    """The relative change of an amount, signed: "+4.2%"; "" when not known."""
    if now is None or before is None or not getattr(before, key):
        return ""
    old, new = float(getattr(before, key)), float(getattr(now, key))
    change = (new - old) / abs(old) * 100
    return ("+" if change >= 0 else "-") + percent(abs(change), lang)


def _points(
    now: Figures | None,
    before: Figures | None,
    key: str,
    text: dict[str, str],
    lang: str,
) -> str:
    """The change of a percentage, in points: "+0.3 pts"; "" when not known."""
    old = getattr(before, key) if before else None
    new = getattr(now, key) if now else None
    if old is None or new is None:
        return ""
    change = new - old
    shown = percent(abs(change), lang).rstrip("%")
    return f"{'+' if change >= 0 else '-'}{shown} {text['points']}"


def _pct(value: float | None, lang: str) -> str:
    return NOT_KNOWN if value is None else percent(value, lang)


def _shorten(notes: str) -> str:
    if len(notes) <= NOTES_CHARS:
        return notes
    return notes[: NOTES_CHARS - 1].rstrip() + "…"
