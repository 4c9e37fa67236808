"""``newsdigest run`` and ``newsdigest status``: the long-running bot and a look at it."""

from __future__ import annotations

import asyncio
import json

import click

from bot.cli import CliContext, open_store, pass_ctx, run_async

__all__ = ["register", "run", "status"]


def register(group: click.Group) -> None:
    group.add_command(run)
    group.add_command(status)


@click.command()
@click.option("--once", is_flag=True, help="Ingest once, send what is due, deliver, exit (for cron and CI).")
@click.option("--demo/--no-demo", default=None,
              help="Add the bundled offline demo articles as a source (default: only when no chat token is set).")
@pass_ctx
@run_async
async def run(ctx: CliContext, once: bool, demo: bool | None) -> None:
    """Run the bot: poll sources, send digests and alerts, answer chat commands.

    With no TELEGRAM_BOT_TOKEN / SLACK_BOT_TOKEN, messages are printed here instead.
    Stops cleanly on Ctrl-C or SIGTERM; anything unsent is sent at the next start.
    """
    from bot.app import NewsdigestApp, install_signal_handlers

    async with NewsdigestApp(ctx.config, demo=demo) as app:
        if not app.has_tokens:
            click.echo("No TELEGRAM_BOT_TOKEN or SLACK_BOT_TOKEN set: printing messages here.", err=True)
        if once:
            report = await app.run_once()
        else:
            stop = asyncio.Event()
            install_signal_handlers(stop)
            click.echo("newsdigest is running; Ctrl-C to stop.", err=True)
            report = await app.serve(stop)
        d = report.delivery
        click.echo(
            f"ingested {report.ingested} new articles; queued {report.digests_queued} digest and "
            f"{report.alerts_queued} alert messages; sent {d.sent}, retrying {d.retried}, failed {d.dead}",
            err=True,
        )
        for error in report.ingest_errors[:5]:
            click.echo(f"  source error: {error}", err=True)


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@pass_ctx
@run_async
async def status(ctx: CliContext, fmt: str) -> None:
    """Sources, outbox depth, next digests and dead letters (read from the database)."""
    from datetime import datetime, timezone

    from bot.status import collect_status, format_status

    async with await open_store(ctx) as store:
        report = await collect_status(store, datetime.now(timezone.utc))
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(format_status(report), nl=False)
