"""The archive in a real headless Chromium (Debian's ``chromium``), driven over the
DevTools protocol: follow a digest to a story and a person, see the chart load, search,
open the feed, and log in as admin to retry a dead letter. Screenshots go to the test's
temporary folder and must not be blank."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from PIL import Image

from tests.web.cdp import Browser, chromium_missing_reason
from tests.web.seed import ADMIN_TOKEN, HOSTILE_TITLE

pytestmark = pytest.mark.skipif(chromium_missing_reason() is not None, reason=chromium_missing_reason() or "")

CHART_LOADED = """new Promise(resolve => {
  const img = document.getElementById('mentions-chart');
  if (!img) return resolve(-1);
  if (img.complete) return resolve(img.naturalWidth);
  img.addEventListener('load', () => resolve(img.naturalWidth));
  img.addEventListener('error', () => resolve(0));
})"""


def _not_blank(path) -> None:
    """Also copied to $NEWSDIGEST_WEB_SCREENSHOTS when set (README pictures come from here)."""
    keep = os.environ.get("NEWSDIGEST_WEB_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, Path(keep) / Path(path).name)
    image = Image.open(path).convert("RGB")
    assert image.width >= 600 and image.height >= 300
    colours = image.getcolors(maxcolors=1_000_000) or []
    assert len(colours) > 20, f"{path} looks blank"
    background = max(colours)[0] / (image.width * image.height)
    assert background < 0.97, f"{path} is almost all one colour"


async def test_reader_journey_digest_story_person_chart_search_feed(client, seeded, tmp_path):
    base = str(client.server.make_url("/")).rstrip("/")
    async with Browser() as browser:
        page = await browser.new_page()
        # Without the CSP's help: what is tested here is that hostile text is never markup.
        await page.send("Page.setBypassCSP", {"enabled": True})
        await page.goto(f"{base}/digests")
        assert await page.evaluate("document.querySelectorAll('ol.digest-list li').length") == 3
        await page.screenshot(tmp_path / "digests.png")

        await page.click_and_wait("ol.digest-list li a")
        assert await page.evaluate("location.pathname") == f"/digests/{seeded.digest_slugs[0]}"
        headlines = await page.evaluate("[...document.querySelectorAll('article.item h3')].map(h => h.textContent)")
        assert HOSTILE_TITLE in headlines  # shown as text, exactly
        assert await page.evaluate("typeof window.__pwned") == "undefined"
        assert await page.evaluate("document.querySelectorAll('main script, main img').length") == 0
        await page.screenshot(tmp_path / "digest.png")

        await page.click_and_wait("a[href='/stories/yermak-0']")
        assert "Yermak" in await page.evaluate("document.querySelector('h1').textContent")
        await page.click_and_wait("ul.people a")
        assert await page.evaluate("document.querySelector('h1').textContent") == "Andrii Yermak"
        assert await page.evaluate(CHART_LOADED) > 0  # the PNG decoded: natural width > 0
        await page.screenshot(tmp_path / "person.png")

        # Search from the header form, as a reader would.
        await page.run_and_wait("""(() => { const input = document.querySelector('header form[action="/search"] input');
            input.value = 'Geneva round 12'; input.form.requestSubmit(); })()""")
        results = await page.evaluate("[...document.querySelectorAll('ol.results li a')].map(a => a.textContent)")
        assert results == ["Yermak in Geneva, round 12"]

        await page.goto(f"{base}/people/not-a-person")
        assert await page.evaluate("document.querySelector('h1').textContent") == "Not found."

        # The feed as a feed reader in the browser would get it: XML in the Atom namespace.
        feed = await page.evaluate("""fetch('/feeds/digests.atom').then(async r => {
            const doc = new DOMParser().parseFromString(await r.text(), 'application/xml');
            return {type: r.headers.get('content-type'), ns: doc.documentElement.namespaceURI,
                    errors: doc.getElementsByTagName('parsererror').length,
                    entries: doc.getElementsByTagNameNS('http://www.w3.org/2005/Atom', 'entry').length};
        })""")
        assert feed == {"type": "application/atom+xml; charset=utf-8", "ns": "http://www.w3.org/2005/Atom",
                        "errors": 0, "entries": len(seeded.digest_slugs)}
        assert await page.evaluate("typeof window.__pwned") == "undefined"
    for name in ("digests.png", "digest.png", "person.png"):
        _not_blank(tmp_path / name)


async def test_admin_refuses_without_token_then_retries_a_dead_letter(client, seeded, seeded_store, tmp_path):
    base = str(client.server.make_url("/")).rstrip("/")
    store = seeded_store[0]
    async with Browser() as browser:
        page = await browser.new_page()
        await page.goto(f"{base}/admin")
        assert await page.evaluate("!!document.querySelector('input[name=token]')")
        assert await page.evaluate("document.querySelectorAll('table.dead, table.sources').length") == 0
        await page.evaluate(f"document.querySelector('input[name=token]').value = {json.dumps(ADMIN_TOKEN + 'x')}")
        await page.click_and_wait("form.login button")
        assert "Wrong token" in await page.evaluate("document.querySelector('main').textContent")

        await page.evaluate(f"document.querySelector('input[name=token]').value = {json.dumps(ADMIN_TOKEN)}")
        await page.click_and_wait("form.login button")
        assert await page.evaluate("location.pathname") == "/admin"
        row = f"#dead-{seeded.dead_letter_id}"
        assert "blocked by the user" in await page.evaluate(f"document.querySelector('{row} .reason').textContent")
        await page.screenshot(tmp_path / "admin.png")
        await page.click_and_wait(f"{row} form[action$='/retry'] button")
        assert await page.evaluate(f"document.querySelector('{row}')") is None
        assert "retried" in await page.evaluate("document.querySelector('.notice').textContent")
    assert (await store.outbox.get(seeded.dead_letter_id)).state == "pending"
    _not_blank(tmp_path / "admin.png")
