"""The store: SQLite file by default, PostgreSQL by URL. ``Store`` opens the database,
migrates it, and gives one repository per concern::

    async with await Store.open("newsdigest.db") as store:
        await store.sources.add("https://example.org/rss.xml", "feed")
        card = await store.people.who("Yermak")
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from digests.store.articles import ArticleRepository, ArticleRow, SaveResult
from digests.store.db import SCHEMA_VERSION, database_url, open_engine
from digests.store.outbox import OutboxRepository
from digests.store.people import PeopleRepository
from digests.store.sources import SourceRecord, SourceRepository
from digests.store.subscriptions import Subscription, SubscriptionRepository

__all__ = [
    "SCHEMA_VERSION",
    "ArticleRow",
    "SaveResult",
    "SourceRecord",
    "Store",
    "Subscription",
    "database_url",
]


class Store:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sources = SourceRepository(engine)
        self.articles = ArticleRepository(engine)
        self.people = PeopleRepository(engine)
        self.subscriptions = SubscriptionRepository(engine)
        self.outbox = OutboxRepository(engine)

    @classmethod
    async def open(cls, target: str, *, read_only: bool = False) -> Store:
        """Open (and create or upgrade) the database at a file path or SQLAlchemy URL;
        ``read_only`` never creates or changes anything and refuses a missing database."""
        return cls(await open_engine(target, read_only=read_only))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def close(self) -> None:
        await self.engine.dispose()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()
