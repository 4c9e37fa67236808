"""The App Home tab: the user's subscriptions and the latest digest, as one Block Kit view.

A home view holds at most 100 blocks (a message only 50): we stack the rendered answers and,
when they don't fit, cut between blocks and end with a pointer to ``/digest``.
"""

from __future__ import annotations

from bot.slack.render import render_slack
from digests.answers import Digest, SubscriptionList

__all__ = ["home_view", "HOME_MAX_BLOCKS"]

HOME_MAX_BLOCKS = 100
_MORE = {"type": "context", "elements": [{"type": "mrkdwn", "text": "More stories: type `/digest` in any channel."}]}


def _blocks(answer) -> list[dict]:
    return [block for message in render_slack(answer) for block in message.blocks]


def home_view(subscriptions: SubscriptionList, digest: Digest | None) -> dict:
    """``views.publish``'s ``view`` for one user."""
    blocks = _blocks(subscriptions)
    if digest is not None:
        blocks.append({"type": "divider"})
        digest_blocks = _blocks(digest)
        room = HOME_MAX_BLOCKS - len(blocks)
        if len(digest_blocks) > room:
            digest_blocks = digest_blocks[: room - 1]
            while digest_blocks and digest_blocks[-1]["type"] in ("divider", "header", "actions"):
                digest_blocks.pop()  # don't end on a heading without its stories
            digest_blocks.append(_MORE)
        # Buttons in a home view would need their own handlers per surface: leave them out.
        blocks.extend(b for b in digest_blocks if b["type"] != "actions")
    return {"type": "home", "blocks": blocks[:HOME_MAX_BLOCKS]}
