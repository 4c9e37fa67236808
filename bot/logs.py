"""Structured logs: one JSON object per line on stderr, quiet (warnings) by default.

Every record passes :class:`RedactingFilter` first, on the root handler and on the loggers of
the libraries that log URLs and headers (httpx, PTB, Bolt...): bot tokens, Slack tokens,
passwords in URLs and every secret value registered with :func:`register_secret` are replaced
before anything is formatted, at every level, in the message, its args, ``extra`` fields and
exception text.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

__all__ = [
    "LIBRARY_LOGGERS",
    "RedactingFilter",
    "configure_logging",
    "mask_secret",
    "open_private_log",
    "redact",
    "register_secret",
]

# Loggers that see request URLs or headers: each gets the filter itself, because a record
# logged to a logger that is not propagated (or handled by a library's own handler) never
# meets the root handler's filter.
LIBRARY_LOGGERS = ("httpx", "httpcore", "telegram", "slack_bolt", "slack_sdk", "aiohttp", "apscheduler",
                   "procrastinate", "sqlalchemy", "aiosqlite", "asyncio")

_PATTERNS = [
    # Telegram bot tokens, also inside https://api.telegram.org/bot<token>/getMe.
    (re.compile(r"\d{3,}:[A-Za-z0-9_-]{30,}"), lambda m: f"[telegram-token{mask_secret(m.group(0))}]"),
    # Slack bot, user, app, refresh and config tokens.
    (re.compile(r"\bx(?:ox[abposre]|app)-[A-Za-z0-9-]{6,}"), lambda m: f"[slack-token{mask_secret(m.group(0))}]"),
    # user:password@ in any URL (database, proxy, feed).
    (re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<user>[^/:@\s]*):(?P<pw>[^/@\s]+)@"), r"\g<scheme>\g<user>:***@"),
    # password=... in libpq key/value strings and query strings.
    (re.compile(r"(?i)\b(password|passwd|pwd|secret|token)=([^\s&;]+)"), r"\1=***"),
]
_known: set[str] = set()
_known_lock = threading.Lock()
_MIN_SECRET = 6  # shorter values would redact ordinary words


def register_secret(value: str | None) -> None:
    """Hide this exact value wherever it appears from now on (tokens, signing secrets,
    database passwords read at start-up)."""
    if value and len(value) >= _MIN_SECRET:
        with _known_lock:
            _known.add(value)


def mask_secret(value: str | None) -> str:
    """How an error names a secret: its last 4 characters at most ("…WXYZ"); nothing of a
    short one."""
    if not value:
        return "(empty)"
    return f"…{value[-4:]}" if len(value) >= 12 else "…"


def redact(text: str) -> str:
    """``text`` with every secret we know or recognise replaced."""
    if not text:
        return text
    with _known_lock:
        known = sorted(_known, key=len, reverse=True)
    for value in known:
        if value in text:
            text = text.replace(value, f"[secret{mask_secret(value)}]")
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redact_value(value):
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    return redact(str(value))


class RedactingFilter(logging.Filter):
    """Rewrites the record in place: message and args formatted and redacted once, extras and
    exception text too (so any formatter, ours or a library's, shows the redacted form)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_redacted", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not hide the record
            message = f"{record.msg} {record.args}"
        record.msg, record.args = redact(message), None
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD:
                record.__dict__[key] = _redact_value(value)
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        record._redacted = True
        return True

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "taskName", "_redacted"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        data.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            data["exc"] = record.exc_text
        return json.dumps(data, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extra = " ".join(f"{k}={v}" for k, v in record.__dict__.items() if k not in _STANDARD)
        line = f"{record.levelname.lower():7} {record.name}: {record.getMessage()}" + (f" {extra}" if extra else "")
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        elif record.exc_text:
            line += "\n" + record.exc_text
        return line


def open_private_log(path: str | os.PathLike) -> logging.FileHandler:
    """A log file handler whose file is created 0600 (its folder 0700): logs name chats,
    users and sources."""
    target = Path(path).expanduser()
    if not target.parent.exists():
        target.parent.mkdir(parents=True, mode=0o700)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.close(fd)
    return logging.FileHandler(target, encoding="utf-8")


_FILTER = RedactingFilter()


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of the record, never to the stream
    that was current when logging was configured (which may have been closed since: a
    redirected or captured stderr)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self):  # noqa: D401
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def configure_logging(level: str = "WARNING", fmt: str = "json", verbose: int = 0) -> None:
    if verbose:
        level = "DEBUG" if verbose > 1 else "INFO"
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(_FILTER)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in LIBRARY_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
        for own in logger.handlers:  # a library's own handler formats before propagating
            if _FILTER not in own.filters:
                own.addFilter(_FILTER)
    # Libraries log every HTTP request at INFO; keep them to warnings unless asked (-vv).
    for noisy in ("httpx", "httpcore", "apscheduler", "telegram", "slack_bolt", "slack_sdk", "aiosqlite"):
        logging.getLogger(noisy).setLevel("DEBUG" if verbose > 1 else "WARNING")
    # trafilatura warns about every odd link in a page it parses: not the reader's concern.
    logging.getLogger("trafilatura").setLevel("DEBUG" if verbose > 1 else "ERROR")
