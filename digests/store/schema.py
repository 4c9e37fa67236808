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
from sqlalchemy import func as _func
from sqlalchemy import inspect as _inspect
from sqlalchemy import text as _text
from sqlalchemy.exc import DBAPIError

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
    # Covers /who's "roles by latest sighting" (an index-only range per person).
    Index("ix_person_roles_person_role", "person_id", "role", "seen_at"),
)

mentions = Table(
    "mentions",
    metadata,
    Column("person_id", Id, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("article_id", Id, ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("count", Integer, nullable=False, default=1),
    Column("published", DateTime(timezone=True)),
    # /who's mention counts (index-only) and latest articles (the order is the index's).
    Index("ix_mentions_person_latest", "person_id", "published", "article_id"),
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

# Newest first (latest, digest windows, search): the same expression the queries order by.
Index("ix_articles_when", _func.coalesce(articles.c.published, articles.c.fetched_at), articles.c.id)

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


# Indexes replaced in schema v5 by the covering ones above.
_V5_DROPPED = ("ix_person_roles_person", "ix_mentions_person_published")


async def add_lookup_indexes(conn) -> None:
    """In-place migration (schema v5): /who's covering indexes and the newest-first index on
    articles. Idempotent (a new database already has them from ``create_all``)."""
    await conn.execute(_text("CREATE INDEX IF NOT EXISTS ix_person_roles_person_role ON person_roles (person_id, role, seen_at)"))
    await conn.execute(_text("CREATE INDEX IF NOT EXISTS ix_mentions_person_latest ON mentions (person_id, published, article_id)"))
    await conn.execute(_text("CREATE INDEX IF NOT EXISTS ix_articles_when ON articles (coalesce(published, fetched_at), id)"))
    for name in _V5_DROPPED:
        await conn.execute(_text(f"DROP INDEX IF EXISTS {name}"))


# SQLite: an FTS5 index of title and body with the trigram tokenizer, so "contains this
# substring, case-insensitively" (what search means) is answered from the index; kept in step
# by triggers. PostgreSQL: pg_trgm GIN indexes, which serve ILIKE '%word%' directly.
SQLITE_FTS = [
    (
        "CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(title, body, content='articles', "
        "content_rowid='id', tokenize='trigram')"
    ),
    (
        "CREATE TRIGGER IF NOT EXISTS articles_fts_insert AFTER INSERT ON articles BEGIN "
        "INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END"
    ),
    (
        "CREATE TRIGGER IF NOT EXISTS articles_fts_delete AFTER DELETE ON articles BEGIN "
        "INSERT INTO articles_fts(articles_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); END"
    ),
    (
        "CREATE TRIGGER IF NOT EXISTS articles_fts_update AFTER UPDATE OF title, body ON articles BEGIN "
        "INSERT INTO articles_fts(articles_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); "
        "INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END"
    ),
    "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')",
]
POSTGRES_TRGM = [
    "CREATE INDEX IF NOT EXISTS ix_articles_title_trgm ON articles USING gin (title gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ix_articles_body_trgm ON articles USING gin (body gin_trgm_ops)",
]


async def add_search_index(conn) -> None:
    """In-place migration (schema v6): the substring search index. Where the database cannot
    have one (SQLite without FTS5's trigram tokenizer, PostgreSQL without pg_trgm), search
    keeps working by scanning, and the log says so."""
    import logging

    log = logging.getLogger(__name__)
    if conn.dialect.name == "sqlite":
        version = (await conn.execute(_text("SELECT sqlite_version()"))).scalar_one()
        fts5 = (await conn.execute(_text("SELECT 1 FROM pragma_compile_options WHERE compile_options = 'ENABLE_FTS5'"))).first()
        if not fts5 or tuple(int(p) for p in version.split(".")[:2]) < (3, 34):  # trigram came in 3.34
            log.warning("no full-text index for search: SQLite %s has no FTS5 trigram tokenizer", version)
            return
        for statement in SQLITE_FTS:
            await conn.execute(_text(statement))
        return
    available = (await conn.execute(_text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'"))).first()
    if not available:
        log.warning("no full-text index for search: the PostgreSQL server has no pg_trgm extension")
        return
    try:
        async with conn.begin_nested():
            await conn.execute(_text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            for statement in POSTGRES_TRGM:
                await conn.execute(_text(statement))
    except DBAPIError as exc:  # no right to create the extension
        log.warning("no full-text index for search (pg_trgm): %s", exc)


async def has_search_index(conn) -> bool:
    """Whether add_search_index could build the index on this database."""
    if conn.dialect.name == "sqlite":
        found = await conn.execute(_text("SELECT 1 FROM sqlite_master WHERE name = 'articles_fts'"))
    else:
        found = await conn.execute(_text("SELECT 1 FROM pg_indexes WHERE indexname = 'ix_articles_body_trgm'"))
    return found.first() is not None
