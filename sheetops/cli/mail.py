"""Commands that build and send mail: report, invoice, mail flush and preview."""

from __future__ import annotations

from pathlib import Path

import click

from sheetops.cli.base import Context, common_options, main
from sheetops.sync.trackers import open_tracker


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
