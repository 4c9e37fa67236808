"""``/who`` on Telegram sends the person's mentions chart as a photo (a real multipart
``sendPhoto`` through python-telegram-bot to the local Bot API fake, which checks the image
and the 1024-character caption), with the card as caption when it fits, else after it."""

from __future__ import annotations

import io

from PIL import Image

from tests.web.seed import seed_archive

PRIVATE = 4711


def _image_size(png: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(png)) as image:
        image.verify()
    with Image.open(io.BytesIO(png)) as image:
        return image.size


async def test_a_short_card_is_the_caption_of_the_chart(tg_server, tg_adapter, tg_store):
    await seed_archive(tg_store)
    tg_server.push_update(tg_server.make_message_update("/who Mike Johnson", chat_id=PRIVATE))
    [photo] = await tg_server.wait_for(1, chat_id=PRIVATE)
    assert tg_server.calls("sendPhoto") and not tg_server.calls("sendMessage")
    assert photo.photo is not None and min(_image_size(photo.photo)) > 0
    assert "Mike Johnson" in photo.plain_text and "House speaker" in photo.plain_text
    assert len(photo.plain_text) <= 1024


async def test_a_long_card_follows_the_chart(tg_server, tg_adapter, tg_store):
    await seed_archive(tg_store)  # Yermak: quoted in many articles, a card longer than a caption
    tg_server.push_update(tg_server.make_message_update("/who Andrii Yermak", chat_id=PRIVATE))
    messages = await tg_server.wait_for(2, chat_id=PRIVATE)
    first, rest = messages[0], messages[1:]
    assert first.photo is not None and "Andrii Yermak" in first.plain_text and "90 days" in first.plain_text
    assert all(m.photo is None for m in rest)
    assert "We will keep talking" in " ".join(m.plain_text for m in rest)


async def test_no_chart_for_namesakes_or_strangers(tg_server, tg_adapter, tg_store):
    await seed_archive(tg_store)
    tg_server.push_update(tg_server.make_message_update("/who Johnson", chat_id=PRIVATE))
    [choice] = await tg_server.wait_for(1, chat_id=PRIVATE)
    tg_server.push_update(tg_server.make_message_update("/who Nobody Atall", chat_id=PRIVATE + 1))
    [none] = await tg_server.wait_for(1, chat_id=PRIVATE + 1)
    assert choice.photo is None and len(choice.buttons) == 2
    assert none.photo is None and not tg_server.calls("sendPhoto")
