"""URL canonicalisation: one spelling per article, so the same story reached through a
newsletter link, a feed and a share button is stored once.

Only http(s) URLs are rewritten; anything else (``file://``, ``mailto:``, relative paths)
comes back stripped of surrounding whitespace but otherwise untouched, because we cannot
know what is equivalent there.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit, unquote

__all__ = ["canonical_url", "host_of", "TRACKING_PARAMS", "TRACKING_PREFIXES"]

# Query parameters that identify the click, campaign or sharer, never the content.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "msclkid", "yclid", "twclid", "ttclid",
        "mc_cid", "mc_eid", "ref", "ref_src", "ref_url", "referrer", "cmpid", "ocid",
        "_ga", "_gl", "igshid", "igsh", "si", "wt.mc_id", "_hsenc", "_hsmi", "mkt_tok",
        "s_cid", "icid", "ncid", "sr_share", "smid", "cmp", "guccounter",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "at_medium", "at_campaign")

_DEFAULT_PORTS = {"http": 80, "https": 443}
_PERCENT = re.compile(r"%[0-9a-fA-F]{2}")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _is_tracking(raw_pair: str) -> bool:
    key = unquote(raw_pair.split("=", 1)[0]).strip().lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def _normalise_escapes(part: str) -> str:
    """``%7e`` → ``~`` (unreserved characters never need escaping) and ``%2f`` → ``%2F``,
    so two spellings of one path compare equal. Reserved escapes stay escaped: ``%2F``
    inside a segment is not the same as ``/``."""

    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(0)[1:], 16))
        return char if char in _UNRESERVED else match.group(0).upper()

    return _PERCENT.sub(fix, part)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4: ``/a/b/../c/./d`` → ``/a/c/d`` (never climbs above the root)."""
    output: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if len(output) > 1:
                output.pop()
        elif segment != ".":
            output.append(segment)
    resolved = "/".join(output)
    if path.endswith(("/.", "/..")):
        resolved += "/"
    return resolved if resolved.startswith("/") else "/" + resolved


def _hostname(parts) -> str:
    host = (parts.hostname or "").rstrip(".").lower()
    return host[4:] if host.startswith("www.") and host.count(".") >= 2 else host


def canonical_url(url: str) -> str:
    """The one spelling we store for ``url``.

    Lower-cases scheme and host, drops ``www.``, default ports, the fragment and tracking
    parameters (``utm_*``, ``fbclid``, ``gclid``, ``ref``, ...), sorts what is left of the query,
    resolves ``.``/``..`` and removes a trailing slash (except the root). The path keeps its
    case: most servers treat ``/Story`` and ``/story`` as different pages.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # e.g. a non-numeric port: not ours to fix
        return url
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return url

    host = _hostname(parts)
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = (userinfo + "@" if userinfo else "") + host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc += f":{port}"

    path = _remove_dot_segments(_normalise_escapes(parts.path or "/"))
    if len(path) > 1:
        path = path.rstrip("/") or "/"

    pairs = [p for p in parts.query.split("&") if p and not _is_tracking(p)]
    query = "&".join(sorted(_normalise_escapes(p) for p in pairs))
    return urlunsplit((scheme, netloc, path, query, ""))


def host_of(url: str) -> str:
    """The lower-cased host of ``url`` without ``www.`` or port; ``""`` for local files."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    if not parts.hostname or parts.scheme.lower() == "file":
        return ""
    return _hostname(parts)
