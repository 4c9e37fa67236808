"""The command core with no chat platform at all: requests in, answer models out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.commands import Request, Services, handle, parse_command
from digests.answers import (
    ArticleList,
    Digest,
    HelpText,
    Notice,
    SourceList,
    SubscriptionList,
    WhoCard,
)
from digests.models import Analysis, Article, Person, Quote
from tests.store_fixtures import store, store_target  # noqa: F401  (fixtures)

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def req(command, *args, chat_kind="private", is_admin=False, chat_id="c1", is_operator=False):
    return Request(command=command, args=tuple(args), platform="test", chat_id=chat_id, user_id="u1",
                   chat_kind=chat_kind, is_admin=is_admin, is_operator=is_operator)


async def allow_any_url(url):
    from digests.urlpolicy import UrlVerdict

    return UrlVerdict(url, allowed=True)


@pytest.fixture
async def services(store):
    body = ("Presidential Chief of Staff Andrii Yermak said the talks went well.\n\n"
            "“We are interested to work with our partners,” Yermak said.")
    article = Article(url="https://news.example/yermak", title="Talks in Kyiv & <elsewhere>", body=body,
                      published=NOW - timedelta(hours=2), site_name="Example News")
    start = body.index("We are")
    quote_text = "We are interested to work with our partners"
    await store.articles.save(Analysis(
        article=article, summary=[body.split("\n\n")[0]], headline=article.title,
        people=[Person("Andrii Yermak", aliases=["Yermak"], roles=["Presidential Chief of Staff"], mentions=2)],
        quotes=[Quote(quote_text, speaker="Andrii Yermak", speaker_role="Presidential Chief of Staff", key=True,
                      start=start, end=start + len(quote_text))],
    ))
    return Services(store=store, now=lambda: NOW, check_source_url=allow_any_url)


async def test_who_answers_with_a_person_card(services):
    card = await handle(req("who", "Yermak"), services)
    assert isinstance(card, WhoCard) and len(card.matches) == 1
    person = card.matches[0]
    assert person.name == "Andrii Yermak" and person.role == "Presidential Chief of Staff"
    assert person.quotes[0].text == "We are interested to work with our partners"
    assert person.quotes[0].url == "https://news.example/yermak"


async def test_who_without_a_name_or_with_an_unknown_one(services):
    usage = await handle(req("who"), services)
    assert isinstance(usage, Notice) and "Usage" in usage.text
    unknown = await handle(req("who", "Nobody"), services)
    assert isinstance(unknown, Notice) and "Nobody" in unknown.text


async def test_latest_and_search(services):
    latest = await handle(req("latest", "5"), services)
    assert isinstance(latest, ArticleList) and [a.url for a in latest.articles] == ["https://news.example/yermak"]
    bad = await handle(req("latest", "500"), services)
    assert isinstance(bad, Notice) and bad.level == "warning"
    found = await handle(req("search", "partners"), services)
    assert [a.url for a in found.articles] == ["https://news.example/yermak"]
    none = await handle(req("search", "volcano"), services)
    assert none.articles == [] and "volcano" in none.empty_message


async def test_digest_covers_the_window_and_says_so_when_empty(services):
    digest = await handle(req("digest"), services)
    assert isinstance(digest, Digest)
    assert [i.url for i in digest.items] == ["https://news.example/yermak"]
    assert digest.items[0].key_quote.speaker == "Andrii Yermak"
    later = Services(store=services.store, now=lambda: NOW + timedelta(days=3))
    empty = await handle(req("digest"), later)
    assert empty.is_empty and empty.empty_message


async def test_subscribe_needs_admin_rights_in_groups_and_channels(services):
    refused = await handle(req("subscribe", chat_kind="group"), services)
    assert isinstance(refused, Notice) and refused.level == "error"
    assert await services.store.subscriptions.get("test", "c1") is None
    ok = await handle(req("subscribe", "ukraine,", "minerals", chat_kind="group", is_admin=True), services)
    assert ok.level == "success"
    sub = await services.store.subscriptions.get("test", "c1")
    assert sub.keywords == ["ukraine", "minerals"] and sub.chat_kind == "group"
    private = await handle(req("subscribe", chat_id="dm"), services)
    assert private.level == "success"


async def test_settings_validate_and_save(services):
    assert (await handle(req("settings"), services)).level == "info"  # not subscribed yet
    saved = await handle(req("settings", "tz=Europe/Kyiv", "time=7:30", "mode=both"), services)
    assert isinstance(saved, SubscriptionList)
    view = saved.subscriptions[0]
    assert (view.timezone, view.digest_time, view.mode) == ("Europe/Kyiv", "07:30", "both")
    for bad in ("tz=Mars/Olympus", "time=25:00", "mode=sometimes", "colour=blue"):
        answer = await handle(req("settings", bad), services)
        assert isinstance(answer, Notice) and answer.level == "warning", bad
    assert (await services.store.subscriptions.get("test", "c1")).timezone == "Europe/Kyiv"


async def test_sources_list_and_operator_only_changes(services):
    refused = await handle(req("sources", "add", "https://feeds.example/rss"), services)
    assert refused.level == "error"
    chat_admin = await handle(req("sources", "add", "https://feeds.example/rss", chat_kind="group", is_admin=True), services)
    assert chat_admin.level == "error" and await services.store.sources.list() == []
    added = await handle(req("sources", "add", "https://feeds.example/rss", is_operator=True), services)
    assert added.level == "success"
    listing = await handle(req("sources"), services)
    assert isinstance(listing, SourceList) and [s.url for s in listing.sources] == ["https://feeds.example/rss"]
    assert (await handle(req("sources", "add", "ftp://x", is_operator=True), services)).level == "warning"
    assert (await handle(req("sources", "remove", "https://feeds.example/rss", is_admin=True), services)).level == "error"
    assert (await handle(req("sources", "remove", "https://feeds.example/rss", is_operator=True), services)).level == "success"


@pytest.mark.parametrize("url", ["http://127.0.0.1:5432/", "http://169.254.169.254/latest/meta-data/", "http://[::1]/",
                                 "http://localhost/feed", "http://2130706433/", "http://0x7f000001/", "http://127.1/",
                                 "http://[::ffff:127.0.0.1]/", "http://10.1.2.3/rss", "file:///etc/passwd"])
async def test_chat_added_internal_addresses_are_refused_generically_and_not_stored(store, url):
    """Even an operator typing in a chat goes through the chat URL policy (the real one)."""
    answer = await handle(req("sources", "add", url, is_operator=True), Services(store=store))
    assert isinstance(answer, Notice) and answer.level == "warning"
    assert await store.sources.list() == []
    for address in ("127.0.0.1", "169.254", "::1", "10.1.2.3", "2130706433"):
        if address not in url:
            assert address not in answer.text  # never the address a name resolved to


async def test_unsubscribe_help_and_unknown(services):
    await handle(req("subscribe"), services)
    assert (await handle(req("unsubscribe"), services)).level == "success"
    assert (await handle(req("unsubscribe"), services)).level == "info"
    help_ = await handle(req("help"), services)
    assert isinstance(help_, HelpText) and any(usage.startswith("/who") for usage, _ in help_.commands)
    unknown = await handle(req("frobnicate"), services)
    assert isinstance(unknown, Notice) and "/help" in unknown.text


def test_parse_command_handles_bot_suffixes_and_non_commands():
    assert parse_command("/who@newsbot Andrii Yermak", "NewsBot").args == ("Andrii", "Yermak")
    assert parse_command("/who@otherbot Yermak", "newsbot") is None
    assert parse_command("hello", "newsbot") is None
    assert parse_command("/", "newsbot") is None
    assert parse_command("/LATEST 5").command == "latest"
