"""From the store to a digest: stories once with "also" links, similar stories linked."""

from datetime import datetime, timedelta, timezone

from digests.digest_builder import build_digest
from digests.models import Analysis, Article
from digests.similarity import term_vector

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)

BRIDGE = ("The city council of Norhaven approved the new Elm river bridge on Tuesday after a long debate. "
          "The bridge will cost 40 million euros and link the harbour district with the old town. "
          "Construction of the Elm bridge starts in spring, council member Ida Brandt said.")
BRIDGE_2 = ("Norhaven councillors voted on Tuesday to build the Elm river bridge, a 40 million euro project. "
            "The Elm bridge will connect the harbour district to the old town, and work starts in spring.")
FERRY = ("The Norhaven harbour ferry will stop running once the Elm river bridge opens, the harbour district "
         "transport office said. Ferry crews will move to the old town tram service.")
FOOTBALL = "Vellbridge United beat Corran Athletic three goals to one in the cup final on Saturday evening."


async def save(store, url, title, body, story, hours=0):
    article = Article(url=url, title=title, body=body, published=T0 + timedelta(hours=hours), site_name=url.split("/")[2])
    await store.articles.save(Analysis(article=article, summary=[body.split(". ")[0] + "."], headline=title),
                              vector=term_vector(f"{title}\n{body}"), story_id=story)


async def test_one_story_from_two_sources_appears_once_and_similar_stories_are_linked(store):
    await save(store, "https://a.example/bridge", "Council approves Elm bridge", BRIDGE, "bridge")
    await save(store, "https://b.example/elm", "Elm bridge gets the go-ahead", BRIDGE_2, "bridge", hours=1)
    await save(store, "https://c.example/ferry", "Harbour ferry to stop when bridge opens", FERRY, "ferry")
    await save(store, "https://d.example/cup", "United win the cup", FOOTBALL, "cup")
    digest = await build_digest(store, since=T0 - timedelta(hours=1), until=T0 + timedelta(hours=3))
    items = {item.story_id: item for item in digest.items}
    assert set(items) == {"bridge", "ferry", "cup"}
    bridge = items["bridge"]
    assert len(bridge.also) == 1
    assert "https://c.example/ferry" in [link.url for link in bridge.related]
    assert "https://d.example/cup" not in [link.url for link in bridge.related]
    assert all(link.url not in ("https://a.example/bridge", "https://b.example/elm") for link in bridge.related)
