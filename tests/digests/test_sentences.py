"""Sentence splitting on news prose: abbreviations, dates, initials, quotes, paragraphs."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digests.understand.sentences import sentence_spans, split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Mr. Smith met Dr. Jones in Washington. They talked for 2.5 hours.",
            ["Mr. Smith met Dr. Jones in Washington.", "They talked for 2.5 hours."],
        ),
        (
            "The vote is on Feb. 5 in Kyiv. Results follow on Jan. 28 next year.",
            ["The vote is on Feb. 5 in Kyiv.", "Results follow on Jan. 28 next year."],
        ),
        (
            "The U.S. Treasury said it would act. Officials arrived in the U.S. They met at 3 p.m. on Monday.",
            ["The U.S. Treasury said it would act.", "Officials arrived in the U.S.", "They met at 3 p.m. on Monday."],
        ),
        (
            "John F. Kennedy gave the speech. It was short.",
            ["John F. Kennedy gave the speech.", "It was short."],
        ),
        (
            'He said: "We will rebuild." The crowd cheered. She added: “It is over.” Then she left.',
            ['He said: "We will rebuild."', "The crowd cheered.", "She added: “It is over.”", "Then she left."],
        ),
        (
            '"Why now?" Smith asked. Nobody answered.',
            ['"Why now?" Smith asked.', "Nobody answered."],
        ),
        (
            "He paused... Then he spoke. It was... odd.",
            ["He paused...", "Then he spoke.", "It was... odd."],
        ),
        (
            "Prices rose 3.5% in 2024. 2025 looks worse.",
            ["Prices rose 3.5% in 2024.", "2025 looks worse."],
        ),
        (
            "Visitors from e.g. France or Spain came. Fine.",
            ["Visitors from e.g. France or Spain came.", "Fine."],
        ),
    ],
)
def test_news_abbreviations_and_quotes(text, expected):
    assert split_sentences(text) == expected


def test_paragraph_break_always_ends_a_sentence():
    text = "A line without a full stop\n\nThe next paragraph starts here. It goes on"
    assert split_sentences(text) == ["A line without a full stop", "The next paragraph starts here.", "It goes on"]


def test_heading_line_is_its_own_sentence_but_wrapped_lines_are_joined():
    text = "Gallery unveils tree\nA tree went up at the gallery,\nwhich was busy. It is tall."
    assert split_sentences(text) == [
        "Gallery unveils tree",
        "A tree went up at the gallery,\nwhich was busy.",
        "It is tall.",
    ]


def test_empty_and_blank_text():
    assert split_sentences("") == []
    assert split_sentences(" \n\n \t") == []


@given(st.text(alphabet=st.sampled_from(list("ab .?!\"”\n'UMr.5")), max_size=120))
def test_sentences_are_exact_ordered_substrings(text):
    spans = sentence_spans(text)
    last = 0
    for start, end in spans:
        assert start >= last and end > start
        piece = text[start:end]
        assert piece == piece.strip() and piece
        last = end
    assert split_sentences(text) == [text[s:e] for s, e in spans]
