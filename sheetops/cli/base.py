"""What every command shares: the group, the common options, error mapping."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import Any, TypeVar

import click

from sheetops import __version__
from sheetops.errors import SheetopsError
from sheetops.settings import Settings, load_settings

F = TypeVar("F", bound=Callable[..., Any])
# A date given without a time means this time: when the business opens.
DEFAULT_TIME = time(9, 0)


@dataclass
class Context:
    """What every command gets from the shared options."""

    settings: Settings
    tracker: str
    as_of: datetime


class SheetopsGroup(click.Group):
    """Turns sheetops' own errors into a one-line message and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SheetopsError as exc:
            raise click.ClickException(str(exc)) from exc


def _parse_as_of(value: str | None, settings: Settings) -> datetime:
    zone = settings.business.time_zone
    if not value:
        return datetime.now(zone).replace(microsecond=0)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO date or date-time, e.g. 2026-02-02 or "
            "2026-02-02T14:30",
            param_hint="--as-of",
        ) from None
    if len(value) <= 10:
        moment = datetime.combine(moment.date(), DEFAULT_TIME)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone)
    return moment.astimezone(zone)


def common_options(command: F) -> F:
    """--config, --tracker, --as-of and -v, on every command."""

    @click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar="SHEETOPS_CONFIG",
        help="Settings file overriding the defaults (env: SHEETOPS_CONFIG).",
    )
    @click.option(
        "--tracker",
        metavar="PATH|URL",
        help="The tracker: an .xlsx path or a Google Sheets URL or key "
        "(default: [tracker] location, env: SHEETOPS_TRACKER).",
    )
    @click.option(
        "--as-of",
        "as_of",
        metavar="DATETIME",
        help="Act as if it were this moment in Asia/Jakarta, e.g. "
        "2026-02-02T14:30 (a date alone means 09:00). Default: now.",
    )
    @click.option("-v", "--verbose", count=True, help="More detail (-vv: debug).")
    @functools.wraps(command)
    def wrapper(
        config_path: Path | None,
        tracker: str | None,
        as_of: str | None,
        verbose: int,
        **kwargs: Any,
    ) -> Any:
        _configure_logging(verbose)
        try:
            settings = load_settings(config_path, os.environ)
        except SheetopsError as exc:
            raise click.ClickException(str(exc)) from exc
        context = Context(
            settings=settings,
            tracker=tracker or settings.tracker,
            as_of=_parse_as_of(as_of, settings),
        )
        return command(context, **kwargs)

    return wrapper  # type: ignore[return-value]


def _configure_logging(verbose: int) -> None:
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


@click.group(cls=SheetopsGroup)
@click.version_option(__version__, prog_name="sheetops")
def main() -> None:
    """Run a tiered support business out of one spreadsheet.

    sheetops treats the tracker (a local .xlsx workbook or a Google Sheet)
    as the source of truth: it validates every row, keeps each customer's
    monthly hours, SLA clocks and approval messages current, and never
    changes a cell a person typed.

    \b
    Start here:
      sheetops demo              build a sample tracker and sync it
      sheetops sync --dry-run    show what a sync would change
      sheetops status            the monthly time budget table
    """
