"""The archive's store side on SQLite and (when configured) PostgreSQL: the read-only
engine refuses writes, archived digests round-trip, person look-ups."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from digests.answers import Digest, DigestItem, DigestSection, QuoteRef
from digests.store.archive import (
    ArchiveReader,
    open_readonly_engine,
    person_id_from_slug,
    person_slug,
)
from digests.store.archive_schema import (
    create_archive_tables,
    digest_slug,
    record_digest,
)
from tests.store_fixtures import store, store_target  # noqa: F401  (fixtures)

UNTIL = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


def _digest(until: datetime, headline: str) -> Digest:
    item = DigestItem(story_id="s1", headline=headline, url="https://x.example/a", source="X",
                      key_quote=QuoteRef(text="We act", speaker="A B"))
    return Digest(title="Morning", since=until - timedelta(days=1), until=until, sections=[DigestSection(None, [item])])


async def test_readonly_engine_refuses_writes(store, store_target):
    readonly = open_readonly_engine(store_target)
    try:
        async with readonly.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM articles"))).scalar_one() == 0
        with pytest.raises((OperationalError, DBAPIError)):
            async with readonly.begin() as conn:
                await conn.execute(text("INSERT INTO meta (key, value) VALUES ('x', 'y')"))
    finally:
        await readonly.dispose()


async def test_recorded_digests_round_trip_newest_first_and_once(store, store_target):
    async with store.engine.begin() as conn:
        await create_archive_tables(conn)
        await create_archive_tables(conn)  # idempotent
        first = await record_digest(conn, _digest(UNTIL - timedelta(days=1), "Old news"), subscription_id=1, keywords=["Kyiv"])
        second = await record_digest(conn, _digest(UNTIL, "New news"), subscription_id=1, keywords=["Kyiv"])
        again = await record_digest(conn, _digest(UNTIL, "Changed"), subscription_id=1, keywords=["Kyiv"])
    assert again == second == digest_slug(1, UNTIL) and first != second
    reader = ArchiveReader(store.engine)
    rows, total = await reader.digests_page(1, 10)
    assert total == 2 and [r.slug for r in rows] == [second, first]
    assert rows[0].items[0]["headline"] == "New news"  # the first recording of a window is kept
    assert rows[0].items[0]["key_quote"]["speaker"] == "A B"
    assert (await reader.digests_page(1, 10, keyword="kyiv"))[1] == 2
    assert (await reader.digests_page(1, 10, keyword="Lviv"))[1] == 0
    assert (await reader.digest(first)).until == UNTIL - timedelta(days=1)


def test_person_slugs_are_readable_and_carry_the_id():
    assert person_slug(12, "Andrii Yermak") == "12-andrii-yermak"
    assert person_slug(3, "Mara O'Neil") == "3-mara-o-neil"
    assert person_slug(4, "Володимир") == "4"
    assert person_id_from_slug("12-andrii-yermak") == 12 and person_id_from_slug("12") == 12
    assert person_id_from_slug("x-12") is None
