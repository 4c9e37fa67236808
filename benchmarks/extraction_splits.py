"""Which benchmark pages and texts the extraction and summary rules may be developed on, and
which are held out to check that a rule generalises.

The rule was fixed before any result was looked at (issue 13), and must never be changed after
looking at held-out figures:

- a page of ``../shared/bench/extraction/dev/`` (id = the file stem, a hash-like string) and a
  text of ``../shared/bench/summaries/dev-bbc/`` or ``dev-cnndm/`` (id = the file stem, e.g.
  ``politics-001`` or ``cnndm-042``) is **development** data when the first hex digit of
  ``sha256(id)`` is 0-7 and **held out** when it is 8-f.

Why a hash of the id: it depends on nothing a rule could be tuned towards (site, length, topic,
score), it is stable when files are added, and it halves every set and every BBC category at
random. Hashing the extraction ids again (they already look like hashes) costs nothing and keeps
one rule for all sets. The quote benchmark has its own split (benchmarks/quote_splits.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

__all__ = ["PARTS", "is_held_out", "split_ids"]

PARTS = ("dev", "held")


def is_held_out(item_id: str) -> bool:
    """True when ``item_id`` (a page id or a text's file stem) belongs to the held-out half."""
    return hashlib.sha256(item_id.encode("utf-8")).hexdigest()[0] in "89abcdef"


def split_ids(ids: Iterable[str]) -> dict[str, list[str]]:
    """``{"dev": [...], "held": [...], "all": [...]}``, each in the given order."""
    ids = list(ids)
    return {"dev": [i for i in ids if not is_held_out(i)],
            "held": [i for i in ids if is_held_out(i)],
            "all": ids}
