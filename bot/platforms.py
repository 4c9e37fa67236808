"""Chat platforms: one seam and one registry.

A :class:`Platform` is everything the rest of the bot knows about one chat platform: whether
it is configured, how to open its outbox sender and its chat adapter, how an answer becomes
its outbox payloads, and which shared rate buckets a message to one of its chats takes.
Start-up, delivery, the cluster roles, the jobs and the CLI ask the registry and never name
a platform.

The built-ins (Telegram, Slack, and the console that prints when no chat is configured)
register themselves through :func:`register_platform`, the same call a third platform
makes (as datasette registers its own built-ins through the hooks plugins use)::

    register_platform(MyPlatform())     # then: newsdigest run posts there too

Registering does not import a platform's SDK: each built-in loads it only when its sender or
adapter is opened, so the CLI's read commands stay quick.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from digests.errors import DigestError

if TYPE_CHECKING:
    from rich.console import Console

    from bot.commands import Services
    from bot.config import Config, Secrets
    from bot.senders import Sender
    from digests.answers import Answer

__all__ = [
    "Adapter",
    "AdminReport",
    "NAME_LIMIT",
    "Platform",
    "Rate",
    "active_platforms",
    "admin_report",
    "any_enabled",
    "platform",
    "platform_names",
    "open_senders",
    "platforms",
    "register_platform",
    "start_adapters",
    "unregister_platform",
]

AdminReport = Callable[[Any, str], Awaitable[None]]  # (outbox row, reason)


@dataclass(frozen=True)
class Rate:
    """A token bucket: ``per_second`` tokens refill, at most ``burst`` held."""

    per_second: float
    burst: float = 1.0


@runtime_checkable
class Adapter(Protocol):
    """A running chat front-end: commands in, answers out. May have a ``sender`` attribute:
    then that sender replaces the outbox's (one bot, one flood limiter for both)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@runtime_checkable
class Platform(Protocol):
    name: str  # stored in subscriptions.platform and outbox rows (at most NAME_LIMIT characters)
    label: str  # in messages: "Telegram"
    # A chat this platform always has (the terminal): subscribed at start and sent a preview
    # digest on catch-up. None for real chat platforms. Platforms with one are the fallback
    # when no other platform is enabled, and are never "enabled" by a token.
    home_chat: str | None

    def enabled(self, secrets: Secrets) -> bool:
        """Are the credentials this platform needs set?"""
        ...

    async def open_sender(self, config: Config, stack: AsyncExitStack, *, console: Console | None = None) -> Sender:
        """A started outbox sender; whatever it must close is pushed on ``stack``. A bad token
        or no network fails here (a DigestError naming the platform), not mid-delivery.
        ``console`` is the terminal, for platforms that print."""
        ...

    def adapter(self, config: Config, services: Services, sender: Sender | None = None) -> Adapter | None:
        """The chat front-end (not started), or None when the platform takes no commands.
        ``sender`` is the outbox sender of this process, if any (to share its limits)."""
        ...

    def payloads(self, answer: Answer) -> list[dict[str, Any]]:
        """``answer`` rendered as JSON-ready outbox payloads, one per message."""
        ...

    def preview(self, answer: Answer) -> str:
        """What ``newsdigest digest --format <name>`` prints: the messages it would send."""
        ...

    def rates(self, config: Config, chat_id: str) -> list[tuple[str, Rate]]:
        """The shared buckets one message to ``chat_id`` takes from, most specific first."""
        ...

    def admin_chat(self, config: Config) -> str | None:
        """Where this platform's sender reports rejected messages (``report_rejected``)."""
        ...


NAME_LIMIT = 16  # the width of subscriptions.platform and outbox.platform
_REGISTRY: dict[str, Platform] = {}
_BUILTINS_LOADED = False


def register_platform(plugin: Platform, *, replace: bool = False) -> Platform:
    """Add ``plugin`` to the registry and return it. A second platform of the same name is
    an error unless ``replace``."""
    _load_builtins()
    if not isinstance(plugin, Platform):
        raise TypeError(f"{plugin!r} does not implement bot.platforms.Platform")
    if not plugin.name or len(plugin.name) > NAME_LIMIT:
        raise ValueError(f"a platform name is 1 to {NAME_LIMIT} characters, not {plugin.name!r}")
    if plugin.name in _REGISTRY and not replace:
        raise ValueError(f"a platform named {plugin.name!r} is already registered")
    _REGISTRY[plugin.name] = plugin
    return plugin


def unregister_platform(name: str) -> None:
    """Remove a platform (tests register and remove their own)."""
    _REGISTRY.pop(name, None)


def platforms() -> list[Platform]:
    """Every registered platform, built-ins first, in registration order."""
    _load_builtins()
    return list(_REGISTRY.values())


def platform_names() -> list[str]:
    return [p.name for p in platforms()]


def platform(name: str) -> Platform:
    """The platform called ``name``; KeyError names the known ones."""
    _load_builtins()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown platform {name!r} (known: {', '.join(_REGISTRY)})") from None


def any_enabled(secrets: Secrets) -> bool:
    """Is any chat platform configured (a token set)?"""
    return any(p.enabled(secrets) for p in platforms())


def active_platforms(secrets: Secrets) -> list[Platform]:
    """The platforms this process posts to: the enabled ones, else the home-chat ones (the
    console prints what would be sent)."""
    enabled = [p for p in platforms() if p.enabled(secrets)]
    return enabled or [p for p in platforms() if p.home_chat is not None]


async def open_senders(config: Config, stack: AsyncExitStack, plugins: list[Platform], *,
                       console: Console | None = None) -> dict[str, Any]:
    """One started outbox sender per platform, by name (closed with ``stack``)."""
    return {plugin.name: await plugin.open_sender(config, stack, console=console) for plugin in plugins}


async def start_adapters(config: Config, services: Services, stack: AsyncExitStack, plugins: list[Platform],
                         senders: dict[str, Any]) -> list[Adapter]:
    """Start each platform's adapter (stopped with ``stack``). An adapter with its own
    ``sender`` replaces that platform's entry in ``senders``: replies and outbox messages
    then share one bot and one flood limiter."""
    started: list[Adapter] = []
    for plugin in plugins:
        adapter = plugin.adapter(config, services, senders.get(plugin.name))
        if adapter is None:
            continue
        try:
            await adapter.start()
        except DigestError:
            raise
        except Exception as exc:
            raise DigestError(f"{plugin.label}: cannot start: {exc}") from exc
        stack.push_async_callback(adapter.stop)
        started.append(adapter)
        own_sender = getattr(adapter, "sender", None)
        if plugin.name in senders and own_sender is not None:
            senders[plugin.name] = own_sender
    return started


def admin_report(config: Config, senders: dict[str, Any]) -> AdminReport | None:
    """A Deliverer's ``on_rejected``: tells the first platform with an admin chat (and a
    sender that can report) about a message that could not be delivered."""
    for plugin in platforms():
        sender = senders.get(plugin.name)
        chat = plugin.admin_chat(config)
        if chat and sender is not None and hasattr(sender, "report_rejected"):
            return _reporter(sender, chat)
    return None


def _reporter(sender: Any, chat: str) -> AdminReport:
    async def report(row: Any, reason: str) -> None:
        await sender.report_rejected(chat, f"newsdigest could not deliver message #{row.id} ({row.idempotency_key}) "
                                           f"to {row.platform}:{row.chat_id}.\nReason: {reason}")

    return report


def _load_builtins() -> None:
    # Imported here, not at the top: the built-ins import this module (Rate, Platform).
    global _BUILTINS_LOADED
    if _BUILTINS_LOADED:
        return
    _BUILTINS_LOADED = True
    from bot.console import ConsolePlatform
    from bot.slack.platform import SlackPlatform
    from bot.telegram.platform import TelegramPlatform

    for builtin in (TelegramPlatform(), SlackPlatform(), ConsolePlatform()):
        register_platform(builtin)
