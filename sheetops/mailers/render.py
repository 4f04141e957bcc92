"""Templates into text: jinja2, strict about variables, HTML autoescaped.

Each kind of mail has four templates beside this module,
``<kind>.<language>.txt`` and ``<kind>.<language>.html``, for English
("en") and Bahasa Indonesia ("id"). The text template sets ``subject``;
the HTML one extends ``_layout.html``. A variable a template names but
the context lacks is an error, never a silent blank in a customer's mail.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import pandas as pd
from babel.dates import format_date, format_interval, format_skeleton, format_time
from babel.numbers import format_decimal
from jinja2 import (
    Environment,
    PackageLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context

from sheetops.errors import MailError
from sheetops.formatting import day, language_of, minutes, rupiah

LOCALES = {"en": "en_US", "id": "id_ID"}
# Customers read Indonesian time zones by their short names.
ZONE_NAMES = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}
HOUR_WORDS = {"en": ("hour", "hours"), "id": ("jam", "jam")}
# The 24-hour clock, as Indonesia writes it (and CLDR's 12-hour English
# form puts a narrow no-break space before "PM" that some mail apps mangle).
CLOCK = {"en": "HH:mm", "id": "HH.mm"}
NARROW_SPACES = re.compile("[\u2009\u202f]")


@dataclass(frozen=True)
class Rendered:
    """One email's words: its subject, plain text part and HTML part."""

    subject: str
    text: str
    html: str


def render(kind: str, language: str, context: Mapping[str, Any]) -> Rendered:
    """Render ``kind`` in ``language`` (blank or unknown reads as English)."""
    lang = language_of(language)
    values = {**context, "lang": lang}
    name = f"{kind}.{lang}"
    try:
        module = environment().get_template(f"{name}.txt").make_module(values)
        subject = " ".join(str(getattr(module, "subject", "")).split())
        html = (
            environment()
            .get_template(f"{name}.html")
            .render({**values, "subject": subject})
        )
    except TemplateNotFound as exc:
        raise MailError(f"there is no mail template {exc.name}") from None
    except TemplateError as exc:
        raise MailError(f"mail template {name}: {exc}") from exc
    if not subject:
        raise MailError(f"mail template {name}.txt sets no subject")
    return Rendered(subject=subject, text=_tidy(str(module)), html=html)


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The template environment, built once."""
    env = Environment(
        loader=PackageLoader("sheetops.mailers", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",)),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        rupiah=rupiah,
        hours=_hours_filter,
        figure=_figure_filter,
        day=_day_filter,
        moment=_moment_filter,
        minutes=_minutes_filter,
        month=_month_filter,
        span=_span_filter,
    )
    return env


def figure(value: float, language: str, *, fixed: bool = False) -> str:
    """Hours as the seed writes them: "1.0", "0.75"; ``fixed`` gives "0.30"."""
    pattern = "0.00" if fixed else "0.0#"
    rounded = round(float(value), 2) + 0.0  # + 0.0 turns -0.0 into 0.0
    return format_decimal(rounded, format=pattern, locale=_locale(language))


def hours_text(value: float, language: str, *, fixed: bool = False) -> str:
    """Hours with their unit: "1.0 hour", "0.75 hours", "0,75 jam"."""
    singular, plural = HOUR_WORDS[language_of(language)]
    unit = singular if round(float(value), 2) == 1 else plural
    return f"{figure(value, language, fixed=fixed)} {unit}"


def moment(value: datetime, language: str, zone: str = "") -> str:
    """A date and time of day: "Tuesday, February 10, 2026, 14:00 WIB"."""
    lang = language_of(language)
    when = f"{format_date(value, 'full', locale=LOCALES[lang])}, "
    when += format_time(value, CLOCK[lang], locale=LOCALES[lang])
    label = ZONE_NAMES.get(zone, zone)
    return f"{when} {label}" if label else when


def month_title(value: date, language: str) -> str:
    """A month with its year: "January 2026", "Januari 2026"."""
    return format_skeleton("yMMMM", value, locale=_locale(language))


def span(first: date, last: date, language: str) -> str:
    """A billing period by its first and last day: "Jan 5 – Feb 4, 2026".

    A period that is exactly one calendar month reads as the month, as
    the seed's report does ("January 2026").
    """
    following = (pd.Timestamp(first) + pd.DateOffset(months=1)).date()
    if first.day == 1 and (following - last).days == 1:
        return month_title(first, language)
    shown = str(format_interval(first, last, "yMMMd", locale=_locale(language)))
    # CLDR pads the dash with thin spaces; plain ones survive every mail app.
    return NARROW_SPACES.sub(" ", shown)


@pass_context
def _hours_filter(context: Context, value: float, fixed: bool = False) -> str:
    return hours_text(value, context["lang"], fixed=fixed)


@pass_context
def _figure_filter(context: Context, value: float, fixed: bool = False) -> str:
    return figure(value, context["lang"], fixed=fixed)


@pass_context
def _day_filter(context: Context, value: date, long: bool = False) -> str:
    return day(value, context["lang"], long=long)


@pass_context
def _moment_filter(context: Context, value: datetime, zone: str = "") -> str:
    return moment(value, context["lang"], zone)


@pass_context
def _minutes_filter(context: Context, value: float) -> str:
    return minutes(value, context["lang"])


@pass_context
def _month_filter(context: Context, value: date) -> str:
    return month_title(value, context["lang"])


@pass_context
def _span_filter(context: Context, first: date, last: date) -> str:
    return span(first, last, context["lang"])


def _locale(language: str) -> str:
    return LOCALES[language_of(language)]


def _tidy(text: str) -> str:
    """Plain text without trailing spaces or runs of blank lines."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"
