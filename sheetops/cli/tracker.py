"""Commands on the tracker itself: init, demo, sync, status, estimate, doctor."""

from __future__ import annotations

import click

from sheetops import views
from sheetops.cli.base import Context, common_options, main
from sheetops.sync import engine, setup
from sheetops.sync.trackers import open_tracker


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
