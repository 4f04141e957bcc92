"""The ``sheetops`` command line: options in, library calls, messages out."""

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

from sheetops import __version__, views
from sheetops.errors import SheetopsError
from sheetops.settings import Settings, load_settings
from sheetops.sync import engine, setup
from sheetops.sync.trackers import open_tracker

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


@main.command()
@common_options
def init(ctx: Context) -> None:
    """Create the tracker, or add the tabs and columns it lacks.

    Lays out every tab with its headers (computed ones shaded), a frozen
    header row, dropdowns for the columns with fixed values, the Catalog
    seeded from settings and this year's public holidays. On an existing
    tracker it only adds what is missing; nothing already there changes.

    \b
    Example:
      sheetops init --tracker tracker.xlsx
    """
    backend = open_tracker(ctx.tracker, ctx.settings)
    done = setup.initialise(backend, ctx.settings, ctx.as_of)
    for line in done:
        click.echo(line)
    if not done:
        click.echo(f"{backend.location} already has every tab and column.")


@main.command()
@common_options
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print each cell a sync would change; write nothing.",
)
def sync(ctx: Context, dry_run: bool) -> None:
    """Validate every row and bring the computed columns up to date.

    Reads the whole tracker, recomputes budgets, estimates, approval
    messages and SLA clocks, and writes only the computed cells that
    changed (plus any blank Customer or Request ID). Problems with a row
    go to its Problems column; a bad cell never stops the sync.

    \b
    Examples:
      sheetops sync
      sheetops sync --dry-run --as-of 2026-02-02T14:30
    """
    backend = open_tracker(ctx.tracker, ctx.settings)
    report = engine.sync(backend, ctx.settings, ctx.as_of, dry_run=dry_run)
    if dry_run:
        for change in report.changes:
            click.echo(change.describe())
    click.echo(f"{backend.location}: {report.summary()}")


@main.command()
@common_options
def status(ctx: Context) -> None:
    """Print each customer's monthly time budget.

    The seed's tracker table: Customer, Tier, Monthly Allocation, Used
    (Hours), Remaining and Reset Date, as of now (or --as-of). Reads the
    tracker; writes nothing.

    \b
    Example:
      sheetops status --tracker tracker.xlsx
    """
    backend = open_tracker(ctx.tracker, ctx.settings)
    for line in views.budget_lines(backend, ctx.settings, ctx.as_of):
        click.echo(line)


@main.command()
@common_options
@click.argument("customer")
@click.argument("task")
@click.option(
    "--quantity",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="How many of TASK (e.g. 2 new pages).",
)
def estimate(ctx: Context, customer: str, task: str, quantity: int) -> None:
    """Print the approval message for a piece of custom work.

    CUSTOMER is a Customer ID or name, TASK a Catalog task. The estimate
    comes from the tracker's Catalog tab times QUANTITY, the budget from
    the customer's current billing period.

    \b
    Example:
      sheetops estimate "Warung Sate Pak Budi" "Page reorganization"
    """
    backend = open_tracker(ctx.tracker, ctx.settings)
    click.echo(
        views.estimate_message(
            backend, ctx.settings, ctx.as_of, customer, task, quantity
        )
    )


@main.command()
@common_options
@click.option("--force", is_flag=True, help="Replace the tracker file if it exists.")
def demo(ctx: Context, force: bool) -> None:
    """Build a realistic sample tracker, sync it, and summarise it.

    Twelve and more restaurants over all three tiers, three months of
    requests and time logs that exercise every rule, and a few typos so
    the Problems column has something to say. Open the file in
    LibreOffice or Excel afterwards.

    \b
    Example:
      sheetops demo --tracker demo.xlsx
    """
    backend = open_tracker(ctx.tracker, ctx.settings)
    setup.create_demo(backend, ctx.settings, ctx.as_of, force=force)
    report = engine.sync(backend, ctx.settings, ctx.as_of)
    click.echo(f"Built a demo tracker at {backend.location}: {report.summary()}.")
    for line in views.budget_lines(backend, ctx.settings, ctx.as_of):
        click.echo(line)


@main.command()
@common_options
def doctor(ctx: Context) -> None:
    """Check that the tracker can be synced, and say what to fix if not.

    One line per check, "ok" or "problem" with its fix. For a Google
    Sheet: the credentials settings, that the key loads (and the service
    account to share the sheet with), that the sheet opens, its time
    zone, its tabs and their headers. For a workbook: that the file
    exists, that no one has it open, its tabs and headers. Exits with 1
    when something needs fixing.

    \b
    Examples:
      sheetops doctor --tracker https://docs.google.com/spreadsheets/d/KEY
      sheetops doctor --tracker tracker.xlsx
    """
    from sheetops.sync import doctor as checks

    findings = checks.run(ctx.tracker, ctx.settings)
    for finding in findings:
        click.echo(finding.line())
    if checks.failed(findings):
        raise SystemExit(1)
