"""The database schema (SQLAlchemy Core), shared by SQLite and PostgreSQL.

Times are stored as timezone-aware UTC (`DateTime(timezone=True)`); SQLite drops the zone,
so readers pass every value through :func:`digests.store.db.as_utc`.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy import inspect as _inspect
from sqlalchemy import text as _text

metadata = MetaData()

# BigInteger ids autoincrement on PostgreSQL; on SQLite only INTEGER PRIMARY KEY does.
Id = BigInteger().with_variant(Integer, "sqlite")

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

sources = Table(
    "sources",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("url", Text, nullable=False, unique=True),
    Column("kind", String(16), nullable=False),  # feed | page | file | folder
    Column("title", Text),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Column("poll_interval_s", Integer, nullable=False, default=900),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_fetch_at", DateTime(timezone=True)),
    Column("last_success_at", DateTime(timezone=True)),
    Column("last_error", Text),
    Column("failures", Integer, nullable=False, default=0),
    Column("next_poll_at", DateTime(timezone=True)),
    # Who added it: "operator" (CLI, config: may read local files and private hosts) or
    # "chat" (/sources add: public web only). See digests/urlpolicy.py.
    Column("origin", String(16), nullable=False, default="operator", server_default="operator"),
)

articles = Table(
    "articles",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("url", Text, nullable=False, unique=True),  # canonical
    Column("guid", Text),
    Column("source_id", Id, ForeignKey("sources.id", ondelete="SET NULL")),
    Column("source", Text, nullable=False, default=""),
    Column("title", Text, nullable=False),
    Column("title_generated", Boolean, nullable=False, default=False),
    Column("headline", Text),
    Column("authors", JSON, nullable=False, default=list),
    Column("published", DateTime(timezone=True)),
    Column("updated", DateTime(timezone=True)),
    Column("fetched_at", DateTime(timezone=True), nullable=False),
    Column("site_name", Text),
    Column("language", String(16)),
    Column("image", Text),
    Column("description", Text),
    Column("body", Text, nullable=False),
    Column("summary", JSON, nullable=False, default=list),
    Column("fingerprint", BigInteger),  # SimHash, signed 64-bit
    Column("vector", JSON),  # top terms, for story clustering
    Column("story_id", String(32), nullable=False),
    Index("ix_articles_published", "published"),
    Index("ix_articles_fetched_at", "fetched_at"),
    Index("ix_articles_story", "story_id"),
)

# Every URL (canonical, alternate, feed guid) under which an article was seen: the
# dedup lookup, so the same wire story on two sites is stored once with both URLs.
article_urls = Table(
    "article_urls",
    metadata,
    Column("url", Text, primary_key=True),
    Column("article_id", Id, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Index("ix_article_urls_article", "article_id"),
)

links = Table(
    "links",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("article_id", Id, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),  # related | body
    Column("title", Text, nullable=False),
    Column("url", Text, nullable=False),
    Index("ix_links_article", "article_id"),
)

people = Table(
    "people",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False),  # names.person_key(full name)
    Column("surname_key", String(200), nullable=False),
    Column("name", Text, nullable=False),
    Column("kind", String(8), nullable=False, default="person"),
    Column("role", Text),  # best current role
    Column("aliases", JSON, nullable=False, default=list),
    Column("last_seen", DateTime(timezone=True)),
    Index("ix_people_key", "key"),
    Index("ix_people_surname", "surname_key"),
)

person_roles = Table(
    "person_roles",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("person_id", Id, ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("article_id", Id, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("role", Text, nullable=False),
    Column("seen_at", DateTime(timezone=True)),
    Index("ix_person_roles_person", "person_id"),
)

mentions = Table(
    "mentions",
    metadata,
    Column("person_id", Id, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("article_id", Id, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("count", Integer, nullable=False, default=1),
    Column("published", DateTime(timezone=True)),
    Index("ix_mentions_person_published", "person_id", "published"),
)

quotes = Table(
    "quotes",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("article_id", Id, ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Column("person_id", Id, ForeignKey("people.id", ondelete="SET NULL")),
    Column("position", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("speaker", Text),
    Column("speaker_role", Text),
    Column("minor", Boolean, nullable=False, default=False),
    Column("key", Boolean, nullable=False, default=False),
    Column("published", DateTime(timezone=True)),
    Index("ix_quotes_article", "article_id"),
    Index("ix_quotes_person_published", "person_id", "published"),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("platform", String(16), nullable=False),  # telegram | slack | console
    Column("chat_id", String(64), nullable=False),
    Column("chat_kind", String(16), nullable=False, default="private"),
    Column("title", Text),
    Column("mode", String(8), nullable=False, default="digest"),  # digest | alerts | both
    Column("timezone", String(64), nullable=False, default="UTC"),
    Column("digest_time", String(5), nullable=False, default="08:00"),
    Column("keywords", JSON, nullable=False, default=list),
    Column("sources", JSON, nullable=False, default=list),
    Column("people", JSON, nullable=False, default=list),
    Column("paused", Boolean, nullable=False, default=False),
    Column("pause_reason", Text),
    Column("created_by", String(64)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_digest_at", DateTime(timezone=True)),  # end of the window last sent
    Column("last_alert_article_id", BigInteger, nullable=False, default=0),
    Column("last_alert_at", DateTime(timezone=True)),
    UniqueConstraint("platform", "chat_id", name="uq_subscriptions_chat"),
)

# Every message to send is a row here before it is sent (see digests/store/outbox.py).
outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("subscription_id", Id, ForeignKey("subscriptions.id", ondelete="SET NULL")),
    Column("platform", String(16), nullable=False),
    Column("chat_id", String(64), nullable=False),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("content_hash", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("state", String(12), nullable=False, default="pending"),  # pending|sending|sent|dead
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("claimed_by", String(64)),
    Column("claimed_until", DateTime(timezone=True)),
    Column("last_error", Text),
    Column("platform_message_id", String(64)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Index("ix_outbox_due", "state", "next_attempt_at"),
)


async def add_source_origin(conn) -> None:
    """In-place migration (schema v3): the ``sources.origin`` column, ``'operator'`` for the
    rows already there. Idempotent, so it is safe right after ``create_all`` made the column."""
    columns = await conn.run_sync(lambda sync: {c["name"] for c in _inspect(sync).get_columns("sources")})
    if "origin" not in columns:
        await conn.execute(_text("ALTER TABLE sources ADD COLUMN origin VARCHAR(16) NOT NULL DEFAULT 'operator'"))
