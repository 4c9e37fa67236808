"""Configuration: ``newsdigest.toml`` read once into frozen dataclasses, defaults for
everything, secrets only from the environment.

Precedence: ``--config PATH`` > ``$NEWSDIGEST_CONFIG`` > ``./newsdigest.toml`` > defaults.
The database: ``--db`` > ``$NEWSDIGEST_DB`` > ``[store] database``.
Each stage receives only its own section (``config.ingest``, ``config.telegram``...).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from digests.errors import ConfigError

__all__ = [
    "Config",
    "StoreConfig",
    "IngestConfig",
    "DigestConfig",
    "SchedulerConfig",
    "DeliveryConfig",
    "TelegramConfig",
    "SlackConfig",
    "LoggingConfig",
    "Secrets",
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
class Secrets:
    """Read from the environment only: never put tokens in a file in the repository."""

    telegram_bot_token: str | None = None
    telegram_webhook_secret: str | None = None
    slack_bot_token: str | None = None
    slack_app_token: str | None = None
    slack_signing_secret: str | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Secrets":
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
    secrets: Secrets = field(default_factory=Secrets)
    path: str | None = None  # the file it was read from, if any

    @property
    def database(self) -> str:
        return self.store.database


SECTIONS = {f.name: f.type for f in fields(Config) if f.name not in ("secrets", "path")}
_SECTION_CLASSES = {
    "store": StoreConfig, "ingest": IngestConfig, "digest": DigestConfig, "scheduler": SchedulerConfig,
    "delivery": DeliveryConfig, "telegram": TelegramConfig, "slack": SlackConfig, "logging": LoggingConfig,
}


def _section(name: str, cls: type, raw: Any, source: str) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: [{name}] must be a table")
    known = {f.name: f for f in fields(cls)}
    values = {}
    for key, value in raw.items():
        if key not in known:
            raise ConfigError(f"{source}: unknown option {name}.{key} (known: {', '.join(sorted(known))})")
        default = getattr(cls(), key)
        if isinstance(default, tuple):
            if not isinstance(value, list):
                raise ConfigError(f"{source}: {name}.{key} must be a list")
            value = tuple(str(v) for v in value)
        elif isinstance(default, bool) or isinstance(value, bool):
            if not isinstance(value, bool) or not isinstance(default, bool):
                raise ConfigError(f"{source}: {name}.{key} must be {type(default).__name__}")
        elif isinstance(default, float) and isinstance(value, int):
            value = float(value)
        elif not isinstance(value, type(default)):
            raise ConfigError(f"{source}: {name}.{key} must be {type(default).__name__}, not {type(value).__name__}")
        values[key] = value
    return cls(**values)


def load_config(
    path: str | os.PathLike | None = None,
    *,
    database: str | None = None,
    env: dict[str, str] | None = None,
) -> Config:
    """Read the config file (if any), apply the database override, read secrets from env."""
    env = dict(os.environ if env is None else env)
    explicit = path is not None or bool(env.get("NEWSDIGEST_CONFIG"))
    candidate = Path(path or env.get("NEWSDIGEST_CONFIG") or "newsdigest.toml").expanduser()
    raw: dict[str, Any] = {}
    used_path = None
    if candidate.is_file():
        try:
            raw = tomllib.loads(candidate.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{candidate}: not valid TOML: {exc}") from exc
        used_path = str(candidate)
    elif explicit:
        raise ConfigError(f"config file not found: {candidate}")
    sections = {}
    for name, value in raw.items():
        if name not in _SECTION_CLASSES:
            raise ConfigError(f"{candidate}: unknown section [{name}] (known: {', '.join(_SECTION_CLASSES)})")
        sections[name] = _section(name, _SECTION_CLASSES[name], value, str(candidate))
    config = Config(**sections, secrets=Secrets.from_env(env), path=used_path)
    override = database or env.get("NEWSDIGEST_DB")
    if override:
        config = replace(config, store=replace(config.store, database=override))
    return config
