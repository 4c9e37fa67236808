"""``newsdigest config show``: the effective configuration, where each value came from
(default, file, env, cli), secrets masked."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields
from typing import Any

import click
from click.core import ParameterSource

from bot.config import SECTION_CLASSES, Config, load_config

__all__ = ["ConfigLine", "config_group", "describe_config", "mask_secret"]

_SECRET_KEYS = re.compile(r"token|secret|password", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]*:)(?P<password>[^@\s]+)(?P<tail>@)", re.IGNORECASE)
_SECRET_ENV = {
    "telegram_bot_token": "TELEGRAM_BOT_TOKEN", "telegram_webhook_secret": "TELEGRAM_WEBHOOK_SECRET",
    "slack_bot_token": "SLACK_BOT_TOKEN", "slack_app_token": "SLACK_APP_TOKEN",
    "slack_signing_secret": "SLACK_SIGNING_SECRET",
}


@dataclass(frozen=True)
class ConfigLine:
    section: str
    key: str
    value: Any  # masked where secret
    source: str  # default | file | env | cli


def mask_secret(value: str | None) -> str | None:
    """At most the last 4 characters show (fewer for short secrets): enough to tell two apart."""
    if not value:
        return value
    shown = min(4, len(value) // 4)
    return "****" + (value[-shown:] if shown else "")


def _mask_url(value: str) -> str:
    return _URL_PASSWORD.sub(lambda m: m["head"] + "****" + m["tail"], value)


def describe_config(config: Config) -> list[ConfigLine]:
    """Every option with its effective value and origin, then the secrets (env or unset)."""
    lines = []
    for section, cls in SECTION_CLASSES.items():
        table = getattr(config, section)
        for f in fields(cls):
            value = getattr(table, f.name)
            if isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, str):
                value = mask_secret(value) if _SECRET_KEYS.search(f.name) else _mask_url(value)
            lines.append(ConfigLine(section, f.name, value, config.origins.get(f"{section}.{f.name}", "default")))
    for f in fields(config.secrets):
        value = getattr(config.secrets, f.name)
        lines.append(ConfigLine("secrets", _SECRET_ENV.get(f.name, f.name.upper()), mask_secret(value),
                                "env" if value else "unset"))
    return lines


def _format_text(config: Config, lines: list[ConfigLine]) -> str:
    out = [f"# config file: {config.path or '(none)'}"]
    section = None
    for line in lines:
        if line.section != section:
            section = line.section
            out.append(f"\n[{section}]")
        shown = json.dumps(line.value, ensure_ascii=False) if line.value is not None else "(unset)"
        out.append(f"{line.key} = {shown}  # {line.source}")
    return "\n".join(out) + "\n"


@click.group("config")
def config_group() -> None:
    """Look at the configuration newsdigest would run with."""


@config_group.command("show")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def show(ctx: click.Context, fmt: str) -> None:
    """Print the effective configuration: each value and where it came from
    (default < file < env < cli). Secrets are masked."""
    root = ctx.find_root()
    params = root.params
    db = params.get("db")
    # click fills --db from $NEWSDIGEST_DB too: only a flag typed on the command line is "cli".
    cli_db = db if root.get_parameter_source("db") == ParameterSource.COMMANDLINE else None
    overrides = {"logging.level": "DEBUG" if params.get("verbose", 0) > 1 else "INFO"} if params.get("verbose") else {}
    config = load_config(params.get("config_path"), database=cli_db, overrides=overrides)
    lines = describe_config(config)
    if fmt == "json":
        payload = {"path": config.path, "options": [line.__dict__ for line in lines]}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        click.echo(_format_text(config, lines), nl=False)
