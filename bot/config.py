"""Configuration: ``newsdigest.toml`` and the environment read once into frozen dataclasses,
defaults for everything, secrets only from the environment.

The file: ``--config PATH`` > ``$NEWSDIGEST_CONFIG`` > ``./newsdigest.toml`` (none is fine).
Each option: command line > ``NEWSDIGEST_<SECTION>__<KEY>`` > file > default.
The database: ``--db`` > ``$NEWSDIGEST_DB`` > ``$NEWSDIGEST_STORE__DATABASE`` > ``[store] database``.
Each stage receives only its own section (``config.ingest``, ``config.telegram``...).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from digests.errors import ConfigError

__all__ = [
    "SECTION_CLASSES",
    "Config",
    "DeliveryConfig",
    "DigestConfig",
    "IngestConfig",
    "LoggingConfig",
    "MetricsConfig",
    "SchedulerConfig",
    "Secrets",
    "SlackConfig",
    "StoreConfig",
    "TelegramConfig",
    "WebConfig",
    "check_option",
    "load_config",
]


@dataclass(frozen=True)
class StoreConfig:
    database: str = "newsdigest.db"  # a file path (SQLite) or a SQLAlchemy URL


@dataclass(frozen=True)
class IngestConfig:
    poll_interval_minutes: int = 15
    global_concurrency: int = 16
    per_host_concurrency: int = 2
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    retries: int = 3
    max_entries_per_feed: int = 100
    analysis_workers: int = 0  # processes for extraction/analysis; 0 = in a thread
    source_deadline: float = 300.0  # one source's whole ingest (feed + items), seconds
    host_timeouts_per_pass: int = 2  # a host timing out this often in one pass is skipped for the rest of it
    allow_private_item_hosts: bool = False  # operator feeds' item links may reach private hosts other than the feed's own
    user_agent: str = "newsdigest/0.1 (+https://github.com/newsdigest/newsdigest)"


@dataclass(frozen=True)
class DigestConfig:
    default_since: str = "24h"
    max_items: int = 30
    title: str = "Your news digest"


@dataclass(frozen=True)
class SchedulerConfig:
    default_timezone: str = "UTC"
    default_digest_time: str = "08:00"
    digest_jitter_seconds: int = 60
    alert_batch_minutes: int = 10
    alert_max_items: int = 10


@dataclass(frozen=True)
class DeliveryConfig:
    max_attempts: int = 8
    retry_base_seconds: float = 5.0
    retry_max_seconds: float = 3600.0
    senders: int = 4


@dataclass(frozen=True)
class TelegramConfig:
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    mode: str = "polling"  # polling | webhook
    webhook_url: str = ""  # public URL Telegram posts updates to (webhook mode)
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_path: str = "/telegram"
    admin_chat_id: str = ""  # where rejected messages are reported
    admins: tuple[str, ...] = ()  # user ids allowed to add/remove sources
    messages_per_second: float = 30.0
    messages_per_minute_per_group: int = 20


@dataclass(frozen=True)
class SlackConfig:
    api_base_url: str = "https://slack.com/api/"
    mode: str = "socket"  # socket | http
    http_listen: str = "127.0.0.1"
    http_port: int = 3000
    http_path: str = "/slack/events"
    admins: tuple[str, ...] = ()
    messages_per_second_per_channel: float = 1.0


@dataclass(frozen=True)
class LoggingConfig:
    level: str = "WARNING"
    format: str = "json"  # json | text


@dataclass(frozen=True)
class MetricsConfig:
    enabled: bool = False  # serve /metrics and /healthz
    listen: str = "127.0.0.1:9464"  # host:port of the small listener (when no webhook receiver runs)


@dataclass(frozen=True)
class WebConfig:
    enabled: bool = False  # serve the read-only web archive inside `newsdigest run`
    listen: str = "127.0.0.1"
    port: int = 8080
    base_url: str = ""  # public URL of the archive: Atom links, digest permalinks in chat


@dataclass(frozen=True)
class Secrets:
    """Read from the environment only: never put tokens in a file in the repository."""

    telegram_bot_token: str | None = None
    telegram_webhook_secret: str | None = None
    slack_bot_token: str | None = None
    slack_app_token: str | None = None
    slack_signing_secret: str | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Secrets:
        env = dict(os.environ if env is None else env)
        return cls(
            telegram_bot_token=env.get("TELEGRAM_BOT_TOKEN") or None,
            telegram_webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET") or None,
            slack_bot_token=env.get("SLACK_BOT_TOKEN") or None,
            slack_app_token=env.get("SLACK_APP_TOKEN") or None,
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
        )


@dataclass(frozen=True)
class Config:
    store: StoreConfig = field(default_factory=StoreConfig)
    ingest: IngestConfig = field(default_factory=IngestConfig)
    digest: DigestConfig = field(default_factory=DigestConfig)
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)
    delivery: DeliveryConfig = field(default_factory=DeliveryConfig)
    telegram: TelegramConfig = field(default_factory=TelegramConfig)
    slack: SlackConfig = field(default_factory=SlackConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    web: WebConfig = field(default_factory=WebConfig)
    secrets: Secrets = field(default_factory=Secrets)
    path: str | None = None  # the file it was read from, if any
    # "section.key" -> "default" | "file" | "env" | "cli" (what `newsdigest config show` prints)
    origins: dict[str, str] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def database(self) -> str:
        return self.store.database


_SECTION_CLASSES = {
    "store": StoreConfig, "ingest": IngestConfig, "digest": DigestConfig, "scheduler": SchedulerConfig,
    "delivery": DeliveryConfig, "telegram": TelegramConfig, "slack": SlackConfig, "logging": LoggingConfig,
    "metrics": MetricsConfig, "web": WebConfig,
}
SECTION_CLASSES = _SECTION_CLASSES
SECTIONS = dict(_SECTION_CLASSES)
SOURCES = ("default", "file", "env", "cli")  # lowest to highest precedence


def check_option(section: str, key: str, value: Any, source: str) -> Any:
    """``value`` for ``[section] key`` checked against the default's type (ints widen to
    floats, lists become tuples); a ConfigError naming ``source`` otherwise."""
    cls = _SECTION_CLASSES.get(section)
    if cls is None:
        raise ConfigError(f"{source}: unknown section [{section}] (known: {', '.join(_SECTION_CLASSES)})")
    known = {f.name for f in fields(cls)}
    if key not in known:
        raise ConfigError(f"{source}: unknown option {section}.{key} (known: {', '.join(sorted(known))})")
    default = getattr(cls(), key)
    name = f"{section}.{key}"
    if isinstance(default, tuple):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{source}: {name} must be a list")
        return tuple(str(v) for v in value)
    if isinstance(default, bool) or isinstance(value, bool):
        if not isinstance(value, bool) or not isinstance(default, bool):
            raise ConfigError(f"{source}: {name} must be {type(default).__name__}")
        return value
    if isinstance(default, float) and isinstance(value, int):
        return float(value)
    if not isinstance(value, type(default)):
        raise ConfigError(f"{source}: {name} must be {type(default).__name__}, not {type(value).__name__}")
    return value


def _file_options(raw: dict[str, Any], source: str) -> dict[str, dict[str, Any]]:
    options: dict[str, dict[str, Any]] = {}
    for name, table in raw.items():
        if name not in _SECTION_CLASSES:
            raise ConfigError(f"{source}: unknown section [{name}] (known: {', '.join(_SECTION_CLASSES)})")
        if not isinstance(table, dict):
            raise ConfigError(f"{source}: [{name}] must be a table")
        options[name] = {key: check_option(name, key, value, source) for key, value in table.items()}
    return options


def _read_file(path: str | os.PathLike | None, env: dict[str, str]) -> tuple[dict[str, Any], str | None]:
    explicit = path is not None or bool(env.get("NEWSDIGEST_CONFIG"))
    candidate = Path(path or env.get("NEWSDIGEST_CONFIG") or "newsdigest.toml").expanduser()
    if candidate.is_file():
        try:
            return tomllib.loads(candidate.read_text(encoding="utf-8")), str(candidate)
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{candidate}: not valid TOML: {exc}") from exc
    if explicit:
        raise ConfigError(f"config file not found: {candidate}")
    return {}, None


def load_config(
    path: str | os.PathLike | None = None,
    *,
    database: str | None = None,
    env: dict[str, str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> Config:
    """The effective configuration: defaults < file < environment < command line.

    ``env`` supplies ``NEWSDIGEST_<SECTION>__<KEY>`` options (see ``bot/config_env.py``) and
    the secrets; ``database`` (``--db``) and ``overrides`` (``{"logging.level": "INFO"}``)
    are the command line. ``config.origins`` says where each ``section.key`` came from."""
    from bot.config_env import env_options

    env = dict(os.environ if env is None else env)
    raw, used_path = _read_file(path, env)
    layers = [("file", _file_options(raw, used_path or "config")), ("env", env_options(env, _SECTION_CLASSES))]
    cli: dict[str, dict[str, Any]] = {}
    for dotted, value in (overrides or {}).items():
        section, _, key = dotted.partition(".")
        cli.setdefault(section, {})[key] = check_option(section, key, value, "command line")
    if database:
        cli.setdefault("store", {})["database"] = database
    layers.append(("cli", cli))
    values: dict[str, dict[str, Any]] = {name: {} for name in _SECTION_CLASSES}
    origins = {f"{name}.{f.name}": "default" for name, cls in _SECTION_CLASSES.items() for f in fields(cls)}
    for source, options in layers:
        for section, table in options.items():
            for key, value in table.items():
                values[section][key] = value
                origins[f"{section}.{key}"] = source
    sections = {name: cls(**values[name]) for name, cls in _SECTION_CLASSES.items()}
    return Config(**sections, secrets=Secrets.from_env(env), path=used_path, origins=origins)
