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


# Mail: time reports, overage invoices and the Outbox. The mailers are
# imported inside each command so other commands start without them.


@main.command()
@common_options
@click.argument("customer")
@click.option(
    "--period",
    metavar="YYYY-MM",
    help="The billing period that started in this month "
    "(default: the last one that ended).",
)
@click.option(
    "--send",
    is_flag=True,
    help="Also queue the report in the Outbox and send it now.",
)
def report(ctx: Context, customer: str, period: str | None, send: bool) -> None:
    """Show a customer's time report for one billing period; --send emails it.

    CUSTOMER is a Customer ID or name. The report is the customer-facing
    summary: allocation, hours used and left, each piece of work with its
    hours, the date of the fresh allocation (unused hours expire then) and
    the overage rate, in the customer's language. With --send it goes
    through the Outbox like any other email, so it is sent at most once;
    a report already sent is not sent again.

    \b
    Examples:
      sheetops report "Warung Sate Pak Budi"
      sheetops report C-0001 --period 2026-01 --send
    """
    from sheetops.mailers import actions

    backend = open_tracker(ctx.tracker, ctx.settings)
    lines = actions.report(backend, ctx.settings, ctx.as_of, customer, period, send)
    for line in lines:
        click.echo(line)


@main.command()
@common_options
@click.option(
    "--month",
    metavar="YYYY-MM",
    help="Bill the billing periods that reset in this month (default: last month).",
)
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Also write the lines to this CSV file.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print (and write the CSV) but queue no invoice email.",
)
def invoice(
    ctx: Context, month: str | None, csv_path: Path | None, dry_run: bool
) -> None:
    """List the month's overage per customer and queue the invoice emails.

    A month bills the billing periods whose reset date falls in it: the
    time beyond the allocation, in 15-minute steps rounded up, at the
    tier's rate (R2 Rp 250.000/hour, R3 Rp 300.000/hour), with the
    requests it came from. A period that resets later this month is left
    for when it has ended. Each invoice email is queued once per period;
    `sheetops mail flush` sends them.

    \b
    Example:
      sheetops invoice --month 2026-01 --csv overage-2026-01.csv
    """
    from sheetops.mailers import actions

    backend = open_tracker(ctx.tracker, ctx.settings)
    lines = actions.invoice(backend, ctx.settings, ctx.as_of, month, csv_path, dry_run)
    for line in lines:
        click.echo(line)


@main.group()
def mail() -> None:
    """Send the email that is due, or preview any email.

    Every email has a key (kind, customer, what it is about) and a row in
    the Outbox tab, so it is sent at most once. The subcommands take
    --tracker, --config and --as-of like every command.

    \b
    Examples:
      sheetops mail flush --tracker tracker.xlsx
      sheetops mail preview time_report C-0001
    """


@mail.command("flush")
@common_options
def mail_flush(ctx: Context) -> None:
    """Queue the email that is due now and send everything queued.

    Due now: a budget notice for each customer past 80 % of this
    period's hours, and an approval request for custom work Awaiting
    Approval whose Preferred Channel is Email. Then every queued Outbox
    row whose time has come is sent through [mail] transport (the outbox
    folder by default). Prints what happened to each row.

    \b
    Example:
      sheetops mail flush --tracker tracker.xlsx
    """
    from sheetops.mailers import actions

    backend = open_tracker(ctx.tracker, ctx.settings)
    for line in actions.flush_due(backend, ctx.settings, ctx.as_of):
        click.echo(line)


@mail.command("preview")
@common_options
@click.argument("kind")
@click.argument("customer")
@click.option(
    "--ref",
    help="What the email is about: a period start (2026-01-05), a Request ID, "
    "a call (2026-02:Strategic Call) or an Alert ID. Default: the latest.",
)
@click.option(
    "--language",
    type=click.Choice(["en", "id"]),
    help="Render in this language instead of the customer's.",
)
@click.option("--html", is_flag=True, help="Print the HTML part, not the text.")
def mail_preview(
    ctx: Context,
    kind: str,
    customer: str,
    ref: str | None,
    language: str | None,
    html: bool,
) -> None:
    """Render one email for a customer to the terminal; send nothing.

    KIND is time_report, budget_notice, approval_request, overage_invoice,
    call_invitation, proactive_alert or staff_alert. CUSTOMER is a
    Customer ID or name. The email is in the customer's Language unless
    --language says otherwise.

    \b
    Examples:
      sheetops mail preview time_report C-0001 --ref 2026-01-01
      sheetops mail preview call_invitation "Customer B" --language id
    """
    from sheetops.mailers import actions
    from sheetops.mailers.keys import KINDS

    if kind not in KINDS:
        raise click.BadParameter(
            f"{kind!r} is not one of {', '.join(KINDS)}", param_hint="KIND"
        )
    backend = open_tracker(ctx.tracker, ctx.settings)
    lines = actions.preview(
        backend, ctx.settings, ctx.as_of, kind, customer, ref, language, html
    )
    for line in lines:
        click.echo(line)


@main.command()
@common_options
@click.option(
    "--once",
    is_flag=True,
    help="Run whatever is due now, then exit (for cron or a systemd timer).",
)
def daemon(ctx: Context, once: bool) -> None:
    """Run sheetops' scheduled jobs: sync, mail, monthly close, calls, checks.

    \b
    Sync            every [daemon] sync_minutes (default 5)
    Mail            after each sync: queue what is due, send the outbox
    Close           daily at 06:00: ended billing periods to Usage History,
                    time reports queued
    Calls           each month's first business day at 07:00: the month's
                    R2/R3 call rows with proposed slots, invitations queued
    Checks          Mondays at 08:00: the R3 weekly checks, if installed

    Times are Asia/Jakarta whatever the machine's zone. Each job's last
    run is kept in the Status tab ("Last Close", ...), so --once from cron
    every few minutes runs exactly what is due. A failing job is logged,
    put in the Status tab's Last Error and tried at its next slot; the
    others go on. Only one daemon works a tracker at a time (a lock file
    beside a workbook, a lease in the Status tab of a Google Sheet); a
    second one waits. SIGTERM or Ctrl-C stops it after the current job.
    With --once, --as-of runs what would be due at that moment.

    \b
    Examples:
      sheetops daemon --tracker tracker.xlsx
      sheetops daemon --once
    """
    from sheetops import daemon as scheduler

    root = logging.getLogger()
    root.setLevel(min(root.level, logging.INFO))
    backend = open_tracker(ctx.tracker, ctx.settings)
    as_of = ctx.as_of
    clock = (lambda: as_of) if once else None
    status = scheduler.run(backend, ctx.settings, once=once, now=clock)
    if status:
        raise click.exceptions.Exit(status)


@main.command("calendar")
@common_options
@click.option(
    "--month",
    metavar="YYYY-MM",
    help="The month to lay out (default: the month of now, or of --as-of).",
)
@click.option(
    "--ics",
    "ics_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Also write the calendar to this iCalendar (.ics) file.",
)
def calendar_command(ctx: Context, month: str | None, ics_path: Path | None) -> None:
    """Print the month's operational calendar, filled with real work.

    The seed's four weeks: week 1 R3 proactive reports, scheduling every
    R2/R3 call and reviewing last month's time; week 2 the calls (R2
    Tue/Wed/Thu, R3 Mon/Fri) at their Scheduled For times; week 3 the
    approved custom work not yet delivered; week 4 the template update,
    the time reports due (reset dates this month) and the overages to
    invoice. --ics writes the same as a file Google Calendar and Outlook
    import; importing it again updates the events instead of doubling them.

    \b
    Examples:
      sheetops calendar
      sheetops calendar --month 2026-04 --ics april.ics
    """
    from sheetops import opscalendar

    chosen = month or ctx.as_of.strftime("%Y-%m")
    try:
        chosen = datetime.strptime(chosen, "%Y-%m").strftime("%Y-%m")
    except ValueError:
        raise click.BadParameter(
            f"{chosen!r} is not a month like 2026-04", param_hint="--month"
        ) from None
    backend = open_tracker(ctx.tracker, ctx.settings)
    items = opscalendar.month_calendar(backend, ctx.settings, chosen, ctx.as_of)
    for line in opscalendar.table_lines(items, chosen):
        click.echo(line)
    if ics_path is not None:
        opscalendar.write_ics(ics_path, items, ctx.settings, ctx.as_of)
        click.echo(f"Wrote {len(items)} events to {ics_path}.")


def _staff(given: str | None) -> str:
    """Who is working: --staff, else the login name."""
    name = (given or os.environ.get("USER", "")).strip()
    if not name:
        raise click.UsageError("say who is working with --staff NAME")
    return name


@main.group()
def timer() -> None:
    """Time a request from the terminal: start, then stop.

    sheetops types the Time Log row for you (Date, Request ID, Started,
    Staff; then Stopped). These and `sheetops log` are the only staff
    cells sheetops ever writes besides blank IDs, because you ask it to
    type for you. Unknown, Closed or Declined requests, and custom work
    without an Approved On date, are refused. The subcommands take
    --tracker, --config and --as-of like every command.

    \b
    Examples:
      sheetops timer start REQ-0042
      sheetops timer stop REQ-0042 --note "Added the metric"
    """


@timer.command("start")
@common_options
@click.argument("request")
@click.option("--staff", help="Who is working (default: $USER).")
def timer_start(ctx: Context, request: str, staff: str | None) -> None:
    """Start a timer on REQUEST: a Time Log row with today's date and the time.

    \b
    Example:
      sheetops timer start REQ-0042 --staff Dewi
    """
    from sheetops import timelog

    backend = open_tracker(ctx.tracker, ctx.settings)
    entry = timelog.start_timer(backend, request, _staff(staff), ctx.as_of)
    click.echo(entry.describe())


@timer.command("stop")
@common_options
@click.argument("request")
@click.option("--staff", help="Who was working (default: $USER).")
@click.option("--note", default="", help="What was done, for Work Done.")
def timer_stop(ctx: Context, request: str, staff: str | None, note: str) -> None:
    """Stop your running timer on REQUEST: fills Stopped on its Time Log row.

    \b
    Example:
      sheetops timer stop REQ-0042 --note "Added the metric"
    """
    from sheetops import timelog

    backend = open_tracker(ctx.tracker, ctx.settings)
    entry = timelog.stop_timer(backend, request, _staff(staff), ctx.as_of, note)
    click.echo(entry.describe())


@main.command("log")
@common_options
@click.argument("request")
@click.argument("minutes", type=click.FloatRange(min=0, min_open=True))
@click.argument("work_done")
@click.option("--staff", help="Who did the work (default: $USER).")
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day the work was done (default: today).",
)
def log_command(
    ctx: Context,
    request: str,
    minutes: float,
    work_done: str,
    staff: str | None,
    day: datetime | None,
) -> None:
    """Log MINUTES of finished work on REQUEST in the Time Log.

    Appends Date, Request ID, Work Done, Minutes and Staff, as you would
    type them; it refuses unknown, Closed or Declined requests and
    unapproved custom work, like `sheetops timer`.

    \b
    Example:
      sheetops log REQ-0042 45 "Modified the food cost formula" --staff Dewi
    """
    from sheetops import timelog

    backend = open_tracker(ctx.tracker, ctx.settings)
    when = day.date() if day else ctx.as_of.date()
    entry = timelog.log_time(
        backend, ctx.settings, request, minutes, work_done, _staff(staff), when
    )
    click.echo(entry.describe())


# The R3 weekly checks and the quarterly deep dive. Imported inside each
# command so the others start without pandas' plotting and PDF stack.


def _progress_bar(label: str) -> Any:
    """A progress bar on stderr, or None when stderr is not a terminal."""
    import sys

    if not sys.stderr.isatty():
        return None

    def bar(items: Any) -> Any:
        return click.progressbar(items, label=label, file=sys.stderr)

    return bar


@main.command()
@common_options
@click.option(
    "--customer",
    metavar="ID",
    help="Check only this customer (a Customer ID or the exact name).",
)
def monitor(ctx: Context, customer: str | None) -> None:
    """Run the R3 weekly checks on every customer's own dashboard.

    For each active customer on a tier with proactive checks (R3), read
    the dashboard their Dashboard cell points at and check: the last
    refresh (older than 7 days), revenue (more than 15 % below last
    week), food cost (more than 5 points above usual), a negative margin,
    and import failures or calculation errors in its import log. Each new
    finding is added to the Alerts tab and its email queued once (the
    customer's, or staff's for the import log and broken dashboards);
    `sheetops mail flush` sends them. A finding already Open on the
    Alerts tab is not raised again. Thresholds are in [monitor].

    \b
    Examples:
      sheetops monitor --tracker tracker.xlsx
      sheetops monitor --customer C-0002 --as-of 2026-02-02T08:00
    """
    from sheetops.monitor import run_checks

    backend = open_tracker(ctx.tracker, ctx.settings)
    report = run_checks(
        backend,
        ctx.settings,
        ctx.as_of,
        customer=customer,
        progress=_progress_bar("Checking dashboards"),
    )
    for line in report.lines():
        click.echo(line)


@main.command()
@common_options
@click.argument("customer")
@click.option(
    "--quarter",
    metavar="YYYYQn",
    help="The quarter to review, e.g. 2026Q1 (default: the last one that ended).",
)
@click.option(
    "--pdf",
    "pdf_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Where to write the PDF (default: review-<customer-id>-<quarter>.pdf).",
)
def review(
    ctx: Context, customer: str, quarter: str | None, pdf_path: Path | None
) -> None:
    """Write the Quarterly Deep Dive for an R3 customer as a PDF.

    CUSTOMER is a Customer ID or name. The document, in the customer's
    language, has the executive summary, performance against the
    previous quarter and the same quarter a year ago (revenue, food cost,
    margin) from their dashboard, week-by-week charts, the quarter's
    alerts, the support used (hours by month, work delivered with its
    release notes), and ruled space for the consultant's benchmarking,
    strategic recommendations and dashboard roadmap.

    \b
    Examples:
      sheetops review C-0002 --quarter 2026Q1
      sheetops review "Kedai Kopi Senja" --pdf senja-q1.pdf
    """
    from sheetops import review as deep_dive

    try:
        chosen = (
            deep_dive.Quarter.parse(quarter)
            if quarter
            else deep_dive.default_quarter(ctx.as_of.date())
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--quarter") from None
    backend = open_tracker(ctx.tracker, ctx.settings)
    gathered = deep_dive.build_review(
        backend, ctx.settings, ctx.as_of, customer, chosen
    )
    path = deep_dive.write_review(
        gathered, pdf_path or deep_dive.default_path(gathered)
    )
    click.echo(f"Wrote the {chosen.title} deep dive for {gathered.customer} to {path}")
