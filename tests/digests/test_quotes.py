import json
import re
from pathlib import Path

import pytest

from digests.models import Article
from digests.understand.people import find_people
from digests.understand.quotes import find_quotes

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SEED = SHARED / "seeds" / "kyivpost-2025-02-12-bessent-kyiv"
L, R = "\u201c", "\u201d"


def quotes_of(body: str):
    article = Article(url="x", title="t", body=body)
    quotes = find_quotes(article, find_people(article))
    for q in quotes:
        assert body[q.start:q.end] == q.text  # verbatim, offsets into the body
    return quotes


def by_text(quotes, start: str):
    return next(q for q in quotes if q.text.startswith(start))


def test_attribution_after_with_title_and_split_quote():
    body = (f"{L}We will hold the line,{R} Orvian Defence Minister Kael Dunmore said. {L}Nobody doubts it.{R}\n\n"
            f"Dunmore spoke in Vell.")
    quotes = quotes_of(body)
    assert [q.text for q in quotes] == ["We will hold the line", "Nobody doubts it."]
    assert {q.speaker for q in quotes} == {"Kael Dunmore"}
    assert quotes[0].speaker_role == "Orvian Defence Minister"


def test_verb_before_name_and_wrote_and_told():
    body = (f"Sara Vint, the mayor, and Paulo Ress, a city official, met.\n\n"
            f"{L}The budget is done,{R} said Vint.\n\n"
            f"{L}It is not,{R} Ress told The Daily Lamp.\n\n"
            f"{L}We MUST finish this week — no more delays,{R} Vint wrote.")
    quotes = quotes_of(body)
    assert by_text(quotes, "The budget").speaker == "Sara Vint"
    assert by_text(quotes, "It is not").speaker == "Paulo Ress"
    assert by_text(quotes, "We MUST").speaker == "Sara Vint"
    assert by_text(quotes, "We MUST").text.endswith("delays")  # trailing comma trimmed


def test_colon_and_said_that_before_quote():
    body = (f"Coach Imre Talab was blunt after the game. Talab said: {L}We were bad.{R}\n\n"
            f"Goalie Nils Orrin added that {L}nobody played well{R} on the night.")
    quotes = quotes_of(body)
    assert by_text(quotes, "We were bad").speaker == "Imre Talab"
    assert by_text(quotes, "nobody played").speaker == "Nils Orrin"


def test_pronoun_resolves_to_latest_subject_not_told_object():
    body = (f"Defender Ruth Okafo could see the frustration on her friend's face.\n\n"
            f"{L}She is used to scoring goals,{R} she said.\n\n"
            f"Anton Pell, the club chairman, spoke next. {L}We trust the coach,{R} he told Okafo.")
    quotes = quotes_of(body)
    assert by_text(quotes, "She is used").speaker == "Ruth Okafo"
    assert by_text(quotes, "We trust").speaker == "Anton Pell"


def test_description_resolved_through_roles():
    body = (f"Orvian President Lida Marsh met Velan Prime Minister Oskar Brunn on Friday.\n\n"
            f"{L}We will open the border,{R} the Orvian leader said.\n\n"
            f"{L}Then we will trade,{R} the prime minister said.")
    quotes = quotes_of(body)
    assert by_text(quotes, "We will open").speaker == "Lida Marsh"
    assert by_text(quotes, "Then we will").speaker == "Oskar Brunn"


def test_nested_subject_with_date_and_according_to():
    body = (f"Petra Lund met investors. {L}We are open to the deal,{R} Lund said on Feb. 5.\n\n"
            f"{L}The talks failed,{R} according to Hal Wren, a union negotiator.")
    quotes = quotes_of(body)
    assert by_text(quotes, "We are open").speaker == "Petra Lund"
    assert by_text(quotes, "The talks").speaker == "Hal Wren"


def test_organisation_speaker_and_they():
    body = (f"Silver Anchor Records, which owns the catalogue, denied any wrongdoing.\n\n"
            f"{L}We never blocked anyone,{R} they said in a statement.\n\n"
            f"{L}We wish her well.{R}")
    quotes = quotes_of(body)
    assert by_text(quotes, "We never").speaker == "Silver Anchor Records"
    assert by_text(quotes, "We wish").speaker == "Silver Anchor Records"  # next paragraph carries on


def test_quote_running_over_paragraph_break():
    body = (f"Coach Mara Ellis spoke to the team.\n\n"
            f"{L}You have beaten good teams,{R} she said. {L}So believe in yourselves.\n\n"
            f"{L}I said the same thing last year.{R}\n\n"
            f"The team won.")
    quotes = quotes_of(body)
    assert [q.text for q in quotes] == ["You have beaten good teams", "So believe in yourselves.",
                                        "I said the same thing last year."]
    assert {q.speaker for q in quotes} == {"Mara Ellis"}


def test_straight_quotes_scare_quotes_and_key():
    body = ('Governor Tomas Reyl called the plan "serious work" on Monday. '
            '"This is the most important budget we have passed in a decade, and it will fund every school '
            'in the state," Reyl said. "Thanks."\n\n'
            'Analysts called it "bold".')
    quotes = quotes_of(body)
    scare = by_text(quotes, "serious work")
    assert scare.minor and not scare.key
    assert by_text(quotes, "bold").minor
    main = by_text(quotes, "This is the most")
    assert main.key and not main.minor and main.speaker == "Tomas Reyl"
    assert main.speaker_role == "Governor"
    assert sum(q.key for q in quotes) >= 1 and not any(q.key and q.minor for q in quotes)


def test_pull_quote_not_counted_twice():
    body = (f"Chief of Staff Ivan Drel met the press.\n\n"
            f"{L}We will rebuild every bridge, however long it takes.{R}\n\n"
            f"Chief of Staff, Ivan Drel\n\n"
            f"{L}We will rebuild every bridge, however long it takes,{R} Drel told reporters. {L}All of them.{R}")
    quotes = quotes_of(body)
    assert [q.text for q in quotes] == ["We will rebuild every bridge, however long it takes", "All of them."]
    assert {q.speaker for q in quotes} == {"Ivan Drel"}


@pytest.mark.skipif(not SHARED.exists(), reason="../shared not present (benchmark corpora live outside the package)")
def test_seed_article_speakers_and_roles():
    gold = json.loads(SEED.with_suffix(".gold.json").read_text(encoding="utf-8"))
    text = SEED.with_suffix(".txt").read_text(encoding="utf-8")
    start = text.index(gold["body_starts_with"])
    end = text.index(gold["body_ends_with"]) + len(gold["body_ends_with"])
    body = re.sub(r"\n\s*\n", "\n\n", text[start:end])
    quotes = quotes_of(body)
    yermak = [q for q in quotes if "Yermak" in (q.speaker or "")]
    assert {q.speaker for q in yermak} == {"Andrii Yermak"}
    assert len(yermak) == 4 and all("Presidential Chief of Staff" in q.speaker_role for q in yermak)
    waltz = by_text(quotes, "We need to recoup")
    assert waltz.speaker == "Mike Waltz" and "National Security Adviser" in waltz.speaker_role
    for start_text in ("I am sending Secretary", "The U.S. has spent BILLIONS"):
        assert by_text(quotes, start_text).speaker == "Donald Trump"
    assert by_text(quotes, "I am sending").text.endswith("Death and Destruction")
    assert by_text(quotes, "rare earth").minor
    # the unquoted pull quote is not a second copy of Yermak's words
    assert sum(q.text.startswith("We really have this big potential") for q in quotes) == 1


def test_a_whole_sentence_quote_is_key_before_a_clause_picked_out_of_one():
    from digests.models import Article
    from digests.understand.people import find_people
    from digests.understand.quotes import find_quotes

    body = ("Mayor Ida Brandt said the city “is going to have to make a deal on the harbour bridge that the "
            "residents like, whatever the costs turn out to be.”\n\n"
            "“We will not sign anything that leaves the old town without a crossing for three more years,” "
            "Brandt told reporters on Monday.")
    article = Article(url="u", title="t", body=body)
    quotes = find_quotes(article, find_people(article))
    key = [q for q in quotes if q.key]
    assert key and key[0].text.startswith("We will not sign")
