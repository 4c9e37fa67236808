"""Options from the environment: ``NEWSDIGEST_<SECTION>__<KEY>`` for every option of
``config.example.toml`` (``NEWSDIGEST_INGEST__POLL_INTERVAL_MINUTES=5``), plus two short
forms: ``NEWSDIGEST_DB`` (the database) and ``NEWSDIGEST_LOG_LEVEL`` (``logging.level``).

Values are text, read by the type of the option's default, then checked exactly as the file's:

* int / float: ``5``, ``2.5``; bool: ``true``/``false`` (also ``1``/``0``, ``yes``/``no``, ``on``/``off``);
* lists: ``"1,2,3"`` or a TOML array ``'["1", "2"]'``; text: as is (no quotes needed).

Only names with the double underscore are options: ``NEWSDIGEST_CONFIG`` and other
``NEWSDIGEST_*`` variables of tools and tests are left alone. An unknown section or key is an
error that lists the known ones (a typo must not be silently ignored in production).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from digests.errors import ConfigError

__all__ = ["ENV_PREFIX", "env_name", "env_options", "parse_env_value"]

ENV_PREFIX = "NEWSDIGEST_"
_SEPARATOR = "__"
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def env_name(section: str, key: str) -> str:
    """The variable that sets ``[section] key``: ``NEWSDIGEST_SECTION__KEY``."""
    return f"{ENV_PREFIX}{section.upper()}{_SEPARATOR}{key.upper()}"


def parse_env_value(text: str, default: Any, name: str) -> Any:
    """``text`` as the type of ``default``; ConfigError naming the variable otherwise."""
    stripped = text.strip()
    try:
        if isinstance(default, bool):
            lowered = stripped.lower()
            if lowered in _TRUE:
                return True
            if lowered in _FALSE:
                return False
            raise ValueError
        if isinstance(default, int):
            return int(stripped)
        if isinstance(default, float):
            return float(stripped)
        if isinstance(default, tuple):
            if stripped.startswith("["):
                return tuple(str(v) for v in tomllib.loads(f"v = {stripped}")["v"])
            return tuple(part.strip() for part in stripped.split(",") if part.strip())
    except (ValueError, tomllib.TOMLDecodeError):
        kind = "a list" if isinstance(default, tuple) else type(default).__name__
        raise ConfigError(f"{name}: must be {kind}, not {text!r}") from None
    return text


def env_options(env: Mapping[str, str], sections: Mapping[str, type]) -> dict[str, dict[str, Any]]:
    """``{section: {key: value}}`` set by the environment, typed and checked."""
    options: dict[str, dict[str, Any]] = {}
    level = env.get(f"{ENV_PREFIX}LOG_LEVEL")
    if level:
        options.setdefault("logging", {})["level"] = level.strip()
    for name, text in sorted(env.items()):
        if not name.startswith(ENV_PREFIX) or _SEPARATOR not in name[len(ENV_PREFIX):]:
            continue
        section, _, key = name[len(ENV_PREFIX):].lower().partition(_SEPARATOR)
        cls = sections.get(section)
        if cls is None:
            known = ", ".join(env_name(s, "<KEY>") for s in sections)
            raise ConfigError(f"{name}: unknown section {section!r} (known: {known})")
        defaults = {f.name: getattr(cls(), f.name) for f in fields(cls)}
        if key not in defaults:
            known = ", ".join(env_name(section, k) for k in sorted(defaults))
            raise ConfigError(f"{name}: unknown option {section}.{key} (known: {known})")
        options.setdefault(section, {})[key] = parse_env_value(text, defaults[key], name)
    database = env.get(f"{ENV_PREFIX}DB")
    if database:  # the older, shorter name wins: it is what existing deployments set
        options.setdefault("store", {})["database"] = database
    for section, table in options.items():
        from bot.config import check_option  # the file's checks, one set of rules

        for key, value in table.items():
            table[key] = check_option(section, key, value, env_name(section, key))
    return options
