"""Admin pages: unreachable without the token (404 when none is configured, 401 when not
logged in, 403 for a wrong token or a missing CSRF token), and what they show and do."""

from __future__ import annotations

import re

from lxml import html as lxml_html

from bot.web.admin import COOKIE
from tests.web.seed import ADMIN_TOKEN

ADMIN_GETS = ["/admin"]
ADMIN_POSTS = ["/admin/login", "/admin/logout", "/admin/dead-letters/1/retry", "/admin/dead-letters/1/drop"]


async def _login(client) -> str:
    response = await client.post("/admin/login", data={"token": ADMIN_TOKEN}, allow_redirects=False)
    assert response.status == 303
    assert "HttpOnly" in response.headers["Set-Cookie"] and "SameSite=Strict" in response.headers["Set-Cookie"]
    assert ADMIN_TOKEN not in response.headers["Set-Cookie"]
    page = await client.get("/admin")
    assert page.status == 200
    text = await page.text()
    return re.search(r'name="csrf" value="([0-9a-f]+)"', text).group(1)


async def test_no_token_configured_means_no_admin_at_all(client_without_admin):
    for path in ADMIN_GETS:
        assert (await client_without_admin.get(path)).status == 404
    for path in ADMIN_POSTS:
        assert (await client_without_admin.post(path, data={"token": ""})).status == 404
    page = await (await client_without_admin.get("/digests")).text()
    assert 'href="/admin"' not in page


async def test_without_login_admin_is_401_and_shows_nothing(client, seeded):
    response = await client.get("/admin")
    assert response.status == 401
    text = await response.text()
    assert "Broken" not in text and "blocked" not in text and 'name="token"' in text
    for path in ADMIN_POSTS[1:]:
        assert (await client.post(path, data={"csrf": "x"})).status == 401
    bad = await client.post("/admin/login", data={"token": ADMIN_TOKEN + "x"})
    assert bad.status == 403
    forged = await client.get("/admin", cookies={COOKIE: ADMIN_TOKEN})  # the raw token is not a session
    assert forged.status == 401


async def test_admin_overview_shows_sources_outbox_and_dead_letters(client, seeded):
    await _login(client)
    doc = lxml_html.fromstring(await (await client.get("/admin")).text())
    failing = doc.xpath("//table[@class='sources']//tr[@class='failing']")[0]
    cells = [" ".join(td.text_content().split()) for td in failing.xpath("td")]
    assert "Broken <Feed>" in cells[0] and cells[1] == "never" and cells[2] == "3"
    # Back-off: the poll interval doubled per failure, with +-20 % jitter (sources.failure_backoff).
    backoff_min = int(re.fullmatch(r"(\d+) min", cells[3]).group(1))
    nominal = 900 * 2 ** 3 / 60
    assert 0.8 * nominal - 1 <= backoff_min <= 1.2 * nominal + 1
    assert "HTTP 503" in cells[5] and "UTC" in cells[4]
    healthy = doc.xpath("//table[@class='sources']/tbody/tr[not(@class='failing')]")[0]
    assert "UTC" in healthy.xpath("string(td[2])")
    assert doc.xpath("string(//*[@id='outbox-depth'])") == "0"
    reason = doc.xpath(f"string(//tr[@id='dead-{seeded.dead_letter_id}']/td[@class='reason'])")
    assert "blocked by the user" in reason


async def test_retry_needs_csrf_and_puts_the_letter_back_in_the_queue(client, seeded, seeded_store):
    store = seeded_store[0]
    csrf = await _login(client)
    path = f"/admin/dead-letters/{seeded.dead_letter_id}/retry"
    assert (await client.post(path, data={})).status == 403
    assert (await client.post(path, data={"csrf": "0" * 64})).status == 403
    assert (await store.outbox.get(seeded.dead_letter_id)).state == "dead"
    done = await client.post(path, data={"csrf": csrf}, allow_redirects=False)
    assert done.status == 303
    assert (await store.outbox.get(seeded.dead_letter_id)).state == "pending"
    assert (await client.post(path, data={"csrf": csrf})).status == 404  # no longer a dead letter


async def test_drop_deletes_the_dead_letter(client, seeded, seeded_store):
    store = seeded_store[0]
    csrf = await _login(client)
    path = f"/admin/dead-letters/{seeded.dead_letter_id}/drop"
    assert (await client.post(path, data={})).status == 403
    assert (await client.post(path, data={"csrf": csrf}, allow_redirects=False)).status == 303
    assert await store.outbox.get(seeded.dead_letter_id) is None


async def test_bearer_token_works_for_scripts(client):
    assert (await client.get("/admin", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})).status == 200
    assert (await client.get("/admin", headers={"Authorization": "Bearer nope"})).status == 401
