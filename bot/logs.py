"""Structured logs: one JSON object per line on stderr, quiet (warnings) by default."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone

__all__ = ["configure_logging"]

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        data.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extra = " ".join(f"{k}={v}" for k, v in record.__dict__.items() if k not in _STANDARD)
        return f"{record.levelname.lower():7} {record.name}: {record.getMessage()}" + (f" {extra}" if extra else "")


def configure_logging(level: str = "WARNING", fmt: str = "json", verbose: int = 0) -> None:
    if verbose:
        level = "DEBUG" if verbose > 1 else "INFO"
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Libraries log every HTTP request at INFO; keep them to warnings unless asked (-vv).
    for noisy in ("httpx", "httpcore", "apscheduler", "telegram", "slack_bolt", "slack_sdk", "aiosqlite"):
        logging.getLogger(noisy).setLevel("DEBUG" if verbose > 1 else "WARNING")
    # trafilatura warns about every odd link in a page it parses: not the reader's concern.
    logging.getLogger("trafilatura").setLevel("DEBUG" if verbose > 1 else "ERROR")
