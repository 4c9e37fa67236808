from digests.models import Article
from digests.understand.people import find_people


def people_of(body: str):
    return {p.name: p for p in find_people(Article(url="x", title="t", body=body))}


def test_title_before_name_and_alias():
    found = people_of(
        "Fictional Finance Minister Arlo Venner met Orvian President Tessa Quillon on Monday.\n\n"
        "Venner later flew home. Quillon stayed."
    )
    assert found["Arlo Venner"].roles[0] == "Fictional Finance Minister"
    assert found["Arlo Venner"].aliases == ["Venner"]
    assert found["Arlo Venner"].mentions == 2
    assert found["Tessa Quillon"].roles == ["Orvian President"]


def test_appositive_after_name():
    found = people_of("Dario Pelk, the national security adviser, said little. Pelk left early.")
    assert "national security adviser" in found["Dario Pelk"].roles


def test_who_is_the_appositive_and_lowercase_titles():
    found = people_of(
        "The hearing heard Ivo Strand, who is the agency's chief economist. "
        "Team coach Bram Otley and talent manager Lina Varro watched."
    )
    assert any("chief economist" in r for r in found["Ivo Strand"].roles)
    assert found["Bram Otley"].roles == ["Team coach"]
    assert found["Lina Varro"].roles == ["talent manager"]


def test_role_line_after_pull_quote():
    body = (
        "Orvian Deputy Chief of Staff Mira Tolvek spoke to reporters.\n\n"
        "We will rebuild every bridge.\n\n"
        "Orvian Deputy Chief of Staff, Mira Tolvek\n\n"
        "\u201cWe will rebuild every bridge,\u201d Tolvek said."
    )
    person = people_of(body)["Mira Tolvek"]
    assert person.roles[0] == "Orvian Deputy Chief of Staff"


def test_organisations_and_places_are_not_people():
    found = people_of(
        "The Harbor Institute for Policy said on Friday that Big Lantern, which owns the rights, "
        "would appeal. Protesters gathered in Port Velling. Teachers chanted outside."
    )
    assert not [p for p in found.values() if p.kind == "person"]


def test_two_people_sharing_a_surname_stay_apart():
    found = people_of("Senator Rhea Calder praised Judge Omar Calder, her brother.")
    assert "Rhea Calder" in found and "Omar Calder" in found


def test_headline_teasers_are_not_people():
    found = people_of("Vast Plans Sink Under Weight of Empty Promises in Kell\n\nPela Ruen spoke on Monday.")
    assert list(found) == ["Pela Ruen"]
