"""Near-duplicate fingerprints, term vectors and story clustering."""

import itertools
import json

import pytest

from digests.similarity import (
    NEAR_DUPLICATE_BITS,
    SAME_STORY_COSINE,
    cluster_stories,
    cosine,
    fingerprint,
    hamming,
    near_duplicate,
    term_vector,
)

# Hand-written fixtures: invented places, people and clubs. Each SAME_STORY event is
# reported by three outlets in their own words; OTHER_STORIES share a topic with them.
SAME_STORY = {
    "quake": {
        "wire": (
            "A magnitude 6.1 earthquake struck the city of Marrowdale early on Tuesday, killing at "
            "least 14 people and leaving hundreds without shelter, officials said.\n\n"
            "The quake hit at 4:12 a.m. local time at a depth of 10 km, according to the national "
            "seismology institute. Governor Ilse Brandt said rescue teams were searching collapsed "
            "apartment blocks in the old town.\n\n"
            "\"We are still pulling people out of the rubble,\" Brandt told reporters. Schools in "
            "Marrowdale will stay closed for the rest of the week."
        ),
        "tabloid": (
            "Terrified families fled into the streets of Marrowdale as a powerful 6.1 quake shook the "
            "city before dawn on Tuesday.\n\n"
            "At least 14 people died when old apartment blocks crumbled, and hundreds more have "
            "nowhere to sleep tonight. Rescuers dug through the rubble with their bare hands.\n\n"
            "Governor Ilse Brandt, visiting the ruined old town, promised emergency shelters for "
            "every family and said all Marrowdale schools would remain shut this week."
        ),
        "local": (
            "Marrowdale is counting the cost after Tuesday's earthquake, which the seismology "
            "institute measured at magnitude 6.1. The death toll stood at 14 last night.\n\n"
            "Most of the damage is in the old town, where several apartment blocks collapsed. "
            "Governor Ilse Brandt said rescue crews would keep searching the rubble overnight and "
            "that the council had opened sports halls as shelters for the hundreds left homeless.\n\n"
            "Schools across Marrowdale are closed until next Monday."
        ),
    },
    "match": {
        "wire": (
            "Northbridge Rovers beat Castlebury Town 3-1 on Saturday to move top of the league, with "
            "Tomas Ekwueme scoring twice.\n\n"
            "Ekwueme opened the scoring after 12 minutes and added a second from the penalty spot "
            "before half-time. Sam Hollis pulled one back for Castlebury, but Leo Varga sealed the "
            "win for Northbridge late on.\n\n"
            "\"Tomas was unstoppable today,\" said Rovers manager Petra Lindqvist."
        ),
        "tabloid": (
            "Two-goal hero Tomas Ekwueme fired Northbridge Rovers to the top of the table as they "
            "swept aside Castlebury Town.\n\n"
            "The striker's early strike and cool penalty put Rovers in charge, and although Sam "
            "Hollis gave Castlebury hope, substitute Leo Varga wrapped up a 3-1 win.\n\n"
            "Boss Petra Lindqvist hailed her unstoppable forward after the final whistle."
        ),
        "local": (
            "Castlebury Town slipped to a 3-1 defeat at Northbridge on Saturday, and the Rovers now "
            "lead the league.\n\n"
            "Tomas Ekwueme did the damage with a goal on 12 minutes and a penalty just before the "
            "break. Sam Hollis scored Castlebury's consolation after the hour, before Leo Varga "
            "made it 3-1.\n\n"
            "Northbridge manager Petra Lindqvist praised Ekwueme's finishing."
        ),
    },
}
OTHER_STORIES = {
    "other-match": (
        "Eastport Athletic and Halden United played out a goalless draw on Sunday, a result that "
        "leaves both clubs in the bottom half of the league.\n\n"
        "Halden goalkeeper Rui Moreira saved a penalty from Jonas Brekke in the second half, and "
        "Eastport had a late header from Callum Reid ruled out for offside.\n\n"
        "\"We deserved the three points,\" said Eastport manager Greta Olsen."
    ),
    "castlebury-manager": (
        "Castlebury Town have sacked manager Dean Whitlock after two years in charge, the club "
        "announced on Monday.\n\n"
        "The board said results had not met expectations and that coach Aisha Patel would take "
        "charge of the first team until a permanent appointment is made.\n\n"
        "Whitlock led Castlebury to promotion in his first season."
    ),
    "other-quake": (
        "A magnitude 5.4 earthquake shook the Kessel Valley on Thursday afternoon, rattling windows "
        "and cracking walls, but no injuries were reported.\n\n"
        "The seismology institute said the tremor was centred near the village of Orrin, at a depth "
        "of 35 km. Engineers were checking the Kessel dam as a precaution.\n\n"
        "Mayor Henrik Saar said the valley's schools would open as normal on Friday."
    ),
    "tech": (
        "Solvent Labs has released a smaller version of its route-planning app that runs on older "
        "phones, the company said on Wednesday.\n\n"
        "The app, called Wayline Lite, uses less than half the memory of the full version and works "
        "without a data connection once maps are downloaded.\n\n"
        "Chief executive Mara Quint said the company wanted to reach users in areas with poor coverage."
    ),
}

WIRE = SAME_STORY["quake"]["wire"]


def edited_copy(text: str) -> str:
    """The same wire copy as another site runs it: its own byline and footer, two copy edits."""
    body = text.replace("early on Tuesday", "on Tuesday").replace("told reporters", "said")
    return "\n\n".join([
        "By Staff Reporter",
        "Share this article",
        body,
        "Sign up for our free morning newsletter to get the top stories delivered every day.",
        "Copyright 2025 Example News Ltd. All rights reserved.",
    ])


def all_docs() -> dict[str, str]:
    docs = {f"{story}/{outlet}": text for story, outlets in SAME_STORY.items() for outlet, text in outlets.items()}
    return docs | OTHER_STORIES


def test_fingerprint_is_deterministic_64_bit():
    fp = fingerprint(WIRE)
    assert fp == fingerprint(WIRE)
    assert 0 <= fp < 2**64
    assert fingerprint("") == 0


def test_same_wire_story_on_another_site_is_a_near_duplicate():
    assert near_duplicate(fingerprint(WIRE), fingerprint(edited_copy(WIRE)))
    match = SAME_STORY["match"]["wire"]
    assert near_duplicate(fingerprint(match), fingerprint(match.replace("on Saturday", "on Saturday afternoon")))


def test_different_stories_are_not_near_duplicates():
    fps = {k: fingerprint(v) for k, v in all_docs().items()}
    for a, b in itertools.combinations(sorted(fps), 2):
        assert not near_duplicate(fps[a], fps[b]), (a, b, hamming(fps[a], fps[b]))
        # and not borderline either: different texts sit far from the threshold
        assert hamming(fps[a], fps[b]) > 3 * NEAR_DUPLICATE_BITS


def test_term_vector_is_small_normalised_and_json_ready():
    vec = term_vector(WIRE)
    assert 0 < len(vec) <= 64
    assert all(t == t.lower() for t in vec)
    assert "the" not in vec and "and" not in vec
    assert "marrowdale" in vec
    assert json.loads(json.dumps(vec)) == vec
    assert cosine(vec, vec) == pytest.approx(1.0, abs=1e-3)
    assert cosine(vec, {}) == 0.0


def test_same_story_scores_above_threshold_and_other_stories_below():
    vecs = {k: term_vector(v) for k, v in all_docs().items()}
    for a, b in itertools.combinations(sorted(vecs), 2):
        same = "/" in a and "/" in b and a.split("/")[0] == b.split("/")[0]
        score = cosine(vecs[a], vecs[b])
        if same:
            assert score >= SAME_STORY_COSINE, (a, b, score)
        else:
            assert score < SAME_STORY_COSINE, (a, b, score)


def test_cluster_groups_the_three_outlets_and_keeps_other_stories_apart():
    vecs = {k: term_vector(v) for k, v in all_docs().items()}
    clusters = cluster_stories(vecs)
    assert ["match/local", "match/tabloid", "match/wire"] in clusters
    assert ["quake/local", "quake/tabloid", "quake/wire"] in clusters
    for other in OTHER_STORIES:
        assert [other] in clusters
    assert sorted(itertools.chain.from_iterable(clusters)) == sorted(vecs)


def test_cluster_order_is_deterministic():
    vecs = {k: term_vector(v) for k, v in all_docs().items()}
    reversed_input = dict(reversed(list(vecs.items())))
    assert cluster_stories(vecs) == cluster_stories(reversed_input)
    assert cluster_stories({}) == []
