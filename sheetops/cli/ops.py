"""Commands for running the business: daemon, calendar, time, monitor, review."""

from __future__ import annotations

import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from sheetops.cli.base import Context, common_options, main
from sheetops.sync.trackers import open_tracker


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
