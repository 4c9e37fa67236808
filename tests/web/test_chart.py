"""The mentions chart: real PNG and SVG, drawn from the stored mentions, served at stable
URLs with caching headers."""

from __future__ import annotations

import io
from datetime import date, timedelta

from lxml import etree
from PIL import Image

from bot.web.chart import ChartData, chart_url, render_mentions_chart
from digests.store.archive import ArchiveReader

DAYS = [date(2026, 9, 6) + timedelta(days=i) for i in range(90)]


def _data(articles=None, quotes=None) -> ChartData:
    return ChartData("Andrii Yermak", DAYS, articles or [i % 4 for i in range(90)], quotes or [i % 7 == 0 for i in range(90)])


def test_png_is_an_image_of_the_requested_size_and_not_blank():
    png = render_mentions_chart(_data(), "png", width_px=640, height_px=220)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (640, 220)
    colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert len(colours) > 5  # bars, marks and text, not an empty canvas


def test_svg_is_xml_with_the_title_as_text_and_stable_bytes():
    svg = render_mentions_chart(_data(), "svg")
    root = etree.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "Andrii Yermak" in "".join(root.itertext())
    assert render_mentions_chart(_data(), "svg") == svg  # same data, same bytes (ETag-friendly)


def test_more_mentions_draw_more_ink():
    quiet = Image.open(io.BytesIO(render_mentions_chart(_data(articles=[0] * 89 + [1], quotes=[0] * 90)))).convert("L")
    busy = Image.open(io.BytesIO(render_mentions_chart(_data(articles=[3] * 90, quotes=[0] * 90)))).convert("L")
    def dark(im) -> int:
        return sum(1 for p in im.tobytes() if p < 160)

    assert dark(busy) > 2 * dark(quiet)


def test_chart_url_is_stable():
    assert chart_url("https://news.example/", "1-andrii-yermak") == "https://news.example/people/1-andrii-yermak/mentions.png"
    assert chart_url("https://news.example", "1-a", "svg").endswith("/people/1-a/mentions.svg")


async def test_mention_series_counts_articles_and_quotes_per_day(seeded_store):
    store, readonly, seeded = seeded_store
    series = await ArchiveReader(readonly).mention_series(seeded.yermak_id, days=90)
    assert len(series.days) == 90 and series.days[-1] - series.days[0] == timedelta(days=89)
    # Seeded: one article every 3rd day for 60 days (+ a wire copy today), quoted every 6th day.
    assert sum(series.articles) == 21
    assert sum(series.quotes) == 10
    assert all(q <= a for a, q in zip(series.articles, series.quotes))


async def test_chart_endpoints_serve_png_and_svg_with_etag(client, seeded):
    base = f"/people/{seeded.yermak_id}-andrii-yermak/mentions"
    png = await client.get(base + ".png")
    assert png.status == 200 and png.content_type == "image/png"
    assert Image.open(io.BytesIO(await png.read())).size == (640, 220)
    again = await client.get(base + ".png", headers={"If-None-Match": png.headers["ETag"]})
    assert again.status == 304
    svg = await client.get(base + ".svg")
    assert svg.status == 200 and svg.content_type == "image/svg+xml"
    etree.fromstring(await svg.read())


async def test_chart_for_a_who_card_gives_png_and_archive_url(seeded_store):
    from bot.web.person_chart import chart_for_person

    store, readonly, seeded = seeded_store
    card = await store.people.who("Yermak")
    chart = await chart_for_person(readonly, card.matches[0].name)
    assert Image.open(io.BytesIO(chart.png)).format == "PNG"
    assert chart.url("https://news.example") == f"https://news.example/people/{seeded.yermak_id}-andrii-yermak/mentions.png"
    assert chart.url("") is None
    assert await chart_for_person(readonly, "Nobody Known") is None
