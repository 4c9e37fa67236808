"""``newsdigest run`` and ``newsdigest status``: the long-running bot and a look at it."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC

import click

from bot.cli_context import CliContext, open_store, pass_ctx, run_async
from bot.cluster import ROLES
from bot.messages import DEMO_ADDED, plural

__all__ = ["register", "run", "status"]


def register(group: click.Group) -> None:
    group.add_command(run)
    group.add_command(status)


@click.command()
@click.option("--once", is_flag=True, help="Ingest once, send what is due, deliver, exit (for cron and CI).")
@click.option("--demo/--no-demo", default=None,
              help="Add the bundled offline demo articles as a source (default: only when no chat token is set).")
@click.option("--role", type=click.Choice(ROLES), default="all", show_default=True,
              help="all: everything in this process (SQLite or PostgreSQL). The others split the work over "
                   "processes sharing one PostgreSQL database: scheduler, ingest, deliver, bots.")
@click.option("--concurrency", type=click.IntRange(1, 256), default=None,
              help="Jobs run at once by an ingest or deliver worker (default 4 / 32).")
@pass_ctx
@run_async
async def run(ctx: CliContext, once: bool, demo: bool | None, role: str, concurrency: int | None) -> None:
    """Run the bot: poll sources, send digests and alerts, answer chat commands.

    With no TELEGRAM_BOT_TOKEN / SLACK_BOT_TOKEN, messages are printed here instead.
    Stops cleanly on Ctrl-C or SIGTERM; anything unsent is sent at the next start.
    """
    from bot.app import NewsdigestApp, install_signal_handlers

    if role != "all":
        await _run_cluster_role(ctx, role, once, concurrency)
        return

    async with NewsdigestApp(ctx.config, demo=demo) as app:
        if not app.has_tokens:
            click.echo("No TELEGRAM_BOT_TOKEN or SLACK_BOT_TOKEN set: printing messages here.", err=True)
        if app.demo:
            click.echo(DEMO_ADDED, err=True)
        if once:
            report = await app.run_once()
        else:
            stop = asyncio.Event()
            install_signal_handlers(stop)
            click.echo("newsdigest is running; Ctrl-C to stop.", err=True)
            report = await app.serve(stop)
        d = report.delivery
        click.echo(
            f"ingested {plural(report.ingested, 'new article')}; queued {report.digests_queued} digest and "
            f"{plural(report.alerts_queued, 'alert message')}; sent {d.sent}, retrying {d.retried}, failed {d.dead}",
            err=True,
        )
        for error in report.ingest_errors[:5]:
            click.echo(f"  source error: {error}", err=True)


async def _run_cluster_role(ctx: CliContext, role: str, once: bool, concurrency: int | None) -> None:
    """One role of a multi-process deployment (bot/cluster/); procrastinate is imported only here."""
    from bot.app import install_signal_handlers
    from digests.errors import ConfigError

    if once:
        raise ConfigError(f"--once runs everything in one process: it cannot be combined with --role {role}")
    from bot.cluster.roles import check_cluster_ready, run_role

    check_cluster_ready(ctx.config, role)
    stop = asyncio.Event()
    install_signal_handlers(stop)
    click.echo(f"newsdigest {role} is running; Ctrl-C to stop.", err=True)
    await run_role(ctx.config, role, stop, concurrency=concurrency)


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@pass_ctx
@run_async
async def status(ctx: CliContext, fmt: str) -> None:
    """Sources, outbox depth, next digests and dead letters (read from the database)."""
    from datetime import datetime

    from bot.status import collect_status, format_status

    async with await open_store(ctx, read_only=True) as store:
        report = await collect_status(store, datetime.now(UTC))
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(format_status(report), nl=False)
