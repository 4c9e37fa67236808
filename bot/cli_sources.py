"""``newsdigest sources ...`` and ``newsdigest ingest``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from bot.cli_context import CliContext, open_store, pass_ctx, run_async
from bot.messages import NO_SOURCES_HINT, plural
from digests.errors import DigestError
from digests.models import to_jsonable
from digests.targets import target_kind

console = Console()


def register(main: click.Group) -> None:
    main.add_command(sources)
    main.add_command(ingest)


@click.group()
def sources() -> None:
    """Feeds, pages, files and folders to read."""


def _normalise(target: str) -> str:
    if "://" in target:
        return target
    path = Path(target).expanduser()
    if not path.exists():
        raise DigestError(f"no such file or folder: {target}")
    return str(path.resolve())


@sources.command("add")
@click.argument("targets", nargs=-1, required=True)
@click.option("--kind", type=click.Choice(["feed", "page", "file", "folder"]), help="Override the guess from the URL.")
@click.option("--interval", type=int, help="Poll interval in minutes (default from config).")
@pass_ctx
@run_async
async def sources_add(ctx: CliContext, targets: tuple[str, ...], kind: str | None, interval: int | None) -> None:
    """Add feed URLs, page URLs, local files or folders."""
    interval_s = 60 * (interval or ctx.config.ingest.poll_interval_minutes)
    async with await open_store(ctx) as store:
        for target in targets:
            url = _normalise(target)
            record, created = await store.sources.add(url, kind or target_kind(url), poll_interval_s=interval_s)
            click.echo(f"{'added' if created else 'already a source'}: {record.url} ({record.kind})")


@sources.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@pass_ctx
@run_async
async def sources_list(ctx: CliContext, fmt: str) -> None:
    """List sources with their last success or error."""
    async with await open_store(ctx, read_only=True) as store:
        records = await store.sources.list()
    if fmt == "json":
        click.echo(json.dumps(to_jsonable(records), indent=2))
        return
    if not records:
        click.echo("No sources yet. Add one with: newsdigest sources add URL")
        return
    table = Table("id", "kind", "url", "last success", "failures", "last error")
    for r in records:
        table.add_row(
            str(r.id), r.kind, r.url, r.last_success_at.strftime("%Y-%m-%d %H:%M") if r.last_success_at else "-",
            str(r.failures), (r.last_error or "")[:60],
        )
    console.print(table)


@sources.command("remove")
@click.argument("targets", nargs=-1, required=True)
@pass_ctx
@run_async
async def sources_remove(ctx: CliContext, targets: tuple[str, ...]) -> None:
    """Remove sources by URL or id (stored articles stay). ``demo`` removes the bundled demo
    articles and the terminal's subscription that ``newsdigest run`` added with them."""
    missing = []
    async with await open_store(ctx) as store:
        for target in targets:
            if target == DEMO_NAME:
                if await _remove_demo(store):
                    click.echo("removed: the demo source and the console subscription")
                else:
                    missing.append(target)
                continue
            key = target if "://" in target or target.isdigit() else str(Path(target).expanduser().resolve())
            if await store.sources.remove(key):
                click.echo(f"removed: {target}")
            else:
                missing.append(target)
    if missing:
        raise DigestError(f"no such source: {', '.join(missing)}")


DEMO_NAME = "demo"


async def _remove_demo(store) -> bool:
    """The demo folder source and the console's home-chat subscription; True if either was there."""
    from bot.app import DEMO_DIR
    from bot.console import CONSOLE_CHAT_ID, CONSOLE_PLATFORM

    demo_urls = {str(DEMO_DIR), DEMO_DIR.as_uri()}
    removed = False
    for record in await store.sources.list():
        if record.url in demo_urls:
            removed = await store.sources.remove(record.id) or removed
    removed = await store.subscriptions.remove(CONSOLE_PLATFORM, CONSOLE_CHAT_ID) or removed
    return removed


@sources.command("import")
@click.argument("opml_file", type=click.Path(exists=True, dir_okay=False))
@pass_ctx
@run_async
async def sources_import(ctx: CliContext, opml_file: str) -> None:
    """Add every web feed of an OPML file (local paths in it are skipped: an OPML file is often
    someone else's export, and a feed that is a file on this machine is added by hand)."""
    from digests.opml import read_opml

    outlines = read_opml(Path(opml_file).read_text(encoding="utf-8", errors="replace"))
    added = skipped = 0
    async with await open_store(ctx) as store:
        for outline in outlines:
            if not outline.xml_url:
                continue
            if not outline.xml_url.lower().startswith(("http://", "https://")):  # file:, paths, ftp:...
                skipped += 1
                click.echo(f"skipped {outline.xml_url!r}: not an http(s) feed URL "
                           "(add a local feed with `newsdigest sources add PATH`)", err=True)
                continue
            _, created = await store.sources.add(outline.xml_url, "feed", title=outline.title or None)
            added += created
    click.echo(f"imported {plural(added, 'new feed')} ({len(outlines) - added - skipped} already known or without a feed URL"
               + (f", {skipped} skipped" if skipped else "") + ")")


@sources.command("export")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here instead of stdout.")
@pass_ctx
@run_async
async def sources_export(ctx: CliContext, output: str | None) -> None:
    """Write the feeds as OPML."""
    from digests.opml import OpmlOutline, write_opml

    async with await open_store(ctx, read_only=True) as store:
        records = await store.sources.list()
    text = write_opml([OpmlOutline(title=r.title or r.url, xml_url=r.url, html_url=None) for r in records if r.kind == "feed"],
                      title="newsdigest sources")
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text)


@click.command()
@click.argument("targets", nargs=-1)
@click.option("--all", "all_sources", is_flag=True, help="Poll every source, not only the due ones.")
@pass_ctx
@run_async
async def ingest(ctx: CliContext, targets: tuple[str, ...], all_sources: bool) -> None:
    """Poll the sources once (or read the given files and URLs) and store new articles."""
    from bot.runtime import analysis_executor, fetch_policy, ingest_options
    from digests.fetch import Fetcher
    from digests.ingest import IngestWorker

    cfg = ctx.config
    show = sys.stderr.isatty()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), disable=not show, transient=False) as bar:
        task = bar.add_task("ingesting", total=0)

        def progress(event: str, n: int) -> None:
            if event == "total":
                bar.update(task, total=(bar.tasks[0].total or 0) + n)
            else:
                bar.advance(task, n)

        executor = analysis_executor(cfg.ingest)
        async with await open_store(ctx) as store, Fetcher(fetch_policy(cfg.ingest)) as fetcher:
            worker = IngestWorker(store, fetcher, ingest_options(cfg.ingest), progress=progress, executor=executor)
            if targets:
                report = await worker.ingest_targets([_normalise(t) for t in targets])
            elif not await store.sources.list():
                report = None
            else:
                # Explicit `ingest` polls every source: the user asked for it now.
                report = await worker.run_once(all_sources=True)
    if executor is not None:
        executor.shutdown()
    if report is None:
        click.echo(NO_SOURCES_HINT, err=True)
        return
    click.echo(
        f"{report.new} new, {plural(report.duplicates, 'duplicate')}, {report.skipped} already stored, "
        f"{report.not_modified} not modified, {len(report.rejected)} without an article, "
        f"{plural(len(report.errors), 'error')}"
    )
    for rejected in report.rejected:
        click.echo(f"  no article: {rejected.url} ({rejected.reason}{': ' + rejected.detail if rejected.detail else ''})", err=True)
    for error in report.errors:
        click.echo(f"  error: {error}", err=True)
    if targets and report.errors and not report.new and not report.duplicates and not report.skipped:
        sys.exit(1)
