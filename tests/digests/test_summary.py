"""Extractive summaries and generated headlines."""

import re
from pathlib import Path

import pytest

from digests.models import Article
from digests.understand.sentences import split_sentences
from digests.understand.summary import make_headline, summarize

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / ".." / "shared"

BODY = """\
Flooding forced the evacuation of 2,000 residents from the riverside town of Lenham on Sunday after the river Ashe burst its banks following three days of heavy rain.

Photo: Emergency crews in Lenham (Reuters)

The Environment Agency said water levels at the Lenham gauge reached 4.2 metres, the highest since records began in 1960, and warned that more rain was expected on Tuesday.

"I have never seen anything like it," said shopkeeper Maria Lopes, whose cafe on the high street was under a metre of water.

Read more: How to protect your home from floods

Council leader Tom Reyes said temporary shelters had been opened in two schools and that the evacuation of Lenham residents would continue overnight as water levels rose.

What would you do if your home flooded?

The agency said flood defences built in 2015 had protected more than 500 homes further downstream from the worst of the water.
"""


def article(body: str = BODY, title: str = "") -> Article:
    return Article(url="https://example.test/floods", title=title, body=body)


def test_summary_is_verbatim_in_order_and_bounded():
    summary = summarize(article())
    assert 2 <= len(summary) <= 3
    positions = [BODY.index(s) for s in summary]
    assert positions == sorted(positions)
    assert all(s in split_sentences(BODY) for s in summary)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_summary_respects_max_sentences(n):
    assert len(summarize(article(), max_sentences=n)) <= n


def test_summary_starts_with_the_news_lead():
    assert summarize(article())[0].startswith("Flooding forced the evacuation")


def test_summary_skips_captions_calls_to_action_and_reader_questions():
    text = " ".join(summarize(article(), max_sentences=5))
    assert "Photo:" not in text
    assert "Read more" not in text
    assert "What would you do" not in text


def test_summary_avoids_repeating_itself():
    lead = "The central bank raised its main interest rate to 5.5 percent on Thursday to fight inflation."
    body = "\n\n".join(
        [lead, lead.replace("Thursday", "Thursday afternoon"),
         "Economists had expected the increase after prices rose faster than forecast in the spring.",
         "The bank said it would keep watching wages and energy costs before deciding on further moves."]
    )
    summary = summarize(article(body))
    assert len(summary) == 3
    assert sum(s.startswith("The central bank raised") for s in summary) == 1


def test_summary_of_empty_or_tiny_body():
    assert summarize(article("")) == []
    assert summarize(article("Short one.")) == ["Short one."]


def test_headline_short_lead_is_kept_whole():
    body = "Lenham floods force 2,000 residents to leave their homes.\n\nMore text follows here today."
    assert make_headline(article(body)) == "Lenham floods force 2,000 residents to leave their homes."


@pytest.mark.parametrize("limit", [40, 60, 80, 110])
def test_headline_is_cut_at_a_boundary_within_the_limit(limit):
    headline = make_headline(article(), max_chars=limit)
    lead = split_sentences(BODY)[0]
    assert len(headline) <= limit
    assert headline.endswith("…")
    kept = headline[:-1]
    assert lead.startswith(kept)
    # never a half word: the cut is followed by a space or punctuation in the lead
    assert not re.match(r"\w", lead[len(kept)])
    assert not kept.endswith((",", " ", ";", ":"))


def test_headline_prefers_a_clause_boundary():
    headline = make_headline(article(), max_chars=110)
    assert headline == "Flooding forced the evacuation of 2,000 residents from the riverside town of Lenham on Sunday…"


BBC = SHARED / "bench" / "summaries" / "dev-bbc"


@pytest.mark.shared
@pytest.mark.skipif(not BBC.exists(), reason="../shared not present (benchmark corpora live outside the package)")
def test_bbc_summaries_are_verbatim_and_leave_the_title_out():
    import importlib.util

    spec = importlib.util.spec_from_file_location("summary_quality", ROOT / "benchmarks" / "summary_quality.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    for path in sorted((BBC / "text").glob("*.txt"))[::100]:
        art = bench.article_from_bbc(path)
        assert art.title and art.title not in art.body.split("\n\n")[0]
        summary = summarize(art)
        assert 2 <= len(summary) <= 3
        assert all(s in art.body for s in summary)


def test_summary_never_picks_half_a_quotation():
    from digests.models import Article
    from digests.understand.summary import summarize

    body = ("The Norhaven council approved a new ferry service across the river on Monday night after a long debate. "
            "“We listened to the shift workers. They asked for this more than anything else,” said council leader "
            "Mara Lind, who has backed the plan since spring.\n\n"
            "The ferry will run every hour between nine in the evening and one in the morning on weekends. "
            "Tickets will cost two euros, the same as a bus fare across town.\n\n"
            "The harbour board said the boat would be ready in time for the summer season.")
    picked = summarize(Article(url="u", title="t", body=body), max_sentences=3)
    assert all(s.count("“") == s.count("”") for s in picked)
    assert not any(s.startswith("They asked") for s in picked)
