"""The sent-digest archive table: one row per digest sent to a subscription, so the web
archive can show it at a stable permalink long after the chat message scrolled away.

It lives on its own ``MetaData`` (the main schema is the lead's); ``create_archive_tables``
is idempotent (``create_all`` only adds what is missing) and is meant to be called from a
schema migration step. ``record_digest`` runs inside the caller's transaction, so the
digest is archived exactly when its messages are queued.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from digests.answers import Digest
from digests.models import to_jsonable

__all__ = ["archive_metadata", "create_archive_tables", "digest_slug", "record_digest", "sent_digests"]

archive_metadata = MetaData()
Id = BigInteger().with_variant(Integer, "sqlite")

sent_digests = Table(
    "sent_digests",
    archive_metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("slug", String(64), nullable=False, unique=True),  # the permalink: /digests/<slug>
    Column("subscription_id", Id),  # no FK: the subscription may be removed, the archive stays
    Column("title", Text, nullable=False),
    Column("since", DateTime(timezone=True), nullable=False),
    Column("until", DateTime(timezone=True), nullable=False),
    Column("keywords", JSON, nullable=False, default=list),  # the subscription's filters, for per-keyword feeds
    Column("content", JSON, nullable=False),  # the Digest as JSON (to_jsonable)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_sent_digests_until", "until"),
)


async def create_archive_tables(conn: AsyncConnection) -> None:
    """Create the archive table when missing (safe to run on every start)."""
    await conn.run_sync(archive_metadata.create_all)


def digest_slug(subscription_id: int | None, until: datetime) -> str:
    """A stable permalink for the digest of one subscription's window: known before the
    messages are rendered, so chat messages can link to it."""
    stamp = until.astimezone(UTC).strftime("%Y-%m-%d-%H%M")
    salt = hashlib.sha256(f"{subscription_id}:{until.astimezone(UTC).isoformat()}".encode()).hexdigest()[:8]
    return f"{stamp}-{salt}"


def _insert_ignoring_duplicates(conn: AsyncConnection, values: dict):
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(sent_digests).values(values).on_conflict_do_nothing(index_elements=["slug"])


async def record_digest(
    conn: AsyncConnection, digest: Digest, *, subscription_id: int | None, keywords: list[str] | tuple[str, ...] = (),
    now: datetime | None = None,
) -> str:
    """Archive ``digest`` (inside the caller's transaction); returns its slug. Recording
    the same window twice keeps the first copy."""
    slug = digest_slug(subscription_id, digest.until)
    values = dict(
        slug=slug, subscription_id=subscription_id, title=digest.title, since=digest.since, until=digest.until,
        keywords=list(keywords), content=to_jsonable(digest), created_at=now or datetime.now(UTC),
    )
    await conn.execute(_insert_ignoring_duplicates(conn, values))
    return slug
