"""``newsdigest articles | analyze | who | digest | ask | subscribe``."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.console import Console

from bot.cli_context import CliContext, open_store, pass_ctx, run_async
from bot.console import CONSOLE_CHAT_ID, CONSOLE_PLATFORM
from bot.platforms import platform, platform_names
from digests.errors import DigestError
from digests.models import Analysis, Rejected, to_jsonable

console = Console()


def register(main: click.Group) -> None:
    for command in (articles, analyze, who, digest, ask, subscribe):
        main.add_command(command)


def _print_answer(answer, fmt: str) -> None:
    from digests.render.console import print_answer
    from digests.render.text import render_markdown

    if fmt == "json":
        click.echo(json.dumps(to_jsonable(answer), indent=2, ensure_ascii=False))
    elif fmt == "markdown":
        click.echo(render_markdown(answer))
    elif fmt == "text":
        print_answer(answer, console)
    else:  # a platform's name: the messages it would send
        click.echo(platform(fmt).preview(answer))


class RegistryChoice(click.Choice):
    """A choice read from the platform registry when the command runs, so a platform
    registered after this module was imported is offered too."""

    def __init__(self, names: Callable[[], list[str]]) -> None:
        self._names = names
        super().__init__([])

    @property  # type: ignore[override]
    def choices(self) -> tuple[str, ...]:
        return tuple(self._names())

    @choices.setter
    def choices(self, _value: Sequence[str]) -> None:
        pass  # click sets it in __init__; the registry is the source


def _formats() -> list[str]:
    """text (the terminal view), markdown, each platform's messages, the model as json."""
    return ["text", "markdown", *(n for n in platform_names() if n not in ("text", "markdown", "json")), "json"]


FORMATS = RegistryChoice(_formats)


@click.command()
@click.option("--limit", default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@pass_ctx
@run_async
async def articles(ctx: CliContext, limit: int, fmt: str) -> None:
    """What is stored, newest first."""
    async with await open_store(ctx, read_only=True) as store:
        rows = await store.articles.latest(limit)
    if fmt == "json":
        click.echo(json.dumps(to_jsonable(rows), indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("No articles stored yet. Try: newsdigest ingest FILE_OR_URL")
    for row in rows:
        when = (row.published or row.fetched_at).strftime("%Y-%m-%d %H:%M") if (row.published or row.fetched_at) else "-"
        click.echo(f"{row.id:>6}  {when}  {row.display_title}\n        {row.url}")


def analysis_record(source: str, result: Analysis | Rejected | Exception) -> dict:
    """One object of `analyze --format json|jsonl` (the analysis contract)."""
    if isinstance(result, Analysis):
        art = result.article
        return {
            "source": source, "url": art.url, "title": result.headline or art.title, "title_generated": art.title_generated,
            "authors": art.authors, "published": art.published.isoformat() if art.published else None,
            "updated": art.updated.isoformat() if art.updated else None, "site_name": art.site_name,
            "language": art.language, "image": art.image, "body": art.body,
            "related": [{"title": l.title, "url": l.url} for l in art.related],
            "links": [{"title": l.title, "url": l.url} for l in art.links],
            "summary": result.summary,
            "quotes": [{"text": q.text, "speaker": q.speaker, "speaker_role": q.speaker_role, "minor": q.minor, "key": q.key}
                       for q in result.quotes],
            "people": [{"name": p.name, "aliases": p.aliases, "roles": p.roles, "mentions": p.mentions, "kind": p.kind}
                       for p in result.people],
            "error": None,
        }
    error = f"{result.reason}: {result.detail}" if isinstance(result, Rejected) else str(result)
    empty = {k: None for k in ("url", "title", "published", "updated", "site_name", "language", "image", "body")}
    return {"source": source, **empty, "title_generated": False, "authors": [], "related": [], "links": [],
            "summary": [], "quotes": [], "people": [], "error": error}


@click.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["json", "jsonl", "text"]), default="text")
@pass_ctx
@run_async
async def analyze(ctx: CliContext, inputs: tuple[str, ...], fmt: str) -> None:
    """Extract and analyse pages or files without storing them (local files need no network)."""
    from bot.runtime import fetch_policy
    from digests.analyze import analyze_page
    from digests.fetch import Fetcher

    records = []
    async with Fetcher(fetch_policy(ctx.config.ingest)) as fetcher:
        for source in inputs:
            try:
                if "://" not in source and not Path(source).is_file():
                    raise DigestError(f"{source}: no such file")
                page = await fetcher.fetch(source)
                result = analyze_page(page)
            except DigestError as exc:
                result = exc
            record = analysis_record(source, result)
            records.append(record)
            if fmt == "jsonl":  # stream: one line per input, in input order
                click.echo(json.dumps(record, ensure_ascii=False))
    if fmt == "json":
        click.echo(json.dumps(records[0] if len(records) == 1 else records, indent=2, ensure_ascii=False))
    elif fmt == "text":
        for r in records:
            _print_analysis_text(r)
    if all(r["error"] for r in records):
        sys.exit(1)


def _print_analysis_text(r: dict) -> None:
    if r["error"]:
        click.echo(f"{r['source']}: error: {r['error']}", err=True)
        return
    click.echo(f"{r['title']}{'  (title generated)' if r['title_generated'] else ''}")
    click.echo(f"{r['url']}\n{', '.join(r['authors']) or 'no author'} | {r['published'] or 'no date'}\n")
    for sentence in r["summary"]:
        click.echo(f"  {sentence}")
    if r["people"]:
        click.echo("\nPeople:")
        for p in r["people"]:
            click.echo(f"  {p['name']}" + (f" — {'; '.join(p['roles'])}" if p["roles"] else ""))
    quotes = [q for q in r["quotes"] if not q["minor"]]
    if quotes:
        click.echo("\nQuotes:")
        for q in quotes:
            click.echo(f"  “{q['text']}” — {q['speaker'] or 'unattributed'}")
    click.echo("")


@click.command()
@click.argument("name", nargs=-1, required=True)
@click.option("--format", "fmt", type=FORMATS, default="text")
@pass_ctx
@run_async
async def who(ctx: CliContext, name: tuple[str, ...], fmt: str) -> None:
    """Who is this: full name, role, quotes and articles from the store.

    Exits 1 when nobody by that name is known (as grep does when nothing matches)."""
    from bot.messages import WHO_UNKNOWN, WHO_USAGE_CLI
    from digests.answers import Notice

    query = " ".join(" ".join(name).split())
    if not query:
        raise click.UsageError(WHO_USAGE_CLI)
    async with await open_store(ctx, read_only=True) as store:
        card = await store.people.who(query)
    if fmt == "json":
        click.echo(json.dumps(who_record(card), indent=2, ensure_ascii=False))
    else:
        _print_answer(card if card.matches else Notice(WHO_UNKNOWN.format(query=card.query)), fmt)
    if not card.matches:
        sys.exit(1)


def who_record(card) -> dict:
    """`who --format json`: the card, with each person's count of articles naming them
    called ``article_count`` (the model's ``mentions`` counts articles, not mentions)."""
    record = to_jsonable(card)
    for match in record.get("matches") or []:
        if isinstance(match, dict) and "mentions" in match:
            match["article_count"] = match.pop("mentions")
    return record


@click.command()
@click.option("--since", default=None, help="Window: 36h, 30d, 5000d (default from config).")
@click.option("--topic", default=None, help="Only stories about this.")
@click.option("--format", "fmt", type=FORMATS, default="text")
@pass_ctx
@run_async
async def digest(ctx: CliContext, since: str | None, topic: str | None, fmt: str) -> None:
    """Compose a digest of the stored articles."""
    from digests.compose import DigestFilter, parse_since
    from digests.digest_builder import build_digest

    cfg = ctx.config.digest
    window = parse_since(since or cfg.default_since)
    now = datetime.now(UTC)
    async with await open_store(ctx, read_only=True) as store:
        result = await build_digest(store, since=now - window, until=now, filters=DigestFilter(topic=topic),
                                    title=cfg.title, max_items=cfg.max_items)
    _print_answer(result, fmt)


@click.command()
@click.argument("command_line")
@click.option("--format", "fmt", type=FORMATS, default="text")
@pass_ctx
@run_async
async def ask(ctx: CliContext, command_line: str, fmt: str) -> None:
    """Run a chat command as a bot would, e.g. newsdigest ask "/who Yermak"."""
    from bot.commands import Request, handle, parse_command
    from bot.runtime import services

    from bot.messages import ASK_USAGE

    line = command_line.strip()
    if line.strip("/") == "":
        raise click.UsageError(ASK_USAGE)
    parsed = parse_command(line if line.startswith("/") else "/" + line)
    if parsed is None:
        raise DigestError(f"not a chat command: {line} (try: newsdigest ask /help)")
    request = Request(command=parsed.command, args=parsed.args, platform=CONSOLE_PLATFORM, chat_id=CONSOLE_CHAT_ID,
                      user_id=CONSOLE_CHAT_ID, chat_kind="private", is_admin=True,
                      is_operator=True)
    async with await open_store(ctx) as store:
        answer = await handle(request, services(store, ctx.config))
    _print_answer(answer, fmt)


# Telegram group and channel ids are negative numbers: not options.
@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("platform_name", metavar="PLATFORM", type=RegistryChoice(platform_names))
@click.argument("chat_id")
@click.option("--keywords", default="", help="Comma-separated keywords.")
@click.option("--sources", "sources_", default="", help="Comma-separated source hosts or names.")
@click.option("--people", default="", help="Comma-separated names.")
@click.option("--time", "digest_time", default=None, help="Digest time HH:MM in the chat's time zone.")
@click.option("--tz", default=None, help="IANA time zone, e.g. Europe/Kyiv.")
@click.option("--mode", type=click.Choice(["digest", "alerts", "both"]), default=None)
@pass_ctx
@run_async
async def subscribe(ctx: CliContext, platform_name: str, chat_id: str, keywords: str, sources_: str, people: str,
                    digest_time: str | None, tz: str | None, mode: str | None) -> None:
    """Subscribe a chat or channel (e.g. telegram @mychannel) to digests or alerts."""
    from bot.commands import parse_setting

    def split(value: str) -> list[str]:
        return [v.strip() for v in value.split(",") if v.strip()]

    fields: dict = {"keywords": split(keywords), "sources": split(sources_), "people": split(people),
                    # A home chat (the terminal) is one person's; others are channels.
                    "chat_kind": "private" if platform(platform_name).home_chat else "channel"}
    for key, value in (("tz", tz), ("time", digest_time), ("mode", mode)):
        if value:
            parsed = parse_setting(f"{key}={value}")
            if not isinstance(parsed, tuple):
                raise DigestError(parsed.text)
            fields[parsed[0]] = parsed[1]
    async with await open_store(ctx) as store:
        existing = await store.subscriptions.get(platform_name, chat_id)
        if existing is None:
            fields.setdefault("timezone", ctx.config.scheduler.default_timezone)
            fields.setdefault("digest_time", ctx.config.scheduler.default_digest_time)
        sub, created = await store.subscriptions.upsert(platform_name, chat_id, **fields)
    click.echo(f"{'subscribed' if created else 'updated'}: {platform_name} {chat_id}: {sub.mode} at {sub.digest_time} {sub.timezone}"
               + (f", keywords {', '.join(sub.keywords)}" if sub.keywords else ""))
