from digests.understand.names import best_role, person_key, same_person


def test_transliteration_variants_are_one_person():
    forms = ["Zelensky", "Zelenskiy", "Zelenskyy", "Zelenskii"]
    assert len({person_key(f) for f in forms}) == 1
    assert same_person("Volodymyr Zelensky", "Volodymyr Zelenskyy")
    assert same_person("Mykhailo Podolyak", "Mikhaylo Podolyak")
    assert person_key("Dmytro Kuleba") == person_key("Dmitry Kuleba")


def test_different_first_names_are_different_people():
    assert not same_person("Boris Johnson", "Dustin Johnson")
    assert not same_person("Joe Biden", "Hunter Biden")
    assert person_key("Boris Johnson") != person_key("Dustin Johnson")


def test_initial_matches_first_name():
    assert same_person("J. Smith", "Jane Smith")
    assert not same_person("K. Smith", "Jane Smith")


def test_bare_surname_needs_context():
    assert not same_person("Johnson", "Boris Johnson")
    assert same_person("Johnson", "Boris Johnson", context=["Boris Johnson", "Ann Lee"])
    # two full names share the surname: the bare form is ambiguous
    assert not same_person("Johnson", "Boris Johnson", context=["Boris Johnson", "Dustin Johnson"])


def test_honorifics_and_possessives_ignored():
    assert same_person("Mr. Trump's", "Trump")
    assert person_key("Dr. Jane Goodall") == person_key("Jane Goodall")


def test_best_role_prefers_most_specific():
    roles = ["Presidential Chief of Staff", "Ukrainian Presidential Chief of Staff", "official"]
    assert best_role(roles) == "Ukrainian Presidential Chief of Staff"
    assert best_role([]) == ""
