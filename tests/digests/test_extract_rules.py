"""Extraction rules that must hold on pages the rules were never tuned on (issue 13).

Each page here is small and hand-written; none is copied from a benchmark.
"""

from __future__ import annotations

import lxml.html
import pytest
import trafilatura

import digests.extract as extract_module
from digests.extract import extract_html
from digests.extract_furniture import drop_furniture, is_dateline
from digests.models import Article

URL = "https://www.valley-courier.example/news/2024/05/valley-plan"
STORY = [
    "The regional council approved a new plan for the river valley on Monday, after a long debate about flood defences.",
    "Farmers in the lower valley said the subsidies promised in the plan would not cover the cost of moving their herds.",
    "The old mill, which has stood empty since 1998, will be turned into a visitor centre with a cafe and a museum.",
    "Work on the new embankments is due to start in the spring and should take about two years, engineers said.",
    "Opposition members voted against the plan, saying it had been rushed through without a public consultation.",
]
LICENCE = ("This article is licensed under a Creative Commons Attribution 4.0 International License. You may "
           "republish it free of charge, provided you credit the author and do not edit the text.")


def _page(article_html: str, extra: str = "") -> str:
    return (f"<html><head><title>Valley plan | Valley Courier</title></head><body>"
            f"<article><h1>Valley plan</h1>{article_html}</article>{extra}</body></html>")


def _story_html() -> str:
    return "".join(f"<p>{p}</p>" for p in STORY)


def test_a_licence_box_chosen_as_the_article_falls_back_to_the_default_extraction(monkeypatch) -> None:
    # Precision mode sometimes settles on a notice box; simulate that choice, keep the default mode real.
    real = trafilatura.bare_extraction

    def precision_picks_the_licence(tree, **options):
        if options.get("favor_precision"):
            return real(lxml.html.fromstring(f"<html><body><article><p>{LICENCE}</p></article></body></html>"),
                        **options)
        return real(tree, **options)

    monkeypatch.setattr(extract_module.trafilatura, "bare_extraction", precision_picks_the_licence)
    article = extract_html(_page(_story_html(), f"<div class='licence'><p>{LICENCE}</p></div>"), URL)
    assert isinstance(article, Article)
    assert article.body.startswith(STORY[0])
    assert STORY[-1] in article.body


def test_a_short_real_story_is_not_swapped_for_a_longer_page() -> None:
    brief = "".join(f"<p>{p}</p>" for p in STORY[:3])
    article = extract_html(_page(brief), URL)
    assert isinstance(article, Article)
    assert article.body == "\n\n".join(STORY[:3])


def test_links_are_collected_from_the_page_with_their_whole_text() -> None:
    # paragraphs as <div>s, as some news sites write them
    html = _page(
        f"<div class='para'>{STORY[0]}</div>"
        "<div class='para'>Farmers said the <a href='/subsidies'>farm subsidies</a> would not cover the cost of moving"
        " their herds to higher ground, and the <a href='/union'>farmers' union</a> agreed with them.</div>"
        + "".join(f"<div class='para'>{p}</div>" for p in STORY[1:]),
        "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>")
    article = extract_html(html, URL)
    assert isinstance(article, Article)
    assert "Farmers said the farm subsidies would not cover" in article.body  # nothing lost before the link
    links = {link.title: link.url for link in article.links}
    assert links["farm subsidies"] == "https://www.valley-courier.example/subsidies"
    assert links["farmers' union"] == "https://www.valley-courier.example/union"
    assert "Home" not in links and "News" not in links  # menu entries are not the body's links


def test_a_div_paragraph_damaged_around_its_first_link_is_mended_from_the_page() -> None:
    tree = lxml.html.fromstring(
        "<html><body><div class='story'><div>Farmers in the valley said the <a href='/s'>subsidies</a> promised"
        " in the plan would not cover their costs.</div></div></body></html>")
    lost_start = "subsidies promised in the plan would not cover their costs."
    glued = "Farmers in the valley said the subsidiespromised in the plan would not cover their costs."
    whole = "Farmers in the valley said the subsidies promised in the plan would not cover their costs."
    assert extract_module._repair_div_paragraphs(tree, [lost_start, glued, STORY[0]]) == [whole, whole, STORY[0]]


LATER = [f"{sentence} {sentence.replace('the', 'this')}" for sentence in STORY[2:]]  # the article's rest


def _split_page(box_class: str, comments: bool) -> lxml.html.HtmlElement:
    first = f"<div class='{box_class}'><p>{STORY[0]}</p><p>{STORY[1]}</p></div>"
    rest = f"<div class='{box_class}'>" + "".join(f"<p>{p}</p>" for p in LATER) + "</div>"
    reader = "".join(f"<div class='{box_class}'><p>Reader comment number {i}: I completely disagree with the"
                     " council and think the plan will fail within a year.</p><p>Posted by a reader who lives"
                     " in the valley and has seen three floods already.</p></div>" for i in range(3))
    region = f"<section id='comments'>{reader}</section>" if comments else ""
    return lxml.html.fromstring(f"<html><body><article>{first}<div class='ad'></div>{rest}</article>{region}"
                                "</body></html>")


def test_split_article_containers_are_joined() -> None:
    extra = extract_module._split_body_paragraphs(_split_page("story-body__part", comments=False), STORY[:2])
    assert extra == LATER


@pytest.mark.parametrize("box_class", ["elementor-widget-container", "wp-block-group", "row col-md-8"])
def test_split_recovery_ignores_page_builder_classes(box_class: str) -> None:
    assert extract_module._split_body_paragraphs(_split_page(box_class, comments=True), STORY[:2]) == []


def test_split_recovery_never_takes_boxes_among_reader_comments() -> None:
    extra = extract_module._split_body_paragraphs(_split_page("story-body__part", comments=True), STORY[:2])
    assert extra == LATER


@pytest.mark.parametrize("line", ["November 18, 2019", "Published 10:04 AM EST, Mon November 18, 2019",
                                  "Updated: 18.11.2019 | 14:05", "Mon 18 Nov 2019 12.00 GMT",
                                  "Published 12 Nov 2019 | Updated 13 Nov 2019"])
def test_dateline_only_lines_are_furniture(line: str) -> None:
    assert is_dateline(line)


@pytest.mark.parametrize("line", ["4:14 p.m.", "29 November 2018 | 20 January 2019",
                                  "On November 18, 2019 the council met.", "Mon 18 Nov: the vote"])
def test_times_spans_and_sentences_are_not_datelines(line: str) -> None:
    assert not is_dateline(line)


def test_furniture_lines_and_footers_are_dropped() -> None:
    paragraphs = [
        "November 18, 2019",
        STORY[0],
        "The old mill at dawn, seen from the bridge. © Jane Doe",
        STORY[1], STORY[2], STORY[3], STORY[4],
        "About Meadowfield Farms",
        "Meadowfield Farms is a leading producer of dairy products in the region, founded in 1921.",
        "Tags",
        "Flooding",
        "River valley",
        "Local council",
    ]
    kept, _ = drop_furniture(paragraphs)
    assert kept == STORY


def test_a_tags_label_ends_at_the_next_prose() -> None:
    kept, _ = drop_furniture([STORY[0], "Tags:", "Flooding", "Farming", STORY[1]])
    assert kept == [STORY[0], STORY[1]]


def test_an_about_heading_that_is_not_a_press_footer_stays() -> None:
    paragraphs = [*STORY, "About the plan", "The plan sets aside money for new embankments and a visitor centre."]
    assert drop_furniture(paragraphs)[0] == paragraphs


def test_an_unlabelled_list_of_linked_headlines_is_dropped_but_subheadings_stay() -> None:
    headlines = ["Ferry operators bid for the harbour crossing", "New school opens in the lower valley",
                 "Mill owners sue the council over the plan"]
    linked = {" ".join(h.lower().split()) for h in headlines}
    kept, dropped = drop_furniture([*STORY, *headlines], linked)
    assert kept == STORY and dropped == headlines
    with_subheads = [STORY[0], "What the plan means for farmers", STORY[1], STORY[2]]
    assert drop_furniture(with_subheads, linked)[0] == with_subheads
    unlinked_points = ["Higher embankments along the river", "A visitor centre in the old mill",
                       "New subsidies for moving herds"]
    assert drop_furniture([*STORY, *unlinked_points], linked)[0] == [*STORY, *unlinked_points]


def test_furniture_rules_apply_to_a_whole_page() -> None:
    page = _page(
        "<p>November 18, 2019</p>" + _story_html()
        + "<p>About Meadowfield Farms</p><p>Meadowfield Farms is a leading producer of dairy products.</p>")
    article = extract_html(page, URL)
    assert isinstance(article, Article)
    assert article.body == "\n\n".join(STORY)
