"""Which worker holds a lease, whether it still runs, and what it saw accepted before it died.

**Worker ids** (``host:tag:pid:object``) say where a delivery worker runs. ``tag`` hashes the
host name, the boot id and the pid namespace, so only a process of the same machine, boot
and namespace judges a claimer's pid; :func:`claimer_is_gone` is True only when that pid no
longer exists. Everything in doubt counts as alive, and its lease simply runs out.

**The sent journal** closes most of the duplicate window of platforms that cannot be asked
"did this already go out?" (Telegram). The outbox commits ``sent`` after the platform's
answer; a kill between the two used to mean one duplicate after restart. The journal
records the answer with one ``write(2)`` to an ``O_APPEND`` file in the same event-loop step
that receives it (no ``await`` between the answer and the record), before the database is
touched. The kernel keeps the line even if the process is killed the next instant (a power
cut can lose it: then the message is sent again, as before). A restarted worker settles the
rows listed in the journals of exited workers as sent, then deletes those journals. Each
worker writes only its own file and truncates it whenever every line in it is committed.
What is left is the time the answer spends in the network stack and the HTTP client.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
import socket
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

__all__ = ["local_worker_id", "claimer_is_gone", "SentJournal", "JournalEntry", "journal_dir_for"]

_SUFFIX = ".sent"


def _read(path: str) -> str:
    try:
        with open(path, encoding="ascii") as f:
            return f.read().strip()
    except OSError:
        return ""


@functools.lru_cache(maxsize=1)
def _machine_tag() -> str | None:
    """This host, boot and pid namespace; None where boot id or namespace cannot be read (not
    Linux): exited workers' leases then just expire."""
    if os.name != "posix":
        return None
    boot = _read("/proc/sys/kernel/random/boot_id")
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = ""
    if not boot or not namespace:
        return None
    return hashlib.sha1(f"{socket.gethostname()}|{boot}|{namespace}".encode()).hexdigest()[:12]


def local_worker_id(owner: object) -> str:
    """``host:tag:pid:object`` (at most 64 characters: the outbox column's width)."""
    host = re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname())[:24] or "host"
    return f"{host}:{_machine_tag() or 'x'}:{os.getpid()}:{id(owner) & 0xFFFFFFFFFFFF:x}"


def claimer_is_gone(worker_id: str) -> bool:
    """True only when ``worker_id`` was a process of this machine and pid namespace that has
    exited. Anything in doubt (another machine, this very pid, a pid now used by another
    process, an id of another format) counts as alive."""
    tag = _machine_tag()
    parts = worker_id.split(":")
    if tag is None or len(parts) != 4 or parts[1] != tag or not parts[2].isdigit():
        return False
    pid = int(parts[2])
    if pid == os.getpid() or pid <= 1:
        return False
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by someone else
        return False
    return False


def journal_dir_for(database: str) -> Path | None:
    """``<file>.sent-journal`` next to a SQLite database file; None for other databases (their
    workers may run on several machines: each would need a local directory of its own)."""
    target = database.strip()
    if target.startswith("sqlite"):
        _, _, target = target.partition(":///")
    elif "://" in target:
        return None
    if not target or target == ":memory:" or target.startswith("file:"):
        return None
    path = Path(target).expanduser()
    return path.with_name(path.name + ".sent-journal")


@dataclass(frozen=True)
class JournalEntry:
    row_id: int
    idempotency_key: str
    platform_message_id: str | None


def _clean(text: str) -> str:
    return re.sub(r"\s", "_", text)


def _parse(path: Path) -> list[JournalEntry]:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    entries = []
    for line in lines:
        parts = line.split("\t")
        if len(parts) == 3 and parts[0].isdigit() and parts[2]:
            entries.append(JournalEntry(int(parts[0]), parts[2], parts[1] or None))
    return entries


class SentJournal:
    """One worker's journal file in ``directory`` (named after its worker id)."""

    def __init__(self, directory: Path, worker_id: str) -> None:
        self.directory = Path(directory)
        self.worker_id = worker_id
        self.path = self.directory / f"{worker_id.replace(':', '_')}{_SUFFIX}"
        self._fd: int | None = None
        self.unconfirmed: dict[int, JournalEntry] = {}  # recorded, commit not yet seen

    def record(self, row_id: int, idempotency_key: str, platform_message_id: str | None) -> None:
        """Synchronous on purpose: called right after the platform's answer, no await in between."""
        entry = JournalEntry(row_id, idempotency_key, platform_message_id)
        self.unconfirmed[row_id] = entry
        line = f"{row_id}\t{_clean(platform_message_id or '')}\t{_clean(idempotency_key)}\n".encode()
        try:
            if self._fd is None:
                self.directory.mkdir(parents=True, exist_ok=True)
                self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            os.write(self._fd, line)
        except OSError as exc:  # a full disk must not stop delivery: the outbox commit still follows
            log.warning("sent journal not written", extra={"path": str(self.path), "error": str(exc)})

    def confirmed(self, row_id: int) -> None:
        """The outbox committed ``sent`` for this row; once nothing is unconfirmed the file is
        emptied (only this worker writes it, so nothing else can be lost)."""
        self.unconfirmed.pop(row_id, None)
        if not self.unconfirmed and self._fd is not None:
            try:
                os.ftruncate(self._fd, 0)
            except OSError:
                pass

    def close(self) -> None:
        if self._fd is None:
            return
        os.close(self._fd)
        self._fd = None
        if not self.unconfirmed:
            self.path.unlink(missing_ok=True)

    def orphans(self) -> dict[Path, list[JournalEntry]]:
        """The journals of exited workers of this machine (see :func:`claimer_is_gone`)."""
        found: dict[Path, list[JournalEntry]] = {}
        if not self.directory.is_dir():
            return found
        for path in self.directory.glob(f"*{_SUFFIX}"):
            worker = path.name[: -len(_SUFFIX)].replace("_", ":")
            if path != self.path and claimer_is_gone(worker):
                found[path] = _parse(path)
        return found
