"""The one URL policy: what the fetcher may read, for whom. Every path that fetches asks it
first: a source's own URL, each item link of a feed, every redirect hop, OPML imports, and the
chat ``/sources add`` command (:func:`check_chat_source_url`) before anything is stored.

    what is fetched                     | operator source (CLI, config)   | chat source (/sources add)
    ------------------------------------+---------------------------------+---------------------------
    the source's own URL: http(s)       | any address                     | public addresses only
    the source's own URL: file://, path | regular files only, capped,     | refused
                                        | file:// host empty or localhost |
    item links, redirect hops: http(s)  | public addresses; private ones  | public addresses only
                                        | only on the source's own host   |
                                        | (``allow_private_item_hosts``   |
                                        | widens this to any host)        |
    item links, redirect hops: other    | refused (file:, ftp:, paths...) | refused
    schemes and local paths             |                                 |

"Public" means every address the host resolves to is globally routable: loopback, private,
link-local, shared (CGNAT), multicast, reserved, unspecified and documentation ranges are
refused, in IPv4, IPv6, IPv4-mapped/6to4/Teredo/NAT64 forms, and in every numeric spelling
``inet_aton`` accepts (``2130706433``, ``0x7f000001``, ``127.1``, ``0177.0.0.1``). A checked
verdict carries the addresses it checked; the fetcher connects to one of those (keeping the
Host header and TLS SNI of the name), so a DNS answer that changes between the check and the
connection (rebinding) cannot send it elsewhere.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import re
import socket
import stat
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from urllib.parse import unquote, urlsplit

from digests.errors import BodyTooLarge, FetchError

__all__ = [
    "FetchScope",
    "Refusal",
    "Resolver",
    "SourceOrigin",
    "UrlPolicy",
    "UrlRefused",
    "UrlRole",
    "UrlVerdict",
    "check_chat_source_url",
    "is_local_url",
    "is_public_address",
    "local_path",
    "parse_ip",
    "read_local_file",
    "system_resolver",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]  # (host, port) -> addresses


class SourceOrigin(str, Enum):
    OPERATOR = "operator"  # added from the CLI or the config file: trusted with local files
    CHAT = "chat"  # added from a chat: public web only


class UrlRole(str, Enum):
    SOURCE = "source"  # the URL the source was added with (and its redirect hops)
    ITEM = "item"  # a link a feed handed us (and its redirect hops)


class Refusal(str, Enum):
    BAD_URL = "bad_url"
    SCHEME = "scheme"  # not http(s), or a local file where only the web is allowed
    FILE_HOST = "file_host"  # file://otherhost/...: never a local file
    NOT_REGULAR_FILE = "not_regular_file"  # a FIFO, a device, a directory
    PRIVATE_ADDRESS = "private_address"
    UNRESOLVABLE = "unresolvable"


@dataclass(frozen=True)
class FetchScope:
    """Who asked for a URL: the origin of the source it belongs to, that source's URL, and
    whether this is the source itself or a link found in it."""

    origin: SourceOrigin = SourceOrigin.OPERATOR
    source_url: str = ""
    role: UrlRole = UrlRole.SOURCE

    @classmethod
    def source(cls, url: str, origin: SourceOrigin = SourceOrigin.OPERATOR) -> FetchScope:
        return cls(SourceOrigin(origin), url, UrlRole.SOURCE)

    def item(self) -> FetchScope:
        return FetchScope(self.origin, self.source_url, UrlRole.ITEM)


@dataclass(frozen=True)
class UrlVerdict:
    url: str
    allowed: bool
    reason: Refusal | None = None
    detail: str = ""
    addresses: tuple[str, ...] = ()  # checked addresses to connect to; () = connect by name
    local_path: str | None = None  # set for an allowed local file


class UrlRefused(FetchError):
    """The URL policy refused a URL; ``reason`` is a :class:`Refusal`."""

    def __init__(self, verdict: UrlVerdict) -> None:
        super().__init__(verdict.url, f"refused by the URL policy: {verdict.detail}")
        self.reason = verdict.reason
        self.verdict = verdict


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]).split("%", 1)[0] for info in infos))


_NUMERIC_V4 = re.compile(r"^(?:0x[0-9a-f]*|\d+)(?:\.(?:0x[0-9a-f]*|\d+)){0,3}$", re.IGNORECASE)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def parse_ip(host: str) -> IPAddress | None:
    """The address a host spelled as a number means, or None for a name. Accepts what
    ``inet_aton`` (and so the C resolver) accepts: ``127.1``, ``0x7f000001``, ``2130706433``."""
    host = host.strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _NUMERIC_V4.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def is_public_address(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and not is_public_address(embedded):
            return False
    bad = (ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast
           or ip.is_reserved or ip.is_unspecified)
    return ip.is_global and not bad


def is_local_url(url: str) -> bool:
    """``file:`` URLs (any spelling) and plain filesystem paths (no scheme, or a drive letter)."""
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return False
    return scheme == "file" or scheme == "" or (len(scheme) == 1 and url[1:3] in (":\\", ":/"))


def local_path(url: str) -> str:
    parts = urlsplit(url.strip())
    path = unquote(parts.path) if parts.scheme.lower() == "file" else url.strip()
    return os.path.expanduser(path)


def _refuse(url: str, reason: Refusal, detail: str) -> UrlVerdict:
    return UrlVerdict(url, False, reason, detail)


def _same_host(a: str, b: str) -> bool:
    return bool(a) and a.rstrip(".").lower() == b.rstrip(".").lower()


@dataclass(frozen=True)
class UrlPolicy:
    resolver: Resolver = system_resolver
    allow_private_item_hosts: bool = False  # operator sources: private links on any host
    resolve_timeout: float = 10.0

    async def check(self, url: str, scope: FetchScope | None = None) -> UrlVerdict:
        scope = scope or FetchScope.source(url)
        operator = scope.origin is SourceOrigin.OPERATOR
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError as exc:
            return _refuse(url, Refusal.BAD_URL, f"not a valid URL ({exc})")
        scheme = parts.scheme.lower()
        if is_local_url(url):
            if not (operator and scope.role is UrlRole.SOURCE):
                return _refuse(url, Refusal.SCHEME, "local files are read only for sources the operator adds")
            if scheme == "file" and parts.netloc.lower() not in ("", "localhost"):
                return _refuse(url, Refusal.FILE_HOST, f"file:// URL names another host ({parts.netloc!r})")
            return UrlVerdict(url, True, local_path=local_path(url))
        if scheme not in ("http", "https"):
            return _refuse(url, Refusal.SCHEME, f"only http and https are fetched, not {scheme}:")
        host = parts.hostname or ""
        if not host:
            return _refuse(url, Refusal.BAD_URL, "no host in the URL")
        if operator and (self.allow_private_item_hosts or _same_host(host, _host(scope.source_url))):
            return UrlVerdict(url, True)  # the operator's own host (or the switch): by name
        addresses = await self._resolve(host, port or (443 if scheme == "https" else 80))
        if not addresses:
            return _refuse(url, Refusal.UNRESOLVABLE, f"could not resolve {host}")
        if not all(is_public_address(a) for a in addresses):
            return _refuse(url, Refusal.PRIVATE_ADDRESS,
                           f"{host} is a loopback, private, link-local or reserved address")
        return UrlVerdict(url, True, addresses=tuple(str(a) for a in addresses))

    async def _resolve(self, host: str, port: int) -> list[IPAddress]:
        literal = parse_ip(host)
        if literal is not None:
            return [literal]
        try:
            async with asyncio.timeout(self.resolve_timeout):
                answers = await self.resolver(host, port)
        except (OSError, TimeoutError, UnicodeError):
            return []
        parsed = [parse_ip(a) for a in answers]
        # An answer that is not an address at all is as bad as a private one: refuse it.
        return [p if p is not None else ipaddress.ip_address("0.0.0.0") for p in parsed]


def _host(url: str) -> str:
    try:
        return urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""


async def check_chat_source_url(url: str, *, policy: UrlPolicy | None = None) -> UrlVerdict:
    """Whether a URL typed in a chat may become a source. Call before storing; on
    ``verdict.allowed is False`` show a generic refusal (``verdict.detail`` is for logs)."""
    return await (policy or UrlPolicy()).check(url, FetchScope.source(url, SourceOrigin.CHAT))


_CHUNK = 64 * 1024


def read_local_file(path: str, limit: int, url: str | None = None) -> bytes:
    """The bytes of a regular file, at most ``limit`` of them (blocking: run in a thread).

    Opened non-blocking and checked with ``fstat`` before any read, so a FIFO, a device
    (``/dev/zero``), a directory or a symlink to one is refused and never waited on."""
    url = url or path
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise FetchError(url, "no such file") from None
    except OSError as exc:
        raise FetchError(url, f"cannot read file: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise UrlRefused(_refuse(url, Refusal.NOT_REGULAR_FILE, "is a directory, not a file"))
        if not stat.S_ISREG(info.st_mode):
            raise UrlRefused(_refuse(url, Refusal.NOT_REGULAR_FILE, "not a regular file (a FIFO or a device?)"))
        if info.st_size > limit:
            raise BodyTooLarge(url, limit)
        chunks: list[bytes] = []
        size = 0
        while chunk := os.read(fd, min(_CHUNK, limit + 1 - size)):
            size += len(chunk)
            if size > limit:  # the file grew since fstat
                raise BodyTooLarge(url, limit)
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise FetchError(url, f"cannot read file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
